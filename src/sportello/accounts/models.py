from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SYSTEM_USERNAME = "system"


class User(AbstractUser):
    """An agent (staff member who works on tickets), or the one system user that
    stands for automatic actions (mail ingestion, jobs)."""

    is_system = models.BooleanField(_("system user"), default=False)
    language = models.CharField(_("language"), max_length=8, blank=True)
    out_of_office_start = models.DateField(_("out of office from"), null=True, blank=True)
    out_of_office_end = models.DateField(_("out of office until"), null=True, blank=True)
    # {"<notification type>": {"email": bool, "app": bool}}; a missing type means on.
    notification_settings = models.JSONField(_("notification settings"), default=dict, blank=True)
    my_queues = models.ManyToManyField(
        "queues.Queue", verbose_name=_("My Queues"), blank=True, related_name="subscribers"
    )
    # Where the agent lands after creating a ticket: the new ticket, or a fresh form.
    after_create = models.CharField(
        _("after creating a ticket"),
        max_length=10,
        choices=[("zoom", _("open the ticket")), ("form", _("stay on the form"))],
        default="zoom",
    )
    # Automatic refresh of the overviews (dashboard widgets, queue view); 0 is off.
    refresh_seconds = models.PositiveIntegerField(_("refresh interval (seconds)"), default=0)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def is_out_of_office(self, day: date | None = None) -> bool:
        if self.out_of_office_start is None or self.out_of_office_end is None:
            return False
        day = day or timezone.localdate()
        return self.out_of_office_start <= day <= self.out_of_office_end

    def wants(self, notification_type: str, transport: str) -> bool:
        return bool(self.notification_settings.get(notification_type, {}).get(transport, True))


class Group(models.Model):
    """An OTRS-style permission group: every queue belongs to one; agents and roles
    are granted permissions on groups."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
