"""Personal API tokens of agents. Only a SHA-256 digest of the secret is stored: the
secret is shown once at creation and cannot be recovered."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("read")
    WRITE = "write", _("write")
    ADMIN = "admin", _("admin")


class ApiToken(models.Model):
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("agent"),
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

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# The GenericInterface's models live with its package; importing them here registers
# them with the app.
from sportello.api.genericinterface.models import (  # noqa: E402
    GenericInterfaceSession,
    Webservice,
    WebserviceOperation,
)

__all__ = ["ApiToken", "GenericInterfaceSession", "Scope", "Webservice", "WebserviceOperation"]
