"""FAQ import and export in the JSON format of ``docs/faq.md`` (migration from OTRS's
FAQ package, backups). The import is idempotent by article number: an article that
exists is updated through the same action as an edit (no change, no version) and
attachments already there (same name and content) are not added again."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.kb import actions
from sportello.kb.models import CONTENT_FIELDS, Category, FaqItem
from sportello.tickets.articles import AttachmentInput

FORMAT = "sportello-faq"
VERSION = 1
WRONG_TYPE = _("%(where)s: “%(key)s” has the wrong type.")


@dataclass
class ImportResult:
    categories: int = 0
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def export_faq() -> dict[str, Any]:
    categories = [
        {
            "name": c.full_name,
            "comment": c.comment,
            "valid": c.valid,
            "groups": sorted(g.name for g in c.groups.all()),
        }
        for c in Category.objects.prefetch_related("groups").order_by("full_name")
    ]
    articles = []
    items = FaqItem.objects.select_related("category", "original").prefetch_related("attachments")
    for item in items.order_by("number"):
        articles.append(
            {
                "number": item.number,
                "title": item.title,
                "category": item.category.full_name,
                "visibility": item.visibility,
                "language": item.language,
                "translation_of": item.original.number if item.original else None,
                "keywords": item.keywords,
                **{name: getattr(item, name) for name in CONTENT_FIELDS},
                "request_form": item.request_form_slug,
                "valid": item.valid,
                "approved": not item.pending,
                "created": item.created.isoformat(),
                "changed": item.changed.isoformat(),
                "attachments": [
                    {
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "content_id": a.content_id,
                        "inline": a.inline,
                        "content_base64": base64.b64encode(a.file.read()).decode("ascii"),
                    }
                    for a in item.attachments.all()
                ],
            }
        )
    return {"format": FORMAT, "version": VERSION, "categories": categories, "articles": articles}


def _need(mapping: Any, key: str, kind: type, where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise InvalidInput(_("%(where)s: “%(key)s” is missing."), where=where, key=key)
    value = mapping[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidInput(_("%(where)s: “%(key)s” has the wrong type."), where=where, key=key)
    return value


def _optional(mapping: dict[str, Any], key: str, kind: type, default: Any, where: str) -> Any:
    if mapping.get(key) is None:
        return default
    return _need(mapping, key, kind, where)


def _attachments(raw: Any, where: str) -> list[AttachmentInput]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidInput(
            _("%(where)s: “%(key)s” has the wrong type."), where=where, key="attachments"
        )
    found = []
    for index, entry in enumerate(raw):
        place = f"{where}, attachment {index + 1}"
        try:
            content = base64.b64decode(_need(entry, "content_base64", str, place), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                _("%(where)s: the content is no valid base64."), where=place
            ) from None
        found.append(
            AttachmentInput(
                filename=_need(entry, "filename", str, place),
                content_type=_optional(entry, "content_type", str, "", place),
                content=content,
                content_id=_optional(entry, "content_id", str, "", place),
                inline=bool(_optional(entry, "inline", bool, False, place)),
            )
        )
    return found


def _category(raw: dict[str, Any], where: str) -> Category:
    category = actions.ensure_category_path(_need(raw, "name", str, where))
    category.comment = _optional(raw, "comment", str, category.comment, where)
    category.valid = _optional(raw, "valid", bool, category.valid, where)
    category.save()
    names = _optional(raw, "groups", list, None, where)
    if names is not None:
        groups = []
        for name in names:
            group = Group.objects.filter(name=name).first()
            if group is None:
                raise InvalidInput(_("%(where)s: no group named %(name)s."), where=where, name=name)
            groups.append(group)
        category.groups.set(groups)
    return category


def import_faq(data: Any, *, actor: Actor) -> ImportResult:
    """Import ``data`` (the parsed JSON) in one transaction: all or nothing."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(_("This is no Sportello FAQ file (format “%(format)s”)."), format=FORMAT)
    if data.get("version") != VERSION:
        raise InvalidInput(
            _("Unsupported FAQ file version: %(version)s."), version=data.get("version")
        )
    result = ImportResult()
    raw_articles = data.get("articles") or []
    if not isinstance(raw_articles, list) or not isinstance(data.get("categories") or [], list):
        raise InvalidInput(_("“categories” and “articles” must be lists."))
    with transaction.atomic():
        for index, raw in enumerate(data.get("categories") or []):
            _category(raw, f"category {index + 1}")
            result.categories += 1
        # Originals before their translations.
        ordered = sorted(
            enumerate(raw_articles),
            key=lambda pair: (
                isinstance(pair[1], dict) and pair[1].get("translation_of") is not None
            ),
        )
        for index, raw in ordered:
            _import_article(raw, f"article {index + 1}", actor, result)
    return result


def _import_article(raw: Any, where: str, actor: Actor, result: ImportResult) -> None:
    number = _need(raw, "number", int, where)
    if number < 1:
        raise InvalidInput(WRONG_TYPE, where=where, key="number")
    where = f"FAQ#{number}"
    category = actions.ensure_category_path(_need(raw, "category", str, where))
    original = None
    translation_of = _optional(raw, "translation_of", int, None, where)
    if translation_of is not None:
        original = FaqItem.objects.filter(number=translation_of).first()
        if original is None:
            raise InvalidInput(
                _("%(where)s: no article %(number)s to translate."),
                where=where,
                number=translation_of,
            )
    attachments = _attachments(raw.get("attachments"), where)
    data = actions.ItemInput(
        title=_need(raw, "title", str, where),
        category=category,
        visibility=_optional(raw, "visibility", str, "internal", where),
        language=_optional(raw, "language", str, "en", where),
        keywords=_optional(raw, "keywords", str, "", where),
        request_form_slug=_optional(raw, "request_form", str, "", where)[:100],
        valid=_optional(raw, "valid", bool, True, where),
        original=original,
        **{name: _optional(raw, name, str, "", where) for name in CONTENT_FIELDS},
    )
    existing = FaqItem.objects.filter(number=number).first()
    if existing is None:
        data.attachments = attachments
        item = actions.create_item(data, actor=actor, number=number)
        result.created.append(number)
    else:
        known = {(a.filename, a.size, _digest(a.file.read())) for a in existing.attachments.all()}
        data.attachments = [
            a
            for a in attachments
            if (a.filename, len(a.content), _digest(a.content)) not in known  # type: ignore[arg-type]
        ]
        before = existing.history.count()
        item = actions.update_item(existing, data, actor=actor)
        changed = item.history.count() != before
        (result.updated if changed else result.unchanged).append(number)
    if _optional(raw, "approved", bool, True, where) and item.pending:
        actions.approve(item, actor=actor)
