"""The FAQ knowledge base (OTRS's FAQ package): a category tree with permission groups,
articles in de/it/en linked as translations, their versions and append-only history,
attachments, ratings and links to tickets.

Customers and the public read an article's *published* version only: with approval on,
a change waits until an agent of the approval group approves it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Audited, Created

CATEGORY_SEPARATOR = "::"
# The structured fields of OTRS's FAQ, in display order (rich text, sanitized on display
# with the mail HTML rules).
CONTENT_FIELDS = ("symptom", "problem", "solution", "comment")
# What a version keeps: the content an approval publishes.
VERSIONED_FIELDS = ("title", "keywords", "visibility", "language", *CONTENT_FIELDS)
# The key of a version's data that lists the ids of its files (they are versioned too).
ATTACHMENTS_KEY = "attachments"


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("internal (agents)")
    EXTERNAL = "external", _("external (customers)")
    PUBLIC = "public", _("public (everyone)")


class Language(models.TextChoices):
    DE = "de", _("German")
    IT = "it", _("Italian")
    EN = "en", _("English")


class Category(models.Model):
    """A node of the FAQ category tree (``Network::WLAN``). Agents with ``ro`` on one of
    its groups read its articles, ``rw`` edits them; without groups every agent may."""

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    full_name = models.CharField(_("full name"), max_length=1000, unique=True, editable=False)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    groups = models.ManyToManyField(
        "accounts.Group",
        verbose_name=_("permission groups"),
        blank=True,
        related_name="faq_categories",
        help_text=_("Agents with ro on one of them read, rw edit; none: every agent."),
    )
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("FAQ category")
        verbose_name_plural = _("FAQ categories")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_name = (
            f"{self.parent.full_name}{CATEGORY_SEPARATOR}{self.name}" if self.parent else self.name
        )
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return self.full_name.count(CATEGORY_SEPARATOR)


class FaqItem(Audited):
    """An FAQ article: the current (possibly unapproved) text, and ``published``, the
    version customers and the public see."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=250)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items"
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    # Translations share the article they translate as ``original`` (the original is
    # its own group's head, with ``original`` empty).
    original = models.ForeignKey(
        "self",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="translations",
    )
    keywords = models.CharField(_("keywords"), max_length=500, blank=True)
    symptom = models.TextField(_("symptom"), blank=True)
    problem = models.TextField(_("problem"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    request_form_slug = models.SlugField(
        _("request form"),
        max_length=100,
        blank=True,
        help_text=_("The request form offered below the article (“still need help?”)."),
    )
    valid = models.BooleanField(_("valid"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # The normalized words (search.text) of the current text, for agents' search.
    search_text = models.TextField(editable=False, default="")
    # The approved version and what customers and the public search and see of it.
    published = models.ForeignKey(
        "kb.FaqVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_title = models.CharField(max_length=250, blank=True, editable=False)
    published_visibility = models.CharField(
        max_length=10, choices=Visibility.choices, blank=True, editable=False
    )
    published_search = models.TextField(editable=False, default="")
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    vote_sum = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("FAQ article")
        verbose_name_plural = _("FAQ articles")
        ordering = ["number"]
        indexes = [
            models.Index(fields=["category", "valid"], name="kb_item_category"),
            models.Index(fields=["-changed"], name="kb_item_changed"),
            models.Index(fields=["-created"], name="kb_item_created"),
            models.Index(
                fields=["published_visibility", "language"],
                name="kb_item_published",
                condition=Q(published__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"FAQ#{self.number} {self.title}"

    @property
    def slug(self) -> str:
        return slugify(self.published_title or self.title)[:80] or "faq"

    @property
    def rating(self) -> float | None:
        return round(self.vote_sum / self.vote_count, 1) if self.vote_count else None

    @property
    def pending(self) -> bool:
        """The current text is not the published one (awaiting approval)."""
        return self.published_id is None or self.published.number != self.version  # type: ignore[union-attr]

    def head(self) -> FaqItem:
        return self.original if self.original_id else self  # type: ignore[return-value]


class AppendOnly(models.Model):
    """Rows that are evidence: never updated, never deleted (as the ticket history)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{type(self).__name__} rows are append-only")


class FaqVersion(AppendOnly, Created):
    """The article's content after one change: who, when, which fields changed."""

    item = models.ForeignKey(
        FaqItem, verbose_name=_("FAQ article"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    data = models.JSONField(_("content"))
    changed_fields = models.JSONField(_("changed fields"), default=list)

    class Meta:
        verbose_name = _("FAQ version")
        verbose_name_plural = _("FAQ versions")
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="kb_version_unique")]

    def __str__(self) -> str:
        return f"FAQ#{self.item_id} v{self.number}"


class HistoryType(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Changed")
    APPROVED = "approved", _("Approved")
    ATTACHMENT_ADDED = "attachment_added", _("Attachment added")
    ATTACHMENT_REMOVED = "attachment_removed", _("Attachment removed")
    TICKET_LINKED = "ticket_linked", _("Linked to a ticket")
    TICKET_UNLINKED = "ticket_unlinked", _("Link to a ticket removed")
    IMPORTED = "imported", _("Imported")


class FaqHistory(AppendOnly, Created):
    """The article's journal; the agent's journal page lists the latest rows."""

    item = models.ForeignKey(
        FaqItem, verbose_name=_("FAQ article"), on_delete=models.PROTECT, related_name="history"
    )
    type = models.CharField(_("type"), max_length=30, choices=HistoryType.choices)
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    actor_name = models.CharField(_("by"), max_length=200)

    class Meta:
        verbose_name = _("FAQ history entry")
        verbose_name_plural = _("FAQ history")
        ordering = ["item", "id"]
        indexes = [models.Index(fields=["-created"], name="kb_history_created")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.type}"


class FaqAttachment(models.Model):
    """A file of an article: inline images are referenced as ``cid:<content_id>`` in its
    fields; others are listed below it. Stored through Django's storage API."""

    item = models.ForeignKey(
        FaqItem,
        verbose_name=_("FAQ article"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    filename = models.CharField(_("filename"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_id = models.CharField(_("content ID"), max_length=255, blank=True)
    inline = models.BooleanField(_("inline"), default=False)
    file = models.FileField(_("file"), upload_to="faq/%Y/%m/%d")
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("FAQ attachment")
        verbose_name_plural = _("FAQ attachments")
        ordering = ["item", "id"]

    def __str__(self) -> str:
        return self.filename


class FaqVote(models.Model):
    """One "was this helpful?" answer (1 to 5) per agent, customer or anonymous session."""

    item = models.ForeignKey(
        FaqItem, verbose_name=_("FAQ article"), on_delete=models.CASCADE, related_name="votes"
    )
    # Exactly one of them: ``agent:<id>``, ``customer:<login>`` or ``session:<key>``.
    voter = models.CharField(_("voter"), max_length=300)
    value = models.PositiveSmallIntegerField(_("rating"))
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("FAQ rating")
        verbose_name_plural = _("FAQ ratings")
        constraints = [
            models.UniqueConstraint(fields=["item", "voter"], name="kb_vote_once"),
            models.CheckConstraint(condition=Q(value__gte=1, value__lte=5), name="kb_vote_range"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.voter} {self.value}"


class FaqTicketLink(Created):
    """An FAQ article as a linked object of a ticket (seed 003)."""

    item = models.ForeignKey(
        FaqItem,
        verbose_name=_("FAQ article"),
        on_delete=models.PROTECT,
        related_name="ticket_links",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.PROTECT,
        related_name="faq_links",
    )

    class Meta:
        verbose_name = _("FAQ ticket link")
        verbose_name_plural = _("FAQ ticket links")
        constraints = [
            models.UniqueConstraint(fields=["item", "ticket"], name="kb_ticket_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} ↔ {self.ticket_id}"
