from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.core.fields import EncryptedTextField


class AccountType(models.TextChoices):
    IMAP = "imap", "IMAP"
    POP3 = "pop3", "POP3"


class Security(models.TextChoices):
    NONE = "none", _("none (plain text)")
    TLS = "tls", _("TLS")
    STARTTLS = "starttls", _("STARTTLS")


class MailAccount(models.Model):
    """A mailbox that is polled for incoming mail."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    type = models.CharField(_("type"), max_length=10, choices=AccountType.choices)
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    security = models.CharField(
        _("security"), max_length=10, choices=Security.choices, default=Security.TLS
    )
    username = models.CharField(_("user name"), max_length=255)
    password = EncryptedTextField(_("password"))  # encrypted at rest (core.crypto)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    queue = models.ForeignKey(
        "queues.Queue",
        verbose_name=_("target queue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Leave empty to route by recipient (system addresses)."),
    )
    trusted = models.BooleanField(
        _("trusted"),
        default=False,
        help_text=_("Honour X-Sportello-* headers in mail from this account."),
    )
    poll_interval = models.PositiveIntegerField(_("poll interval (minutes)"), default=1)
    valid = models.BooleanField(_("valid"), default=True)
    last_fetch = models.DateTimeField(_("last fetch"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("mail account")
        verbose_name_plural = _("mail accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def effective_port(self) -> int:
        if self.port:
            return self.port
        if self.type == AccountType.IMAP:
            return 993 if self.security == Security.TLS else 143
        return 995 if self.security == Security.TLS else 110


class PostmasterFilter(models.Model):
    """Ordered rules: when every match holds, the sets apply to the new ticket/article.

    ``matches``: ``[{"header": "From", "pattern": "regex", "negate": false}, ...]`` where
    header is a header name, or "Body". ``sets``: ``{"queue": "IT::Web", "priority":
    "4 high", "type": "Incident", "state": "open", "title": "…", "owner": "login",
    "responsible": "login", "service": "IT::Mail", "sla": "Gold", "customer_user": "…",
    "customer_company": "…", "dynamic_fields": {"name": "value"}, "ignore": true,
    "follow_up": {…}}``; ``follow_up`` holds what a follow-up changes on its ticket (the
    ticket attributes and ``dynamic_fields``), as OTRS's X-OTRS-FollowUp-* headers.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    order = models.PositiveIntegerField(_("order"), default=100)
    stop = models.BooleanField(
        _("stop after match"), default=False, help_text=_("Later filters are not applied.")
    )
    matches = models.JSONField(_("matches"), default=list)
    sets = models.JSONField(_("sets"), default=dict)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("postmaster filter")
        verbose_name_plural = _("postmaster filters")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from sportello.mail.filters import validate_filter

        validate_filter(self.matches, self.sets)


class FailedMailStatus(models.TextChoices):
    FAILED = "failed", _("failed")
    TOO_LARGE = "too_large", _("too large")
    RETRIED = "retried", _("processed on retry")
    # Not failures: listed so an operator finds every message that was not filed normally.
    DUPLICATE = "duplicate", _("dropped as duplicate")
    IGNORED = "ignored", _("ignored (filed in Junk)")


# The entries a retry takes up; the others are a record, their message is stored already.
RETRYABLE = (FailedMailStatus.FAILED, FailedMailStatus.TOO_LARGE)


class FailedMail(models.Model):
    """A message that could not be processed, kept whole for a retry; or a record of one
    that was dropped as a duplicate or ignored (no copy of its bytes: the article that
    holds the message is named in ``ticket_number`` and ``error``)."""

    raw = models.FileField(_("raw message"), upload_to="spool/%Y/%m/%d", blank=True)
    size = models.PositiveBigIntegerField(_("size"))
    content_hash = models.CharField(_("content hash"), max_length=64, db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    from_address = models.TextField(_("from"), blank=True)
    subject = models.TextField(_("subject"), blank=True)
    source = models.CharField(_("source"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=FailedMailStatus.choices,
        default=FailedMailStatus.FAILED,
    )
    error = models.TextField(_("error"))
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    received = models.DateTimeField(_("received"), default=timezone.now)
    last_attempt = models.DateTimeField(_("last attempt"), default=timezone.now)
    ticket_number = models.CharField(_("ticket number"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("failed mail")
        verbose_name_plural = _("failed mails")
        ordering = ["-received"]
        indexes = [models.Index(fields=["status", "received"], name="failedmail_status")]

    def __str__(self) -> str:
        return f"{self.received:%Y-%m-%d %H:%M} {self.subject[:60]}"


class TemplateType(models.TextChoices):
    """OTRS's standard template types: Answer (reply dialogs and the zoom's answer),
    Forward, Create (new phone and email tickets), Note (note, pending and close notes),
    PhoneCall (outbound and inbound phone calls)."""

    ANSWER = "answer", _("Answer")
    FORWARD = "forward", _("Forward")
    CREATE = "create", _("Create")
    NOTE = "note", _("Note")
    PHONE_CALL = "phone_call", _("Phone call")


class StandardTemplate(models.Model):
    """A standard text for answers, forwards, new tickets, notes or phone calls, assigned
    to queues. ``text`` may use the variables of the composing engine
    ({{ customer.first_name }}, {{ ticket.number }}, {{ agent.full_name }}, {{ queue }} …);
    it is rendered when an agent inserts it, and its attachments join the form's uploads."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    type = models.CharField(_("type"), max_length=10, choices=TemplateType.choices)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    text = models.TextField(_("text"), blank=True)
    queues = models.ManyToManyField(
        "queues.Queue", verbose_name=_("queues"), blank=True, related_name="templates"
    )
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateAttachment(models.Model):
    template = models.ForeignKey(
        StandardTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    filename = models.CharField(_("filename"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    file = models.FileField(_("file"), upload_to="template-attachments")

    class Meta:
        verbose_name = _("template attachment")
        verbose_name_plural = _("template attachments")

    def __str__(self) -> str:
        return self.filename


class AutoResponseType(models.TextChoices):
    NEW_TICKET = "new_ticket", _("new ticket (receipt)")
    FOLLOW_UP = "follow_up", _("follow-up")
    REJECT = "reject", _("reject (follow-up on a closed ticket)")
    NEW_AFTER_CLOSED = "new_after_closed", _("new ticket after a closed one")
    TOO_LARGE = "too_large", _("message too large")


class AutoResponse(models.Model):
    """An automatic answer to incoming mail, per queue and type, in a language
    (empty language: for everyone without a better match)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=AutoResponseType.choices)
    language = models.CharField(_("language"), max_length=8, blank=True)
    subject = models.CharField(_("subject"), max_length=250)
    text = models.TextField(_("text"))
    queues = models.ManyToManyField(
        "queues.Queue", verbose_name=_("queues"), blank=True, related_name="auto_responses"
    )
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("auto-response")
        verbose_name_plural = _("auto-responses")
        ordering = ["type", "name"]

    def __str__(self) -> str:
        return self.name


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    RETRYING = "retrying", _("retrying")
    FAILED = "failed", _("delivery failed")


class OutboxKind(models.TextChoices):
    ARTICLE = "article", _("article")
    AUTO_RESPONSE = "auto_response", _("auto-response")
    NOTIFICATION = "notification", _("notification")
    BOUNCE = "bounce", _("bounce")


class OutboxMessage(models.Model):
    """One outgoing message, committed with the article it sends (the outbox pattern)."""

    kind = models.CharField(_("kind"), max_length=20, choices=OutboxKind.choices)
    article = models.ForeignKey(
        "tickets.Article",
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outbox",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    envelope_from = models.CharField(_("envelope sender"), max_length=254)
    recipients = models.JSONField(_("recipients"), default=list)
    # The first recipient, indexed: auto-responses per sender and day are counted on it.
    primary_recipient = models.CharField(_("recipient"), max_length=254, db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, db_index=True)
    raw = models.BinaryField(_("message"))
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outbox")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["kind", "primary_recipient", "created"], name="outbox_per_sender"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.primary_recipient} ({self.status})"
