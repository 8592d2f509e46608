"""Personal API tokens of agents and of customer users. Only a SHA-256 digest of the
secret is stored: the secret is shown once at creation and cannot be recovered."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
