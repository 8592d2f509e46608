"""Business calendars, services and service level agreements."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SERVICE_SEPARATOR = "::"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(name)s"), params={"name": value})


def validate_holiday_region(country: str, subdivision: str) -> None:
    """The ``holidays`` package must know the country and its subdivision."""
    if not country:
        if subdivision:
            raise ValidationError(_("A subdivision needs a country."))
        return
    import holidays

    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValidationError(_("Unknown country code: %(code)s"), params={"code": country})
    if subdivision and subdivision not in supported[country]:
        raise ValidationError(
            _("Unknown subdivision %(subdivision)s of %(code)s."),
            params={"subdivision": subdivision, "code": country},
        )


class Calendar(models.Model):
    """Working hours per weekday, holidays and a time zone: the clock SLAs and unlock
    timeouts run on."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_time_zone]
    )
    holiday_country = models.CharField(
        _("public holidays of country"),
        max_length=3,
        blank=True,
        help_text=_("ISO code such as DE or IT; empty for none."),
    )
    holiday_subdivision = models.CharField(
        _("subdivision"),
        max_length=10,
        blank=True,
        help_text=_("Such as BY (Bavaria) or SN (Saxony) for DE; empty for the whole country."),
    )
    is_default = models.BooleanField(
        _("default calendar"),
        default=False,
        help_text=_("Used by queues and SLAs without a calendar of their own."),
    )
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)
    # Bumped on every change of the calendar or its hours and holidays: the key of the
    # in-process cache of computed days.
    changed = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="calendar_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.changed = timezone.now()
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "changed"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.holiday_country = self.holiday_country.strip().upper()
        self.holiday_subdivision = self.holiday_subdivision.strip().upper()
        validate_holiday_region(self.holiday_country, self.holiday_subdivision)


def _touch_calendar(calendar_id: int) -> None:
    """A change of hours or holidays is a change of the calendar (its cache key)."""
    Calendar.objects.filter(pk=calendar_id).update(changed=timezone.now())


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(models.Model):
    """One working range of a weekday; a day may have several (08:00-12:00, 13:00-17:00).
    An end of 00:00 means midnight at the end of the day."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="hours"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["calendar", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _touch_calendar(self.calendar_id)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        result = super().delete(*args, **kwargs)
        _touch_calendar(self.calendar_id)
        return result

    @property
    def minutes(self) -> tuple[int, int]:
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return start, end or 1440

    def clean(self) -> None:
        start, end = self.minutes
        if end <= start:
            raise ValidationError(_("The end of working hours must come after their start."))


class Holiday(models.Model):
    """A day off: every year on the same date (``yearly``), or once."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    yearly = models.BooleanField(
        _("every year"), default=False, help_text=_("Only day and month count.")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["calendar", "date"]

    def __str__(self) -> str:
        return f"{self.date:%m-%d}" if self.yearly else self.date.isoformat()

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _touch_calendar(self.calendar_id)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        result = super().delete(*args, **kwargs)
        _touch_calendar(self.calendar_id)
        return result


class Service(models.Model):
    """What the customer gets: a tree addressed like queues (``IT::Mail::Webmail``)."""

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent service"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    full_name = models.CharField(_("full name"), max_length=1000, unique=True, editable=False)
    sla = models.ForeignKey(
        "sla.SLA",
        verbose_name=_("SLA"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
        help_text=_("Applies to tickets of this service that have no SLA of their own."),
    )
    # OTRS's SLA-to-service assignment: what an agent may choose for a ticket of this
    # service besides its default SLA.
    slas = models.ManyToManyField(
        "sla.SLA",
        verbose_name=_("further SLAs"),
        blank=True,
        related_name="offered_for",
        help_text=_("SLAs agents may choose for tickets of this service besides its SLA."),
    )
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.full_name = (
            self.name
            if self.parent is None
            else f"{self.parent.full_name}{SERVICE_SEPARATOR}{self.name}"
        )
        super().save(*args, **kwargs)
        for child in self.children.all():
            child.save()

    def clean(self) -> None:
        if SERVICE_SEPARATOR in self.name:
            raise ValidationError(_("A service name cannot contain “::”."))
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk is not None and ancestor.pk == self.pk:
                raise ValidationError(_("A service cannot be its own ancestor."))
            ancestor = ancestor.parent


class SLA(models.Model):
    """Times within which tickets get their first response, updates and solution, in
    working minutes of ``calendar`` (0: no such target)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    calendar = models.ForeignKey(
        Calendar,
        verbose_name=_("calendar"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="slas",
        help_text=_("Empty: the queue's calendar, else the default calendar."),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response time"), default=0)
    update_minutes = models.PositiveIntegerField(_("update time"), default=0)
    solution_minutes = models.PositiveIntegerField(_("solution time"), default=0)
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at (%)"),
        default=80,
        validators=[MaxValueValidator(99)],
        help_text=_("Warn when this share of a time has passed; 0 for no warning."),
    )
    pending_stops_clock = models.BooleanField(_("pending states stop the clock"), default=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        verbose_name = _("SLA")
        verbose_name_plural = _("SLAs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EscalationNotice(models.Model):
    """A warning or escalation the sweep claimed, to be told to the agents.

    Written in the sweep's transaction, so a claim is never lost between the commit and
    the delivery task (a crash, a stopped consumer): the delivery marks it delivered in
    the transaction that creates the notifications, and a minute job picks up what was
    left behind. Delivered exactly once; a notice that keeps failing is given up after
    ``MAX_ATTEMPTS`` (and stays here, with its attempts, for the admin to see)."""

    MAX_ATTEMPTS = 5

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    kind = models.CharField(_("notification type"), max_length=30)
    created = models.DateTimeField(_("created"), default=timezone.now)
    delivered = models.DateTimeField(_("delivered"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("escalation notice")
        verbose_name_plural = _("escalation notices")
        indexes = [
            models.Index(
                fields=["created"],
                condition=models.Q(delivered__isnull=True),
                name="sla_notice_undelivered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id}"


class UpdateWait(models.Model):
    """A customer contact and the agent's answer to it: the update clock of the SLA
    reports (OTRS's UpdateTime). A contact is the customer's first article after an
    agent's answer for the customer (or the ticket's first); the next agent article for
    the customer answers it. ``minutes`` are the working minutes between, in the
    calendar of the ticket's SLA (else its queue's) when it was answered, stored then as
    the first response's are, so a report sums them instead of walking the articles;
    and the queue the ticket was in then.
    The contact still waiting is the ticket's ``update_wait_since``; ``sla.update_waits``
    writes both."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket")
    )
    # The queue the ticket was in when answered: where the contact counts in reports.
    queue = models.ForeignKey(
        "queues.Queue", on_delete=models.PROTECT, related_name="+", verbose_name=_("queue")
    )
    contact_at = models.DateTimeField(_("customer contact"))
    answered_at = models.DateTimeField(_("answered"))
    minutes = models.PositiveIntegerField(_("update time (working minutes)"))

    class Meta:
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")
        indexes = [models.Index(fields=["contact_at"], name="sla_update_wait_contact")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.contact_at:%Y-%m-%d %H:%M}"
