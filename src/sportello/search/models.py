from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TicketDocument(models.Model):
    """The full text of one ticket (every article's from, to, cc, subject and body, and
    the attachment names), normalized by ``search.text``.

    PostgreSQL keeps ``document`` (a tsvector with a GIN index) and leaves ``text``
    empty; SQLite keeps ``text``, which triggers copy into the FTS5 table
    ``search_fts`` (an external-content table, rowid = ticket id; migration 0002).
    """

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_document",
    )
    text = models.TextField(blank=True)
    document = SearchVectorField(null=True)
    indexed = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return f"search document {self.ticket_id}"


class PendingIndex(models.Model):
    """A ticket whose search document must be rebuilt: written in the same transaction as
    the article that makes it stale, so no committed article can miss the index.
    ``version`` grows with every new mark; a drain removes the row only if nothing marked
    it again while it was indexing."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    version = models.BigIntegerField(default=1)
    queued = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("ticket waiting for the search index")
        verbose_name_plural = _("tickets waiting for the search index")

    def __str__(self) -> str:
        return f"pending index {self.ticket_id}"


class SearchTemplate(models.Model):
    """A named set of search options an agent saved for later."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="search_templates",
    )
    name = models.CharField(_("name"), max_length=200)
    # The search form's query string values: {"field": ["value", ...]}.
    options = models.JSONField(_("search options"), default=dict)
    created = models.DateTimeField(_("created"), default=timezone.now)
    changed = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("search template")
        verbose_name_plural = _("search templates")
        ordering = ["agent", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agent", "name"], name="search_template_agent_name")
        ]

    def __str__(self) -> str:
        return self.name
