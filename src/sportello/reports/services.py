"""Creating, changing and running statistics: the one path for the pages, the command,
the schedules and the jobs.

A run's result is cached in ``StatisticRun`` under a key of the definition, the resolved
parameters, the agent's readable queues, time zone and language; it expires after
``SPORTELLO_REPORTS_CACHE_SECONDS`` and a definition's change makes a new key. Runs the
page starts go to a Huey job; the page shows their progress and then the result."""

from __future__ import annotations

import hashlib
import json
import zoneinfo
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.core.errors import InvalidInput, NotFound, PermissionDenied
from sportello.reports import config as cfg
from sportello.reports.builtin import run_builtin
from sportello.reports.engine import run_list, run_matrix
from sportello.reports.models import RunStatus, Statistic, StatisticRun
from sportello.reports.result import Result


def require(agent: User, permission: str) -> None:
    if not permissions.may_report(agent, permission):
        raise PermissionDenied(_("You may not use statistics."))


def visible_statistics(agent: User) -> Any:
    if not permissions.may_report(agent, "ro"):
        return Statistic.objects.none()
    return Statistic.objects.filter(valid=True).order_by("name")


def get_statistic(agent: User, pk: int) -> Statistic:
    found = visible_statistics(agent).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("No such statistic."))
    return found


def save_statistic(
    agent: User,
    *,
    name: str,
    kind: str,
    config: dict[str, Any],
    description: str = "",
    statistic: Statistic | None = None,
) -> Statistic:
    """Create or change a statistic (``rw`` on the reporting group); the configuration
    is checked and stored in its normal form."""
    require(agent, "rw")
    typed = cfg.parse(kind, config)
    name = name.strip()
    if not name:
        raise InvalidInput(_("A statistic needs a name."))
    clash = Statistic.objects.filter(name=name)
    if statistic is not None:
        clash = clash.exclude(pk=statistic.pk)
    if clash.exists():
        raise InvalidInput(_("A statistic named “%(name)s” exists already."), name=name)
    now = timezone.now()
    with transaction.atomic():
        if statistic is None:
            statistic = Statistic(created_by=agent, created=now)
        statistic.name = name
        statistic.kind = kind
        statistic.description = description
        statistic.config = cfg.dump(typed)
        statistic.changed = now
        statistic.changed_by = agent
        statistic.save()
    return statistic


def retire_statistic(agent: User, statistic: Statistic) -> None:
    """Take a statistic out of the list (``rw``); its schedules stop with it."""
    require(agent, "rw")
    with transaction.atomic():
        statistic.valid = False
        statistic.changed, statistic.changed_by = timezone.now(), agent
        statistic.save(update_fields=["valid", "changed", "changed_by"])
        statistic.schedules.update(valid=False)


def agent_zone(agent: User) -> tzinfo:
    try:
        return (
            zoneinfo.ZoneInfo(agent.time_zone)
            if agent.time_zone
            else timezone.get_default_timezone()
        )
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    return timezone.get_default_timezone()


def compute(
    kind: str, config: dict[str, Any], agent: User, *, now: datetime, zone: tzinfo
) -> Result:
    """Run a configuration (saved or not: the edit form's preview) for ``agent``."""
    require(agent, "ro")
    typed = cfg.parse(kind, config)
    if isinstance(typed, cfg.MatrixConfig):
        return run_matrix(typed, agent, now, zone)
    if isinstance(typed, cfg.ListConfig):
        return run_list(typed, agent, now, zone)
    return run_builtin(typed, agent, now, zone)


def effective_config(statistic: Statistic, params: dict[str, str]) -> dict[str, Any]:
    """The definition's configuration with run parameters: ``period`` (a relative
    period), ``start`` and ``end`` (dates), ``limit`` (lists)."""
    config = dict(statistic.config)
    unknown = set(params) - {"period", "start", "end", "limit"}
    if unknown:
        raise InvalidInput(_("Unknown parameter: %(names)s."), names=", ".join(sorted(unknown)))
    if params.get("start") or params.get("end"):
        config["period"] = {"start": params.get("start"), "end": params.get("end")}
    elif params.get("period"):
        config["period"] = {"relative": params["period"]}
    if params.get("limit"):
        if statistic.kind != "list":
            raise InvalidInput(_("Only list statistics take a limit."))
        config["limit"] = params["limit"]
    cfg.parse(statistic.kind, config)
    return config


def run_key(
    statistic: Statistic, config: dict[str, Any], agent: User, zone: tzinfo, now: datetime
) -> str:
    queues = (
        "all"
        if agent.is_system
        else ",".join(
            str(pk)
            for pk in permissions.readable_queues(agent).values_list("pk", flat=True).order_by("pk")
        )
    )
    # Relative periods move with the clock: the day they were resolved is part of the key.
    day = now.astimezone(zone).date().isoformat()
    material = json.dumps(
        [
            statistic.pk,
            statistic.changed.isoformat(),
            config,
            queues,
            str(zone),
            day,
            translation.get_language(),
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(material.encode()).hexdigest()


def cached_run(statistic: Statistic, key: str, now: datetime) -> StatisticRun | None:
    """A finished or running run of this key that has not expired."""
    return (
        StatisticRun.objects.filter(
            statistic=statistic, key=key, definition_changed=statistic.changed
        )
        .exclude(status=RunStatus.FAILED)
        .exclude(expires__lte=now)
        .order_by("-created")
        .first()
    )


def start_run(
    statistic: Statistic, agent: User, params: dict[str, str], *, now: datetime | None = None
) -> StatisticRun:
    """The cached run for these parameters, or a new one handed to the job queue."""
    require(agent, "ro")
    now = now or timezone.now()
    zone = agent_zone(agent)
    config = effective_config(statistic, params)
    key = run_key(statistic, config, agent, zone, now)
    found = cached_run(statistic, key, now)
    if found is not None:
        return found
    run = StatisticRun.objects.create(
        statistic=statistic,
        key=key,
        definition_changed=statistic.changed,
        parameters=params,
        agent=agent,
        created=now,
        expires=now + timedelta(seconds=settings.SPORTELLO_REPORTS_CACHE_SECONDS),
    )
    from sportello.core import handoff

    if handoff.after_commit:
        from sportello.reports.tasks import run_statistic

        transaction.on_commit(lambda: run_statistic(run.pk), robust=True)
    return run


# A run's phases as its progress (percent): claimed, then each statement of the
# computation moves it on, then the result is written.
PREPARING, COUNTING, WRITING = 5, 10, 90


def phase(progress: int, status: str) -> str:
    """The phase a run's progress stands for (the progress bar's text)."""
    if status == RunStatus.QUEUED:
        return _("Waiting for a worker")
    if progress < COUNTING:
        return _("Preparing")
    if progress < WRITING:
        return _("Counting in the database")
    if progress < 100:
        return _("Writing the result")
    return _("Done")


def _statement_progress(pk: int) -> Any:
    """A database execute wrapper that moves the run's progress on with each statement
    of its computation: the number of statements is not known in advance, so each
    closes half of the remaining way to ``WRITING``."""
    state = {"count": 0, "busy": False}

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        outcome = execute(sql, params, many, context)
        if state["busy"] or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            return outcome
        state["count"] += 1
        value = WRITING - int((WRITING - COUNTING) * 0.5 ** state["count"])
        state["busy"] = True
        try:
            StatisticRun.objects.filter(pk=pk, progress__lt=value).update(progress=value)
        finally:
            state["busy"] = False
        return outcome

    return wrapper


def execute_run(pk: int) -> StatisticRun | None:
    """Compute a queued run (the job's body); claimed so that one consumer does it."""
    from django.db import connection

    claimed = StatisticRun.objects.filter(pk=pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, progress=PREPARING
    )
    run = StatisticRun.objects.select_related("statistic", "agent").get(pk=pk)
    if not claimed or run.agent is None:
        return run
    agent = run.agent
    zone = agent_zone(agent)
    with translation.override(agent.language or settings.LANGUAGE_CODE), timezone.override(zone):
        try:
            config = effective_config(run.statistic, run.parameters)
            StatisticRun.objects.filter(pk=pk).update(progress=COUNTING)
            with connection.execute_wrapper(_statement_progress(pk)):
                result = compute(run.statistic.kind, config, agent, now=run.created, zone=zone)
            StatisticRun.objects.filter(pk=pk).update(progress=WRITING)
        except Exception as error:  # the page shows it; the log keeps the trace
            import logging

            logging.getLogger(__name__).exception("statistic run %s failed", pk)
            run.status, run.error = RunStatus.FAILED, str(error)
        else:
            result["title"] = run.statistic.name
            run.status, run.result, run.progress = RunStatus.DONE, dict(result), 100
    run.finished = timezone.now()
    run.save(update_fields=["status", "result", "progress", "error", "finished"])
    return run


def run_now(
    statistic: Statistic, agent: User, params: dict[str, str], *, now: datetime | None = None
) -> Result:
    """Compute at once (the command line and the schedules), without the cache."""
    require(agent, "ro")
    now = now or timezone.now()
    zone = agent_zone(agent)
    config = effective_config(statistic, params)
    with timezone.override(zone):
        result = compute(statistic.kind, config, agent, now=now, zone=zone)
    result["title"] = statistic.name
    return result


def purge_runs(now: datetime) -> int:
    """Drop expired cached results (an hourly job)."""
    deleted, _rows = StatisticRun.objects.filter(expires__lt=now - timedelta(hours=1)).delete()
    return deleted
