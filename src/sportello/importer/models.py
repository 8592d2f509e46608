from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportedObject(models.Model):
    """Which Sportello row a Znuny row became: a re-run updates it instead of adding
    another one. ``kind`` names the Znuny table (``queue``, ``ticket``, ``ticket_history``),
    ``source_key`` its key (ids, logins of customers, ``customer_id`` of companies)."""

    kind = models.CharField(_("kind"), max_length=40)
    source_key = models.CharField(_("source key"), max_length=250)
    target_id = models.BigIntegerField(_("target id"))
    imported = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("imported object")
        verbose_name_plural = _("imported objects")
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_key"], name="imported_object_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.source_key} -> {self.target_id}"


class ImportStep(models.Model):
    """How far a step came: ``--resume`` skips finished steps and continues the ticket
    steps after ``last_key``."""

    name = models.CharField(_("step"), max_length=40, unique=True)
    last_key = models.BigIntegerField(_("last key"), default=0)
    finished = models.BooleanField(_("finished"), default=False)
    changed = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("import step")
        verbose_name_plural = _("import steps")

    def __str__(self) -> str:
        return f"{self.name}: {self.last_key}{' (finished)' if self.finished else ''}"
