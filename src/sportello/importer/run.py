"""The whole import, in dependency order: ``run(url, ...)`` returns the report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from sportello.core import cache
from sportello.importer import catalog, faq, people
from sportello.importer.context import Context
from sportello.importer.models import ImportedObject, ImportStep
from sportello.importer.report import Report
from sportello.importer.source import Source, SourceError
from sportello.importer.tickets import TicketImport

# What the importer reads: a database without them is no Znuny 6/7 installation.
REQUIRED = {
    "valid",
    "users",
    "user_preferences",
    "permission_groups",
    "group_user",
    "group_role",
    "roles",
    "role_user",
    "personal_queues",
    "salutation",
    "signature",
    "system_address",
    "follow_up_possible",
    "queue",
    "ticket_priority",
    "ticket_type",
    "ticket_lock_type",
    "ticket_state",
    "ticket_state_type",
    "ticket",
    "ticket_history",
    "ticket_history_type",
    "ticket_watcher",
    "article",
    "article_sender_type",
    "article_flag",
    "communication_channel",
    "article_data_mime",
    "article_data_mime_plain",
    "article_data_mime_attachment",
    "standard_template",
    "queue_standard_template",
    "auto_response_type",
    "auto_response",
    "queue_auto_response",
    "service",
    "sla",
    "service_sla",
    "customer_user",
    "customer_preferences",
    "customer_company",
    "link_object",
    "link_type",
    "link_state",
    "link_relation",
    "dynamic_field",
    "dynamic_field_value",
}
# Steps before the tickets, in order; ``--resume`` skips the finished ones.
STEPS = (
    ("catalog", catalog.import_catalog),
    ("agents", people.import_agents),
    ("customers", people.import_customers),
    ("faq", faq.import_faq),
)


class _DryRun(Exception):
    pass


def check_schema(source: Source, report: Report) -> None:
    tables = source.tables()
    missing = sorted(REQUIRED - tables)
    if missing:
        hint = (
            _(
                "This looks like OTRS 5 or older (articles without article_data_mime): "
                "upgrade it to Znuny 6.5 first."
            )
            if "article" in tables and "article_data_mime" not in tables
            else _("Is this a Znuny database?")
        )
        raise SourceError(
            _("Unsupported schema: tables %(tables)s are missing. %(hint)s")
            % {"tables": ", ".join(missing[:8]) + ("…" if len(missing) > 8 else ""), "hint": hint}
        )
    for table, what in (
        ("pm_process", _("process management")),
        ("generic_agent_jobs", _("GenericAgent jobs")),
    ):
        if table in tables and source.scalar(f"SELECT COUNT(*) FROM {table}"):  # noqa: S608
            report.note(
                _("%(what)s found: not imported, re-create them by hand (see docs/migration.md).")
                % {"what": what}
            )


def run(
    url: str,
    *,
    article_dir: Path | None = None,
    since: datetime | None = None,
    dry_run: bool = False,
    resume: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> Report:
    report = Report(dry_run=dry_run)
    if article_dir is not None and not article_dir.is_dir():
        raise SourceError(
            _("The article directory %(path)s does not exist.") % {"path": article_dir}
        )
    source = Source(url)
    try:
        check_schema(source, report)
        ctx = Context(
            source=source,
            report=report,
            article_dir=article_dir,
            since=since,
            dry_run=dry_run,
            resume=resume,
        )
        if progress is not None:
            ctx.progress = progress
        try:
            if dry_run:
                with transaction.atomic():
                    _steps(ctx)
                    raise _DryRun
            _steps(ctx)
        except _DryRun:
            pass
    finally:
        source.close()
    return report


def _steps(ctx: Context) -> None:
    finished = set(ImportStep.objects.filter(finished=True).values_list("name", flat=True))
    for name, step in STEPS:
        # The catalog is read again on every run: the ticket steps need its mapping.
        if ctx.resume and name in finished and name != "catalog":
            ctx.mapping.all("users")
            continue
        with transaction.atomic():
            step(ctx)
            ImportStep.objects.update_or_create(name=name, defaults={"finished": True})
            cache.bump()
        ctx.progress(name, 1, 1)
    if not ctx.resume:
        ImportStep.objects.filter(name="tickets").update(last_key=0, finished=False)
    TicketImport(ctx).run()
    _complete_articles(ctx)
    _note_system_id(ctx)


def _complete_articles(ctx: Context) -> None:
    """Articles imported while their files were missing: added now if they are there."""
    from sportello.importer import articles
    from sportello.tickets.articles import store_attachment
    from sportello.tickets.models import Article

    marks = ImportedObject.objects.filter(kind="article_incomplete")
    for mark in list(marks):
        rows = ctx.source.all(
            "SELECT content_path FROM article_data_mime WHERE article_id = %s",
            [int(mark.source_key)],
        )
        found = articles.from_files(ctx, int(mark.source_key), rows[0][0] if rows else None)
        if found is None or found.missing:
            ctx.report.skip("article", mark.source_key, _("its files are still missing"))
            continue
        with transaction.atomic():
            article = Article.objects.select_related("ticket").get(pk=mark.target_id)
            if not ctx.dry_run:
                for item in found.attachments:
                    store_attachment(article, item)
                if found.raw is not None and not article.raw_size:
                    Article.objects.filter(pk=article.pk).update(
                        raw_data=found.raw, raw_size=len(found.raw)
                    )
                if found.body_html:
                    Article.objects.filter(pk=article.pk).update(body_html=found.body_html)
            mark.delete()
        ctx.report.count("article", "updated")


def _note_system_id(ctx: Context) -> None:
    from django.conf import settings

    if "sysconfig_modified" not in ctx.source.tables():
        return
    rows = ctx.source.all("SELECT effective_value FROM sysconfig_modified WHERE name = 'SystemID'")
    if not rows:
        return
    value = ctx.source.text(rows[0][0]).replace("---", "").strip().strip("'\"")
    if value and value != str(settings.SPORTELLO_SYSTEM_ID):
        ctx.report.note(
            _(
                "Znuny's SystemID is %(old)s, SPORTELLO_SYSTEM_ID is %(new)s: set "
                "it to %(old)s so that new numbers look like the old ones and replies to old "
                "numbers without a check digit (AutoIncrement) are found."
            )
            % {"old": value, "new": settings.SPORTELLO_SYSTEM_ID}
        )
