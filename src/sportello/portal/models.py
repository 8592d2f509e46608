"""Request forms (seed 000), anonymous submissions awaiting address confirmation, and the
attempt log behind login throttling and rate limits."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# scheme://host[:port], host names with an optional leading wildcard label.
ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?")


def _localized(obj: models.Model, field: str) -> str:
    """``field_<language>`` for the active language (de, it), else the base field."""
    language = (get_language() or "en").split("-")[0]
    value = getattr(obj, f"{field}_{language}", "") if language != "en" else ""
    return str(value or getattr(obj, field))


class RequestForm(models.Model):
    """A web form customers file one type of request with (seed 000)."""

    name = models.CharField(_("name"), max_length=200)
    name_de = models.CharField(_("name (German)"), max_length=200, blank=True)
    name_it = models.CharField(_("name (Italian)"), max_length=200, blank=True)
    slug = models.SlugField(_("public URL slug"), max_length=100, unique=True)
    ticket_type = models.ForeignKey(
        "tickets.TicketType", verbose_name=_("ticket type"), on_delete=models.PROTECT
    )
    queue = models.ForeignKey(
        "queues.Queue", verbose_name=_("target queue"), on_delete=models.PROTECT
    )
    priority = models.ForeignKey(
        "tickets.Priority",
        verbose_name=_("priority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    introduction = models.TextField(_("introduction"), blank=True)
    introduction_de = models.TextField(_("introduction (German)"), blank=True)
    introduction_it = models.TextField(_("introduction (Italian)"), blank=True)
    allow_anonymous = models.BooleanField(
        _("anonymous use"),
        default=False,
        help_text=_("Visitors who are not logged in confirm their address by a link."),
    )
    frame_ancestors = models.TextField(
        _("may be embedded by"),
        blank=True,
        help_text=_("Origins allowed to show this form in an iframe, one per line."),
    )
    faq_category = models.ForeignKey(
        "kb.Category",
        verbose_name=_("FAQ category to suggest from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("While customers type, FAQ articles of this category are suggested; "
                    "empty: all categories."),
    )  # fmt: skip
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("request form")
        verbose_name_plural = _("request forms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        return _localized(self, "name")

    @property
    def intro(self) -> str:
        return _localized(self, "introduction")

    def embedding_origins(self) -> list[str]:
        """The valid origins of ``frame_ancestors``; anything else never reaches the CSP."""
        origins = [line.strip().rstrip("/") for line in self.frame_ancestors.splitlines()]
        return [o for o in origins if ORIGIN.fullmatch(o)]

    def clean(self) -> None:
        wrong = [
            line.strip()
            for line in self.frame_ancestors.splitlines()
            if line.strip() and not ORIGIN.fullmatch(line.strip().rstrip("/"))
        ]
        if wrong:
            raise ValidationError(
                {
                    "frame_ancestors": _(
                        "Not an origin (like https://www.example.org): %(origins)s"
                    )
                    % {"origins": ", ".join(wrong)}
                }
            )


class FormFieldKind(models.TextChoices):
    TITLE = "title", _("title")
    DESCRIPTION = "description", _("description")
    ATTACHMENTS = "attachments", _("attachments")


class RequestFormField(models.Model):
    form = models.ForeignKey(
        RequestForm, verbose_name=_("form"), on_delete=models.CASCADE, related_name="fields"
    )
    kind = models.CharField(_("field"), max_length=20, choices=FormFieldKind.choices)
    required = models.BooleanField(_("required"), default=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    label_de = models.CharField(_("label (German)"), max_length=200, blank=True)
    label_it = models.CharField(_("label (Italian)"), max_length=200, blank=True)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    help_text_de = models.CharField(_("help text (German)"), max_length=500, blank=True)
    help_text_it = models.CharField(_("help text (Italian)"), max_length=500, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["form", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "kind"], name="request_form_field_once")
        ]

    def __str__(self) -> str:
        return f"{self.form_id}: {self.kind}"

    @property
    def shown_label(self) -> str:
        label = _localized(self, "label")
        return label or str(FormFieldKind(self.kind).label).capitalize()

    @property
    def shown_help(self) -> str:
        return _localized(self, "help_text")


class PendingSubmission(models.Model):
    """An anonymous form submission; it becomes a ticket when the address is confirmed."""

    form = models.ForeignKey(RequestForm, verbose_name=_("form"), on_delete=models.CASCADE)
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("unconfirmed request")
        verbose_name_plural = _("unconfirmed requests")

    def __str__(self) -> str:
        return f"{self.email}: {self.title}"


class PendingAttachment(models.Model):
    submission = models.ForeignKey(
        PendingSubmission, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    file = models.FileField(upload_to="portal-pending/%Y/%m/%d")

    def __str__(self) -> str:
        return self.filename


class Attempt(models.Model):
    """One counted event (a failed login, a form submission, a mailed link) for a scope
    and key (an account, an IP address). Kept in the database so that every web process
    counts the same attempts."""

    scope = models.CharField(max_length=30)
    key = models.CharField(max_length=300)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "created"], name="portal_attempt_lookup")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class FaqSuggestionUse(models.Model):
    """A request sent although the customer opened FAQ articles the form suggested:
    which ones (statistics of the suggestions' effect)."""

    form = models.ForeignKey(
        RequestForm, verbose_name=_("request form"), on_delete=models.CASCADE, related_name="+"
    )
    faq_numbers = models.JSONField(_("FAQ articles opened"), default=list)
    # The form visit (a token of the rendered form) its view events carry.
    visit = models.CharField(_("visit"), max_length=32, blank=True, db_index=True)
    ticket_number = models.CharField(_("ticket number"), max_length=50, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("FAQ suggestion opened before a request")
        verbose_name_plural = _("FAQ suggestions opened before requests")

    def __str__(self) -> str:
        return f"{self.form_id} {self.faq_numbers}"


class FaqSuggestionView(models.Model):
    """A suggested FAQ article opened from a request form, whether or not the request
    is sent afterwards: with the sent requests' ``visit`` it tells "opened and left"
    from "opened and still sent"."""

    form = models.ForeignKey(
        RequestForm, verbose_name=_("request form"), on_delete=models.CASCADE, related_name="+"
    )
    faq_number = models.PositiveIntegerField(_("FAQ article"))
    visit = models.CharField(_("visit"), max_length=32, db_index=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("FAQ suggestion opened")
        verbose_name_plural = _("FAQ suggestions opened")
        constraints = [
            models.UniqueConstraint(
                fields=["form", "visit", "faq_number"], name="portal_faq_view_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.faq_number} {self.visit}"
