from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Created(models.Model):
    """Who created a row and when (OTRS's create_time, create_by); no reverse relation
    from the user."""

    created = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


class Audited(Created):
    """Created, and who changed the row last and when (OTRS's change_time, change_by)."""

    changed = models.DateTimeField(_("changed"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True


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


class PeriodicRun(models.Model):
    """A periodic job claimed for one period (its minute): with several job consumers (or
    cron on several hosts) each job still runs once per period. The unique row decides."""

    name = models.CharField(_("job"), max_length=100)
    period = models.DateTimeField(_("period"))
    started = models.DateTimeField(_("started"), auto_now_add=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        constraints = [models.UniqueConstraint(fields=["name", "period"], name="periodic_run_once")]
        indexes = [models.Index(fields=["period"], name="periodic_run_period")]

    def __str__(self) -> str:
        return f"{self.name} {self.period:%Y-%m-%d %H:%M}"
