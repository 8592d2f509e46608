"""Scheduled reports: a statistic mailed daily, weekly or monthly at a time in a time
zone, with its result attached (XLSX, PDF, CSV), through the outbox.

The minute job (``reports.jobs``) calls ``deliver_due``. Each delivery first inserts its
``ScheduleRun`` (unique per schedule and due time), so with several consumers exactly one
sends it; the mail is queued in the same transaction and goes out after commit."""

from __future__ import annotations

import logging
import zoneinfo
from datetime import datetime, timedelta
from datetime import time as dt_time
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.core.errors import InvalidInput
from sportello.mail import outbox
from sportello.mail.compose import OutgoingAttachment, build_message, new_message_id
from sportello.mail.models import OutboxKind
from sportello.queues.models import SystemAddress
from sportello.reports import exports, services
from sportello.reports.models import (
    ExportFormat,
    Frequency,
    ReportSchedule,
    ScheduleRun,
    Statistic,
)

logger = logging.getLogger(__name__)


def next_due(schedule: ReportSchedule, after: datetime) -> datetime:
    """The first time strictly after ``after`` the schedule is due (its wall clock time in
    its zone; a time a DST change skips falls an hour later, as zoneinfo resolves it)."""
    zone = zoneinfo.ZoneInfo(schedule.time_zone)
    local = after.astimezone(zone)
    day = local.date()
    for _step in range(800):
        due = datetime.combine(day, schedule.time, tzinfo=zone)
        fits = (
            schedule.frequency == Frequency.DAILY
            or (schedule.frequency == Frequency.WEEKLY and day.weekday() == schedule.weekday)
            or (schedule.frequency == Frequency.MONTHLY and day.day == min(schedule.day, 28))
        )
        if fits and due > after:
            return due
        day += timedelta(days=1)
    raise ValueError("no due time within two years")


def _sender() -> tuple[str, str]:
    address = SystemAddress.objects.filter(valid=True).order_by("pk").first()
    if address is not None:
        return address.display_name, address.email
    return "Sportello", f"reports@{settings.SPORTELLO_MAIL_DOMAIN}"


def recipients(schedule: ReportSchedule) -> list[str]:
    found = [a.email for a in schedule.agents.filter(is_active=True) if a.email]
    found += [str(a).strip() for a in schedule.addresses or [] if str(a).strip()]
    return list(dict.fromkeys(found))


def deliver(schedule: ReportSchedule, due: datetime) -> ScheduleRun | None:
    """Run and mail the schedule's statistic for ``due`` (None: already delivered)."""
    to = recipients(schedule)
    try:
        with transaction.atomic():
            run = ScheduleRun.objects.create(schedule=schedule, due=due, recipients=to)
    except IntegrityError:
        return None
    zone = zoneinfo.ZoneInfo(schedule.time_zone)
    semicolon = schedule.language in ("de", "it")
    try:
        with translation.override(schedule.language), timezone.override(zone):
            result = services.run_now(schedule.statistic, schedule.run_as, {}, now=due)
            stamp = due.astimezone(zone).strftime("%Y-%m-%d")
            files = [
                OutgoingAttachment(
                    filename=f"{schedule.statistic.name}-{stamp}.{fmt}",
                    content_type=exports.CONTENT_TYPES[fmt].split(";")[0],
                    content=exports.export(result, fmt, semicolon=semicolon),
                )
                for fmt in schedule.formats or ["xlsx"]
            ]
            subject = _("Report: %(name)s") % {"name": schedule.statistic.name}
            body = _("The report “%(name)s” for %(period)s is attached.") % {
                "name": schedule.statistic.name,
                "period": result["period"],
            }
        if not to:
            raise ValueError("the schedule has no recipient")
        message_id = new_message_id()
        raw = build_message(
            sender=_sender(),
            to=to,
            subject=subject,
            body=body + "\n",
            message_id=message_id,
            headers={"Auto-Submitted": "auto-generated"},
            attachments=files,
        )
        with transaction.atomic():
            outbox.enqueue(
                kind=OutboxKind.NOTIFICATION,
                raw=raw,
                envelope_from=_sender()[1],
                recipients=to,
                message_id=message_id,
            )
            run.ok = True
            run.save(update_fields=["ok"])
    except Exception as error:  # recorded for the admin; the next due time still comes
        logger.exception("scheduled report %s failed", schedule.pk)
        run.error = str(error)[:2000]
        run.save(update_fields=["error"])
    return run


def deliver_due(now: datetime) -> int:
    """Deliver every schedule whose time has come; returns how many were delivered."""
    done = 0
    for schedule in ReportSchedule.objects.filter(valid=True).select_related("statistic", "run_as"):
        if schedule.next_run is None:
            schedule.next_run = next_due(schedule, now - timedelta(minutes=1))
            schedule.save(update_fields=["next_run"])
        if schedule.next_run > now:
            continue
        if deliver(schedule, schedule.next_run) is not None:
            done += 1
        ReportSchedule.objects.filter(pk=schedule.pk).update(next_run=next_due(schedule, now))
    return done


def visible_schedules(agent: User, statistic: Statistic) -> Any:
    """A statistic's schedules for the agents who manage them (``rw``)."""
    services.require(agent, "rw")
    return statistic.schedules.filter(valid=True).prefetch_related("agents").order_by("pk")


def last_runs(schedule: ReportSchedule, count: int = 5) -> list[ScheduleRun]:
    return list(schedule.runs.order_by("-started")[:count])


def save_schedule(
    agent: User,
    statistic: Statistic,
    *,
    frequency: str,
    time: dt_time,
    time_zone: str,
    formats: list[str],
    agents: list[User],
    addresses: list[str],
    weekday: int = 0,
    day: int = 1,
    schedule: ReportSchedule | None = None,
    now: datetime | None = None,
) -> ReportSchedule:
    """Create or change a mail schedule (``rw`` on the reporting group). It runs as the
    agent who saved it, in their language; the next due time is computed afresh."""
    services.require(agent, "rw")
    if frequency not in Frequency.values:
        raise InvalidInput(_("Unknown frequency: %(value)s."), value=frequency)
    try:
        zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_("Unknown time zone: %(value)s."), value=time_zone) from None
    if not 0 <= weekday <= 6 or not 1 <= day <= 28:
        raise InvalidInput(_("The weekday is 0 to 6 and the day of the month 1 to 28."))
    wrong = [f for f in formats if f not in ExportFormat.values]
    if wrong or not formats:
        raise InvalidInput(_("Choose the attachments' formats."))
    if not agents and not addresses:
        raise InvalidInput(_("A schedule needs at least one recipient."))
    with transaction.atomic():
        if schedule is None:
            schedule = ReportSchedule(statistic=statistic)
        schedule.frequency, schedule.time, schedule.time_zone = frequency, time, time_zone
        schedule.weekday, schedule.day = weekday, day
        schedule.formats, schedule.addresses = list(formats), list(addresses)
        schedule.run_as, schedule.language = agent, agent.language or settings.LANGUAGE_CODE
        schedule.valid = True
        schedule.next_run = next_due(schedule, now or timezone.now())
        schedule.save()
        schedule.agents.set(agents)
    return schedule


def delete_schedule(agent: User, schedule: ReportSchedule) -> None:
    """Remove a schedule and its delivery log (``rw``)."""
    services.require(agent, "rw")
    schedule.delete()
