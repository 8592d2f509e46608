"""Every change to the FAQ: articles and their versions, approval, attachments, ratings
and ticket links. Each action checks the permission module, runs in one transaction and
writes the article's append-only history."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from sportello.kb.models import (
    ATTACHMENTS_KEY,
    CONTENT_FIELDS,
    VERSIONED_FIELDS,
    Category,
    FaqAttachment,
    FaqHistory,
    FaqItem,
    FaqTicketLink,
    FaqVersion,
    FaqVote,
    HistoryType,
    Language,
    Visibility,
)
from sportello.search.text import normalize
from sportello.tickets.articles import AttachmentInput

FIRST_NUMBER = 1001


@dataclass
class ItemInput:
    title: str
    category: Category
    visibility: str = Visibility.INTERNAL
    language: str = Language.EN
    keywords: str = ""
    symptom: str = ""
    problem: str = ""
    solution: str = ""
    comment: str = ""
    request_form_slug: str = ""
    valid: bool = True
    original: FaqItem | None = None
    attachments: Sequence[AttachmentInput] = field(default_factory=tuple)


def approval_required() -> bool:
    return bool(settings.SPORTELLO_FAQ_APPROVAL)


def _validate(data: ItemInput) -> None:
    data.title = " ".join(data.title.split())
    if not data.title:
        raise InvalidInput(_("An FAQ article needs a title."))
    if len(data.title) > 250:
        raise InvalidInput(_("The title is longer than 250 characters."))
    if data.visibility not in Visibility.values:
        raise InvalidInput(_("Unknown visibility: %(name)s"), name=data.visibility)
    if data.language not in Language.values:
        raise InvalidInput(_("Unknown language: %(name)s"), name=data.language)
    if not data.category.valid:
        raise InvalidInput(_("The category %(name)s is not valid."), name=data.category.full_name)
    for name in ("keywords", *CONTENT_FIELDS):
        value = getattr(data, name)
        if "\x00" in value:
            setattr(data, name, value.replace("\x00", ""))


def search_words(values: dict[str, Any], number: int) -> str:
    """The normalized words agents and customers search: number, title, keywords and the
    text of the fields."""
    parts = [str(number), values["title"], values["keywords"]]
    parts += [strip_tags(values[name]) for name in CONTENT_FIELDS]
    return normalize("\n".join(parts))


def _snapshot(item: FaqItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in VERSIONED_FIELDS}


def _history(item: FaqItem, type: str, actor: Actor, *, comment: str = "") -> None:
    FaqHistory.objects.create(
        item=item,
        type=type,
        version=item.version,
        comment=comment[:500],
        created_by=actor.user,
        actor_name=actor.label,
    )


def _check_translation(data: ItemInput, item: FaqItem | None) -> FaqItem | None:
    """The head of the translation group ``data`` joins; one article per language."""
    if data.original is None:
        return None
    head = data.original.head()
    if item is not None and head.pk == item.pk:
        return None
    siblings = FaqItem.objects.filter(pk=head.pk) | FaqItem.objects.filter(original=head)
    if item is not None:
        siblings = siblings.exclude(pk=item.pk)
    if siblings.filter(language=data.language).exists():
        raise Conflict(
            _("FAQ#%(number)s already has a translation in this language."), number=head.number
        )
    return head


def _publish(item: FaqItem, version: FaqVersion) -> None:
    item.published = version
    item.published_at = timezone.now()
    item.published_title = version.data["title"]
    item.published_visibility = version.data["visibility"]
    # Only what customers may read goes into the index they search.
    item.published_search = (
        ""
        if version.data["visibility"] == Visibility.INTERNAL
        else search_words(version.data, item.number)
    )
    item.save(
        update_fields=[
            "published",
            "published_at",
            "published_title",
            "published_visibility",
            "published_search",
        ]
    )


def _new_version(item: FaqItem, changed: list[str], actor: Actor) -> FaqVersion:
    # The files belong to the version too: customers and the public get only those of
    # the published one (a file added before approval stays hidden until then).
    files = sorted(item.attachments.values_list("pk", flat=True))
    version = FaqVersion.objects.create(
        item=item,
        number=item.version,
        data={**_snapshot(item), ATTACHMENTS_KEY: files},
        changed_fields=changed,
        created_by=actor.user,
    )
    # Without approval every version is published as it is saved.
    if not approval_required():
        _publish(item, version)
    return version


def _next_number() -> int:
    top = FaqItem.objects.aggregate(top=Max("number"))["top"]
    return max(FIRST_NUMBER, (top or 0) + 1)


def create_item(data: ItemInput, *, actor: Actor, number: int | None = None) -> FaqItem:
    """A new article (version 1), with its attachments. ``number`` is given only by the
    import; otherwise the next free one."""
    _validate(data)
    permissions.faq_require(actor.user, "rw", data.category)
    with transaction.atomic():
        head = _check_translation(data, None)
        if number is not None and FaqItem.objects.filter(number=number).exists():
            raise Conflict(_("FAQ#%(number)s exists already."), number=number)
        values = {f.name: getattr(data, f.name) for f in fields(data)}
        values.pop("attachments")
        values["original"] = head
        item = FaqItem(
            number=number or _next_number(),
            created_by=actor.user,
            changed_by=actor.user,
            **values,
        )
        item.search_text = search_words(_snapshot(item), item.number)
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError:
            raise Conflict(_("Another article took this number; please save again.")) from None
        for attachment in data.attachments:
            _store_attachment(item, attachment)
        _new_version(item, list(VERSIONED_FIELDS), actor)
        _history(item, HistoryType.CREATED, actor, comment=item.title)
    return item


def update_item(item: FaqItem, data: ItemInput, *, actor: Actor) -> FaqItem:
    """Save a change: a new version with the fields that changed; nothing changed, no
    version. Moving to another category needs rw on both."""
    _validate(data)
    with transaction.atomic():
        current = FaqItem.objects.select_for_update().get(pk=item.pk)
        permissions.faq_require(actor.user, "rw", current.category)
        if data.category.pk != current.category_id:
            permissions.faq_require(actor.user, "rw", data.category)
        head = _check_translation(data, current)
        before = _snapshot(current)
        others = {
            "category": current.category_id != data.category.pk,
            "request_form_slug": current.request_form_slug != data.request_form_slug,
            "valid": current.valid != data.valid,
            "original": data.original is not None
            and current.original_id != getattr(head, "pk", None),
        }
        for name in VERSIONED_FIELDS:
            setattr(current, name, getattr(data, name))
        current.category = data.category
        current.request_form_slug = data.request_form_slug
        current.valid = data.valid
        if others["original"]:
            current.original = head
        changed = [n for n in VERSIONED_FIELDS if before[n] != getattr(current, n)]
        changed += [n for n, differs in others.items() if differs]
        for attachment in data.attachments:
            _store_attachment(current, attachment)
            changed.append("attachments")
        if not changed:
            return current
        current.changed = timezone.now()
        current.changed_by = actor.user
        versioned = [n for n in changed if n in VERSIONED_FIELDS or n == ATTACHMENTS_KEY]
        if versioned:
            current.version = F("version") + 1
        current.search_text = search_words(_snapshot(current), current.number)
        current.save()
        current.refresh_from_db()
        if versioned:
            _new_version(current, versioned, actor)
        _history(current, HistoryType.UPDATED, actor, comment=", ".join(dict.fromkeys(changed)))
    return current


def duplicate_item(item: FaqItem, *, actor: Actor) -> FaqItem:
    """A new article with the same content and files (not a translation)."""
    permissions.faq_require(actor.user, "ro", item.category)
    data = ItemInput(
        title=str(_("Copy of %(title)s") % {"title": item.title})[:250],
        category=item.category,
        visibility=item.visibility,
        language=item.language,
        keywords=item.keywords,
        request_form_slug=item.request_form_slug,
        **{name: getattr(item, name) for name in CONTENT_FIELDS},
        attachments=[
            AttachmentInput(
                filename=a.filename,
                content_type=a.content_type,
                content=a.file.read(),
                content_id=a.content_id,
                inline=a.inline,
            )
            for a in item.attachments.all()
        ],
    )
    return create_item(data, actor=actor)


def approve(item: FaqItem, *, actor: Actor) -> FaqItem:
    """Publish the current version (approval group only)."""
    if not permissions.faq_may_approve(actor.user):
        raise PermissionDenied(_("Only agents of the FAQ approval group approve articles."))
    with transaction.atomic():
        current = FaqItem.objects.select_for_update().get(pk=item.pk)
        permissions.faq_require(actor.user, "ro", current.category)
        if not current.pending:
            raise Conflict(
                _("FAQ#%(number)s has no change awaiting approval."), number=current.number
            )
        version = current.versions.get(number=current.version)
        _publish(current, version)
        _history(current, HistoryType.APPROVED, actor, comment=f"v{version.number}")
    return current


def _store_attachment(item: FaqItem, data: AttachmentInput) -> FaqAttachment:
    content = data.content if isinstance(data.content, bytes) else data.content.read()
    limit = settings.SPORTELLO_MAX_ATTACHMENT_SIZE
    if len(content) > limit:
        raise InvalidInput(_("%(name)s is larger than the limit."), name=data.filename)
    filename = (data.filename or "file").replace("/", "_").replace("\\", "_")[:255]
    content_type = data.content_type or (
        mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    attachment = FaqAttachment(
        item=item,
        filename=filename,
        content_type=content_type[:255],
        size=len(content),
        content_id=data.content_id[:255],
        inline=data.inline,
    )
    attachment.file.save(filename, ContentFile(content), save=False)
    attachment.save()
    return attachment


def _files_changed(item: FaqItem, actor: Actor) -> FaqItem:
    """A new version for a file added or removed: with approval on, it waits like a
    change of the text (the published version keeps its own files)."""
    current = FaqItem.objects.select_for_update().get(pk=item.pk)
    current.version = F("version") + 1
    current.changed = timezone.now()
    current.changed_by = actor.user
    current.save(update_fields=["version", "changed", "changed_by"])
    current.refresh_from_db()
    _new_version(current, [ATTACHMENTS_KEY], actor)
    return current


def add_attachment(item: FaqItem, data: AttachmentInput, *, actor: Actor) -> FaqAttachment:
    permissions.faq_require(actor.user, "rw", item.category)
    with transaction.atomic():
        attachment = _store_attachment(item, data)
        current = _files_changed(item, actor)
        _history(current, HistoryType.ATTACHMENT_ADDED, actor, comment=attachment.filename)
    return attachment


def remove_attachment(attachment: FaqAttachment, *, actor: Actor) -> None:
    item = attachment.item
    permissions.faq_require(actor.user, "rw", item.category)
    with transaction.atomic():
        name = attachment.filename
        stored = str(attachment.file.name)
        attachment.delete()
        current = _files_changed(item, actor)
        _history(current, HistoryType.ATTACHMENT_REMOVED, actor, comment=name)
        transaction.on_commit(lambda: attachment.file.storage.delete(stored))


def rate(item: FaqItem, *, voter: str, value: int) -> bool:
    """Count one vote (1 to 5) of ``voter`` (``agent:<id>``, ``customer:<login>`` or
    ``session:<key>``); a second vote of the same voter is refused (returns False).
    The caller has checked that the voter may read the article."""
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput(_("A rating is a number from 1 to 5."))
    if not voter or ":" not in voter:
        raise InvalidInput(_("A rating needs a voter."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                FaqVote.objects.create(item=item, voter=voter[:300], value=value)
        except IntegrityError:
            return False
        FaqItem.objects.filter(pk=item.pk).update(
            vote_count=F("vote_count") + 1, vote_sum=F("vote_sum") + value
        )
    return True


def link_ticket(item: FaqItem, ticket: Any, *, actor: Actor) -> FaqTicketLink:
    """Link an article and a ticket: rw on the ticket, ro on the article's category; a
    Link row in the ticket's history and one in the article's."""
    from sportello.tickets import actions as ticket_actions

    permissions.faq_require(actor.user, "ro", item.category)
    with transaction.atomic():
        existing = FaqTicketLink.objects.filter(item=item, ticket=ticket).first()
        if existing is not None:
            return existing
        ticket_actions.record_object_link(ticket, f"FAQ#{item.number}", actor=actor, linked=True)
        link = FaqTicketLink.objects.create(item=item, ticket=ticket, created_by=actor.user)
        _history(item, HistoryType.TICKET_LINKED, actor, comment=str(ticket.number))
    return link


def unlink_ticket(item: FaqItem, ticket: Any, *, actor: Actor) -> None:
    from sportello.tickets import actions as ticket_actions

    permissions.faq_require(actor.user, "ro", item.category)
    with transaction.atomic():
        links = FaqTicketLink.objects.filter(item=item, ticket=ticket)
        if not links.exists():
            raise NotFound(_("FAQ#%(number)s is not linked to this ticket."), number=item.number)
        ticket_actions.record_object_link(ticket, f"FAQ#{item.number}", actor=actor, linked=False)
        links.delete()
        _history(item, HistoryType.TICKET_UNLINKED, actor, comment=str(ticket.number))


def create_category(
    name: str, *, parent: Category | None = None, comment: str = "", groups: Sequence[Any] = ()
) -> Category:
    name = name.strip()
    if not name or "::" in name:
        raise InvalidInput(_("A category name is needed and may not contain “::”."))
    category, _created = Category.objects.get_or_create(
        name=name, parent=parent, defaults={"comment": comment}
    )
    if groups:
        category.groups.set(groups)
    return category


def ensure_category_path(full_name: str) -> Category:
    """The category ``A::B::C``, created with its parents where missing."""
    parent: Category | None = None
    for part in full_name.split("::"):
        parent = create_category(part, parent=parent)
    if parent is None:
        raise InvalidInput(_("A category name is needed and may not contain “::”."))
    return parent


def save_category(
    category: Category | None,
    *,
    name: str,
    parent: Category | None,
    comment: str,
    valid: bool,
    groups: Sequence[Any],
) -> tuple[Category, bool]:
    """Create or bring up to date a category of another system's FAQ (the import): its
    name, parent, comment, validity and groups. Returns it and whether anything changed."""
    if category is None:
        new = create_category(name, parent=parent, comment=comment, groups=groups)
        return _set_category(new, name, parent, comment, valid, groups)[0], True
    return _set_category(category, name, parent, comment, valid, groups)


def _set_category(
    category: Category,
    name: str,
    parent: Category | None,
    comment: str,
    valid: bool,
    groups: Sequence[Any],
) -> tuple[Category, bool]:
    name = name.strip()
    if not name or "::" in name:
        raise InvalidInput(_("A category name is needed and may not contain “::”."))
    values = {"name": name, "parent_id": getattr(parent, "pk", None), "comment": comment[:250]}
    values["valid"] = valid
    changed = [key for key, value in values.items() if getattr(category, key) != value]
    for key in changed:
        setattr(category, key, values[key])
    if changed:
        category.save()
    wanted = {group.pk for group in groups}
    if set(category.groups.values_list("pk", flat=True)) != wanted:
        category.groups.set(groups)
        changed.append("groups")
    return category, bool(changed)


def keep_origin(
    item: FaqItem,
    *,
    created: Any,
    created_by: Any,
    changed: Any,
    changed_by: Any,
) -> None:
    """An imported article keeps the times and authors of the system it came from (its
    history and versions keep the import's own)."""
    FaqItem.objects.filter(pk=item.pk).update(
        created=created, created_by=created_by, changed=changed, changed_by=changed_by
    )
