from __future__ import annotations

import zoneinfo
from datetime import date
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SYSTEM_USERNAME = "system"
SKINS = [("light", _("light")), ("dark", _("dark")), ("contrast", _("high contrast"))]
# Overview refresh choices in seconds; 0 = never.
REFRESH_CHOICES = [
    (0, _("off")),
    (60, _("every minute")),
    (120, _("every 2 minutes")),
    (300, _("every 5 minutes")),
    (600, _("every 10 minutes")),
    (900, _("every 15 minutes")),
]


@cache
def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


class AgentDefaults(models.Model):
    """The one row of preferences a new agent starts with (set by an admin)."""

    language = models.CharField(_("language"), max_length=8, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    refresh_seconds = models.IntegerField(
        _("refresh interval of overviews"), choices=REFRESH_CHOICES, default=0
    )
    skin = models.CharField(_("skin"), max_length=10, choices=SKINS, default="light")

    class Meta:
        verbose_name = _("defaults for new agents")
        verbose_name_plural = _("defaults for new agents")

    def __str__(self) -> str:
        return str(_("defaults for new agents"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # a singleton
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.language and self.language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Choose one of: en, de, it.")})
        if self.time_zone and self.time_zone not in time_zones():
            raise ValidationError({"time_zone": _("Unknown time zone.")})

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise models.ProtectedError(gettext("The defaults cannot be deleted."), set())

    @classmethod
    def load(cls) -> AgentDefaults:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class AuthSource(models.TextChoices):
    """Where an agent's identity comes from; the directory and single sign-on keep the
    password (a directory agent has none here) and re-evaluate mapped roles at login."""

    LOCAL = "local", _("local password")
    LDAP = "ldap", _("LDAP directory")
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML")


class User(AbstractUser):
    """An agent (staff member who works on tickets), or the one system user that
    stands for automatic actions (mail ingestion, jobs)."""

    is_system = models.BooleanField(_("system user"), default=False)
    auth_source = models.CharField(
        _("identity source"), max_length=10, choices=AuthSource.choices, default=AuthSource.LOCAL
    )
    # Empty language / time zone: the browser's language / the server's zone.
    language = models.CharField(_("language"), max_length=8, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    name_suffix = models.CharField(_("name suffix"), max_length=100, blank=True)
    refresh_seconds = models.IntegerField(
        _("refresh interval of overviews"), choices=REFRESH_CHOICES, default=0
    )
    skin = models.CharField(_("skin"), max_length=10, choices=SKINS, default="light")
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
    # The agent's order of the top menu (entry keys of ``web.menu.MENU``); entries it
    # does not name follow in their default order.
    menu_order = models.JSONField(_("order of the top menu"), default=list, blank=True)

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.is_system:
            self._apply_defaults()
        super().save(*args, **kwargs)

    def _apply_defaults(self) -> None:
        """A new agent takes the admin's defaults for what was not chosen explicitly."""
        defaults = AgentDefaults.objects.filter(pk=1).first()
        if defaults is None:
            return
        self.language = self.language or defaults.language
        self.time_zone = self.time_zone or defaults.time_zone
        self.refresh_seconds = self.refresh_seconds or defaults.refresh_seconds
        if self.skin == "light":
            self.skin = defaults.skin

    @property
    def display_name(self) -> str:
        name = self.get_full_name() or self.username
        return f"{name} {self.name_suffix}" if self.name_suffix else name

    @property
    def listed_name(self) -> str:
        """The name where agents are listed: with the absence while out of office."""
        if not self.is_out_of_office():
            return self.display_name
        assert self.out_of_office_end is not None
        until = date_format(self.out_of_office_end, "SHORT_DATE_FORMAT")
        return gettext("%(name)s (out of office until %(date)s)") % {
            "name": self.display_name,
            "date": until,
        }

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


class Permission(models.TextChoices):
    """OTRS's permission types on a group; ``rw`` includes all the others."""

    RO = "ro", _("read only")
    MOVE_INTO = "move_into", _("move into")
    CREATE = "create", _("create")
    NOTE = "note", _("note")
    OWNER = "owner", _("owner")
    PRIORITY = "priority", _("priority")
    RW = "rw", _("read and write")


class AdminArea(models.TextChoices):
    """What a scoped administrator (the seed's "mini-admin") may edit, and only for the
    queues of the groups they hold ``rw`` on."""

    SIGNATURES = "signatures", _("signatures")
    SALUTATIONS = "salutations", _("salutations")
    TEMPLATES = "templates", _("templates")
    AUTO_RESPONSES = "auto_responses", _("auto-responses")


class Role(models.Model):
    """A bundle of group grants (and optionally admin areas) given to agents."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    agents = models.ManyToManyField(
        User, verbose_name=_("agents"), blank=True, related_name="roles"
    )
    admin_areas = models.JSONField(
        _("administration areas"),
        default=list,
        blank=True,
        help_text=_("Areas its agents may administer for the queues of their rw groups."),
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentGrant(models.Model):
    """A permission an agent holds directly on a group."""

    agent = models.ForeignKey(
        User, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="grants"
    )
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="agent_grants"
    )
    permission = models.CharField(_("permission"), max_length=20, choices=Permission.choices)

    class Meta:
        verbose_name = _("agent permission")
        verbose_name_plural = _("agent permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "group", "permission"], name="agent_grant_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.permission} {self.group}"


class RoleGrant(models.Model):
    """A permission a role holds on a group (and so every agent of the role)."""

    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.CASCADE, related_name="grants"
    )
    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="role_grants"
    )
    permission = models.CharField(_("permission"), max_length=20, choices=Permission.choices)

    class Meta:
        verbose_name = _("role permission")
        verbose_name_plural = _("role permissions")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "group", "permission"], name="role_grant_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.permission} {self.group}"
