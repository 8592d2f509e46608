"""Statistic definitions, their cached results, and report schedules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.core.models import Audited


class StatisticKind(models.TextChoices):
    MATRIX = "matrix", _("matrix")
    LIST = "list", _("list")
    BUILTIN = "builtin", _("built-in report")


class Statistic(Audited):
    """A saved statistic (OTRS's dynamic matrix, dynamic list, or a built-in report).

    ``config`` is checked by ``reports.config`` (typed models) on every save."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=StatisticKind.choices)
    config = models.JSONField(_("configuration"), default=dict)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("statistic")
        verbose_name_plural = _("statistics")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class StatisticRun(models.Model):
    """One computation of a statistic for a set of parameters and readable groups: a job's
    progress while it runs, then the cached result until ``expires`` or until the
    definition changes (``definition_changed`` no longer matches)."""

    statistic = models.ForeignKey(
        Statistic, verbose_name=_("statistic"), on_delete=models.CASCADE, related_name="runs"
    )
    key = models.CharField(max_length=64, db_index=True)
    definition_changed = models.DateTimeField()
    parameters = models.JSONField(default=dict)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("statistic run")
        verbose_name_plural = _("statistic runs")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.statistic_id} {self.status}"


class Frequency(models.TextChoices):
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")


class ExportFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV"


class ReportSchedule(models.Model):
    """Mail a statistic on a schedule (at ``time`` in ``time_zone``) to agents and
    addresses, with the result attached. The statistic runs as ``run_as`` (its permission
    filter applies)."""

    statistic = models.ForeignKey(
        Statistic, verbose_name=_("statistic"), on_delete=models.CASCADE, related_name="schedules"
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    time = models.TimeField(_("time"))
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), default=0, help_text=_("Weekly: 0 is Monday, 6 Sunday.")
    )
    day = models.PositiveSmallIntegerField(
        _("day of month"), default=1, help_text=_("Monthly: 1 to 28.")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    run_as = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run as"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("agents"), blank=True, related_name="+"
    )
    addresses = models.JSONField(_("addresses"), default=list, blank=True)
    formats = models.JSONField(_("formats"), default=list)
    language = models.CharField(_("language"), max_length=8, default="en")
    valid = models.BooleanField(_("valid"), default=True)
    next_run = models.DateTimeField(_("next run"), null=True, blank=True)

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ["statistic", "pk"]

    def __str__(self) -> str:
        return f"{self.statistic} ({self.get_frequency_display()})"


class ScheduleRun(models.Model):
    """One delivery of a scheduled report (the admin lists the last ones)."""

    schedule = models.ForeignKey(
        ReportSchedule, verbose_name=_("schedule"), on_delete=models.CASCADE, related_name="runs"
    )
    due = models.DateTimeField(_("due"))
    started = models.DateTimeField(_("started"), default=timezone.now)
    recipients = models.JSONField(_("recipients"), default=list)
    ok = models.BooleanField(_("delivered to the outbox"), default=False)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("scheduled report run")
        verbose_name_plural = _("scheduled report runs")
        ordering = ["-started"]
        constraints = [
            # One delivery per schedule and due time, even with several job consumers.
            models.UniqueConstraint(fields=["schedule", "due"], name="schedule_run_due")
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} {self.due}"
