"""Personal API tokens of agents and of customer users. Only a SHA-256 digest of the
secret is stored: the secret is shown once at creation and cannot be recovered."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sportello.core.fields import EncryptedTextField


class Scope(models.TextChoices):
    READ = "read", _("read")
    WRITE = "write", _("write")
    ADMIN = "admin", _("admin")
    # A customer user's token: only the customer routes, only their tickets.
    CUSTOMER = "customer", _("customer")


# What an agent may choose for their own tokens.
AGENT_SCOPES = [(value, label) for value, label in Scope.choices if value != Scope.CUSTOMER]


class ApiToken(models.Model):
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("agent"),
        null=True,
        blank=True,
    )
    customer = models.ForeignKey(
        "customers.CustomerUser",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("customer user"),
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, so an agent can tell tokens apart in lists.
    prefix = models.CharField(_("prefix"), max_length=16)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    created = models.DateTimeField(_("created"))
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            # Exactly one owner, and the customer scope exactly for customer users.
            models.CheckConstraint(
                condition=(
                    models.Q(agent__isnull=False, customer__isnull=True)
                    & ~models.Q(scope="customer")
                )
                | models.Q(agent__isnull=True, customer__isnull=False, scope="customer"),
                name="api_token_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("ticket created")
    ARTICLE_ADDED = "article.added", _("article added")
    STATE_CHANGED = "ticket.state_changed", _("state changed")
    QUEUE_CHANGED = "ticket.queue_changed", _("queue changed")
    OWNER_CHANGED = "ticket.owner_changed", _("owner changed")
    PRIORITY_CHANGED = "ticket.priority_changed", _("priority changed")
    ESCALATION_WARNING = "ticket.escalation_warning", _("escalation warning")
    ESCALATED = "ticket.escalated", _("escalated")
    MERGED = "ticket.merged", _("merged")


class Webhook(models.Model):
    """A subscription of an outside system to domain events, delivered as signed JSON."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("target URL"), max_length=500)
    # The key of the HMAC-SHA256 signature; kept encrypted like mail-account passwords.
    secret = EncryptedTextField(_("secret"))
    events = models.JSONField(_("events"), default=list)
    queues = models.ManyToManyField(
        "queues.Queue",
        blank=True,
        related_name="+",
        verbose_name=_("queues"),
        help_text=_("Only tickets in these queues; none: every queue."),
    )
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One event for one webhook: the exact body sent on every attempt, and how it went."""

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    event = models.CharField(_("event"), max_length=40, choices=WebhookEvent.choices)
    ticket_number = models.CharField(_("ticket"), max_length=50, blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created = models.DateTimeField(_("created"))
    next_attempt = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered = models.DateTimeField(_("delivered"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt"],
                condition=models.Q(status="pending"),
                name="api_delivery_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook}"


# The GenericInterface's models live with its package; importing them here registers
# them with the app.
from sportello.api.genericinterface.models import (  # noqa: E402
    GenericInterfaceSession,
    Webservice,
    WebserviceOperation,
)

__all__ = [
    "ApiToken",
    "DeliveryStatus",
    "GenericInterfaceSession",
    "Scope",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "Webservice",
    "WebserviceOperation",
]
