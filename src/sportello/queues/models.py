from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

QUEUE_SEPARATOR = "::"


class SystemAddress(models.Model):
    """An address customers write to. Mail to it is filed in ``queue``; a queue also
    names exactly one of these as the sender of its answers."""

    email = models.EmailField(_("email"), max_length=254, unique=True)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    queue = models.ForeignKey(
        "queues.Queue",
        verbose_name=_("queue for incoming mail"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incoming_addresses",
    )
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("system address")
        verbose_name_plural = _("system addresses")
        ordering = ["email"]

    def __str__(self) -> str:
        return f"{self.display_name} <{self.email}>" if self.display_name else self.email


class Salutation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    text = models.TextField(_("text"), blank=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("salutation")
        verbose_name_plural = _("salutations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Signature(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    text = models.TextField(_("text"), blank=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FollowUpPolicy(models.TextChoices):
    REOPEN = "reopen", _("possible (reopen the ticket)")
    REJECT = "reject", _("reject")
    NEW_TICKET = "new_ticket", _("new ticket")


class Queue(models.Model):
    """A work pool; nested by ``parent``, addressed by ``full_name`` (``IT::Network``)."""

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent queue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    full_name = models.CharField(_("full name"), max_length=1000, unique=True, editable=False)
    group = models.ForeignKey(
        "accounts.Group", verbose_name=_("group"), on_delete=models.PROTECT, related_name="queues"
    )
    system_address = models.ForeignKey(
        SystemAddress,
        verbose_name=_("sender address"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sender_for_queues",
    )
    salutation = models.ForeignKey(
        Salutation, verbose_name=_("salutation"), null=True, blank=True, on_delete=models.PROTECT
    )
    signature = models.ForeignKey(
        Signature, verbose_name=_("signature"), null=True, blank=True, on_delete=models.PROTECT
    )
    unlock_timeout = models.PositiveIntegerField(
        _("unlock timeout (minutes)"),
        default=0,
        help_text=_("Working minutes after which a locked ticket is unlocked; 0 never."),
    )
    # Service levels (sportello.sla): the clock of this queue's unlock timeout and SLAs
    # without a calendar of their own, and the SLA of tickets without a service SLA.
    calendar = models.ForeignKey(
        "sla.Calendar",
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queues",
        help_text=_("Empty: the default calendar."),
    )
    default_sla = models.ForeignKey(
        "sla.SLA",
        verbose_name=_("default SLA"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="queues",
        help_text=_("For tickets whose service has no SLA."),
    )
    follow_up_policy = models.CharField(
        _("follow-up on a closed ticket"),
        max_length=20,
        choices=FollowUpPolicy.choices,
        default=FollowUpPolicy.REOPEN,
    )
    customer_may_close = models.BooleanField(
        _("customers may close their requests"),
        default=True,
        help_text=_("Offer “Close my request” in the customer portal."),
    )
    max_attachment_mb = models.PositiveIntegerField(
        _("attachment limit (MB)"),
        null=True,
        blank=True,
        help_text=_("All attachments of one article together; empty: the system limit."),
    )
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.full_name = self.compute_full_name()
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def attachment_limit(self) -> int:
        """Bytes an agent may attach to one article in this queue."""
        if self.max_attachment_mb is not None:
            return self.max_attachment_mb * 1024 * 1024
        return int(settings.SPORTELLO_MAX_ATTACHMENT_SIZE)

    def compute_full_name(self) -> str:
        if self.parent_id is None:
            return self.name
        parent = self.parent
        assert parent is not None
        return f"{parent.full_name}{QUEUE_SEPARATOR}{self.name}"
