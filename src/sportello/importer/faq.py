"""The FAQ package's tables (faq_category, faq_item, faq_attachment, faq_voting), when
they exist: categories with their tree and groups, articles under their old numbers.
Everything is written through the FAQ's own actions (``sportello.kb.actions``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.core.errors import DomainError
from sportello.importer.context import Context
from sportello.importer.tickets import stamp
from sportello.kb import actions
from sportello.kb.models import Category, FaqItem, Language, Visibility
from sportello.tickets.articles import AttachmentInput

TABLES = {"faq_category", "faq_item", "faq_language", "faq_state", "faq_state_type"}
# faq_item.f_field1..4 in the order of the FAQ package's default field configuration
# (FAQ::Item::Field1..4: symptom, problem, solution, comment); 5 and 6 are unused there.
STATE_TYPES = {
    "internal": Visibility.INTERNAL,
    "external": Visibility.EXTERNAL,
    "public": Visibility.PUBLIC,
}
# faq_voting.rate is a percentage in steps of 25 (the five stars of the FAQ zoom).
RATE_STEP = 25


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def import_faq(ctx: Context) -> None:
    tables = ctx.source.tables()
    if not tables >= TABLES:
        return
    _categories(ctx, "faq_category_group" in tables)
    _items(ctx, tables)


def _categories(ctx: Context, with_groups: bool) -> None:
    src = ctx.source
    rows = {
        int(row[0]): row
        for row in src.all(
            "SELECT id, parent_id, name, comments, valid_id FROM faq_category ORDER BY id"
        )
    }
    groups: dict[int, list[Group]] = {}
    if with_groups:
        targets = ctx.mapping.all("permission_groups")
        for category_id, group_id in src.all(
            "SELECT category_id, group_id FROM faq_category_group ORDER BY id"
        ):
            target = targets.get(str(group_id))
            if target is not None:
                groups.setdefault(int(category_id), []).append(Group.objects.get(pk=target))
    done: dict[int, Category] = {}

    def ensure(key: int, path: tuple[int, ...] = ()) -> Category | None:
        if key in done:
            return done[key]
        if key not in rows or key in path:
            ctx.report.skip("faq_category", key, _("its parent category is missing"))
            return None
        _id, parent_id, name, comments, valid_id = rows[key]
        parent = None
        if int(parent_id or 0):
            parent = ensure(int(parent_id), (*path, key))
            if parent is None:
                return None
        mapped = ctx.mapping.get("faq_category", key)
        existing = Category.objects.filter(pk=mapped).first() if mapped else None
        if existing is None:
            existing = Category.objects.filter(name=_s(name).strip(), parent=parent).first()
        try:
            category, changed = actions.save_category(
                existing,
                name=_s(name),
                parent=parent,
                comment=_s(comments),
                valid=ctx.is_valid(valid_id),
                groups=groups.get(key, []),
            )
        except DomainError as error:
            ctx.report.skip("faq_category", key, str(error))
            return None
        outcome = "created" if existing is None else "updated" if changed else "unchanged"
        ctx.report.count("faq_category", outcome)
        ctx.mapping.put("faq_category", key, category.pk)
        done[key] = category
        return category

    for key in rows:
        ensure(key)


def _items(ctx: Context, tables: set[str]) -> None:
    src = ctx.source
    languages = {int(i): _s(n) for i, n in src.all("SELECT id, name FROM faq_language")}
    state_types = {int(i): _s(n) for i, n in src.all("SELECT id, name FROM faq_state_type")}
    states = {
        int(i): state_types.get(int(t), "") for i, t in src.all("SELECT id, type_id FROM faq_state")
    }
    agents = ctx.mapping.all("users")
    system = Actor.system(channel="cli")
    for batch in src.rows(
        "SELECT id, f_number, f_subject, f_keywords, f_language_id, state_id, category_id, "
        "approved, valid_id, created, created_by, changed, changed_by, "
        "f_field1, f_field2, f_field3, f_field4 "
        "FROM faq_item ORDER BY id"
    ):
        for row in batch:
            _item(ctx, row, languages, states, agents, system, tables)


def _item(
    ctx: Context,
    row: tuple[Any, ...],
    languages: dict[int, str],
    states: dict[int, str],
    agents: dict[str, int],
    system: Actor,
    tables: set[str],
) -> None:
    key = int(row[0])
    number_text = _s(row[1]).strip()
    if not number_text.isdigit() or int(number_text) < 1:
        ctx.report.skip("faq_item", key, _("its number %(n)s is no number") % {"n": row[1]})
        return
    number = int(number_text)
    category_id = ctx.mapping.get("faq_category", row[6])
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    if category is None:
        ctx.report.skip("faq_item", number, _("its category is missing"))
        return
    language = _s(languages.get(int(row[4]))).split("_")[0].lower()
    if language not in Language.values:
        ctx.report.problem(
            _("FAQ#%(n)s: language “%(lang)s” is not offered; imported as English.")
            % {"n": number, "lang": languages.get(int(row[4]))}
        )
        language = Language.EN
    state_type = states.get(int(row[5]), "")
    if state_type not in STATE_TYPES:
        ctx.report.problem(
            _("FAQ#%(n)s: state type “%(type)s” has no counterpart; imported as internal.")
            % {"n": number, "type": state_type}
        )
    data = actions.ItemInput(
        title=_s(row[2]).strip()[:250] or f"FAQ#{number}",
        category=category,
        visibility=STATE_TYPES.get(state_type, Visibility.INTERNAL),
        language=language,
        keywords=_s(row[3])[:500],
        valid=ctx.is_valid(row[8]),
        symptom=ctx.source.text(row[13]),
        problem=ctx.source.text(row[14]),
        solution=ctx.source.text(row[15]),
        comment=ctx.source.text(row[16]),
    )
    try:
        item = _save(ctx, key, number, data, system, "faq_attachment" in tables)
    except DomainError as error:
        ctx.report.skip("faq_item", number, str(error))
        return
    if int(row[7] or 0) and item.pending:
        actions.approve(item, actor=system)
    elif not int(row[7] or 0) and not item.pending:
        ctx.report.note(_("Articles not approved in Znuny were published: approval is off here."))
    actions.keep_origin(
        item,
        created=stamp(row[9]),
        created_by=agents.get(str(row[10]), system.user.pk),
        changed=stamp(row[11]),
        changed_by=agents.get(str(row[12]), system.user.pk),
    )
    if "faq_voting" in tables:
        _votes(ctx, key, item)


def _attachments(ctx: Context, key: int) -> list[AttachmentInput]:
    return [
        AttachmentInput(
            filename=_s(name) or "file",
            content_type=_s(content_type).split(";")[0].strip(),
            content=ctx.source.blob(content),
            inline=bool(int(inline or 0)),
        )
        for name, content_type, content, inline in ctx.source.all(
            "SELECT filename, content_type, content, inlineattachment FROM faq_attachment "
            "WHERE faq_id = %s ORDER BY id",
            [key],
        )
    ]


def _save(
    ctx: Context, key: int, number: int, data: actions.ItemInput, actor: Actor, files_kept: bool
) -> FaqItem:
    mapped = ctx.mapping.get("faq_item", key)
    existing = FaqItem.objects.filter(pk=mapped).first() if mapped else None
    if existing is None:
        existing = FaqItem.objects.filter(number=number).first()
    files = _attachments(ctx, key) if files_kept else []
    if existing is not None:
        known = {(a.filename, a.size) for a in existing.attachments.all()}
        files = [f for f in files if (f.filename, len(bytes(f.content))) not in known]  # type: ignore[arg-type]
    # A dry run stores no files (they would outlive the rolled-back transaction).
    ctx.report.count("faq_attachment", "created", len(files))
    if not ctx.dry_run:
        data.attachments = files
    if existing is None:
        item = actions.create_item(data, actor=actor, number=number)
        ctx.report.count("faq_item", "created")
    else:
        before = existing.history.count()
        item = actions.update_item(existing, data, actor=actor)
        changed = item.history.count() != before
        ctx.report.count("faq_item", "updated" if changed else "unchanged")
    ctx.mapping.put("faq_item", key, item.pk)
    return item


def _votes(ctx: Context, key: int, item: FaqItem) -> None:
    for voter, rate in ctx.source.all(
        "SELECT created_by, rate FROM faq_voting WHERE item_id = %s ORDER BY id", [key]
    ):
        value = min(5, max(1, int(rate or 0) // RATE_STEP + 1))
        counted = actions.rate(item, voter=f"znuny:{_s(voter)}"[:300], value=value)
        ctx.report.count("faq_voting", "created" if counted else "unchanged")
