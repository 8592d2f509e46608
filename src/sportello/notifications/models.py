from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationType(models.TextChoices):
    NEW_TICKET = "new_ticket", _("New ticket in My Queues")
    FOLLOW_UP = "follow_up", _("Follow-up from the customer")
    LOCK_TIMEOUT = "lock_timeout", _("Lock timeout")
    OWNER_UPDATE = "owner_update", _("Owner changed to me")
    RESPONSIBLE_UPDATE = "responsible_update", _("Responsible changed to me")
    NEW_NOTE = "new_note", _("New note")
    MOVE = "move", _("Ticket moved into My Queues")
    ESCALATION_WARNING = "escalation_warning", _("Escalation warning")
    ESCALATION = "escalation", _("Escalation")
    PENDING_REMINDER = "pending_reminder", _("Pending reminder reached")
    DELIVERY_FAILED = "delivery_failed", _("Delivery of my message failed")
    WATCHED = "watched", _("Activity on a watched ticket")


class Notification(models.Model):
    """One in-app notification for an agent (the email copy goes through the outbox)."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    type = models.CharField(_("type"), max_length=30, choices=NotificationType.choices)
    text = models.TextField(_("text"))
    created = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created"]
        indexes = [models.Index(fields=["agent", "read_at", "created"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.text[:80]


class CustomerNotificationType(models.TextChoices):
    RECEIPT = "receipt", _("Request received")
    TAKEN_IN_CHARGE = "taken_in_charge", _("Request taken in charge")
    PENDING_INFO = "pending_info", _("More information needed")
    CLOSED = "closed", _("Request closed")


class CustomerNotification(models.Model):
    """A mail to the customer on a ticket event, switched on per queue, per language."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    type = models.CharField(_("type"), max_length=20, choices=CustomerNotificationType.choices)
    language = models.CharField(_("language"), max_length=8, blank=True)
    subject = models.CharField(_("subject"), max_length=250)
    text = models.TextField(_("text"))
    queues = models.ManyToManyField(
        "queues.Queue", verbose_name=_("queues"), blank=True, related_name="+"
    )
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("customer notification")
        verbose_name_plural = _("customer notifications")
        ordering = ["type", "name"]

    def __str__(self) -> str:
        return self.name
