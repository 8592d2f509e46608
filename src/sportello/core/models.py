from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConfigVersion(models.Model):
    """One row whose token changes with every change of cached configuration
    (``sportello.core.cache``): processes compare it with the token their cache holds."""

    SINGLETON = 1

    token = models.CharField(_("token"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("configuration version")
        verbose_name_plural = _("configuration versions")

    def __str__(self) -> str:
        return self.token
