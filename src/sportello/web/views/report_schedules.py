"""A statistic's mail schedules in the "Reports" area: list with the last deliveries,
create, change, delete. Managing them needs ``rw`` on the reporting group (403), and the
area stays hidden (404) without ``ro``."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sportello.accounts.decorators import agent_required
from sportello.core.errors import DomainError
from sportello.reports import schedules
from sportello.reports.models import ReportSchedule, Statistic
from sportello.web.forms.report_schedules import ScheduleForm, schedule_initial
from sportello.web.views.reports import _editor, _statistic


def _schedule(statistic: Statistic, sid: int) -> ReportSchedule:
    found = statistic.schedules.filter(pk=sid, valid=True).first()
    if found is None:
        raise Http404
    return found


@agent_required
def schedule_list(request: HttpRequest, pk: int) -> HttpResponse:
    agent = _editor(request)
    statistic = _statistic(agent, pk)
    rows = [
        {"schedule": s, "runs": schedules.last_runs(s)}
        for s in schedules.visible_schedules(agent, statistic)
    ]
    return render(
        request, "web/reports/schedules.html", {"statistic": statistic, "schedules": rows}
    )


@agent_required
def schedule_edit(request: HttpRequest, pk: int, sid: int | None = None) -> HttpResponse:
    agent = _editor(request)
    statistic = _statistic(agent, pk)
    schedule = _schedule(statistic, sid) if sid is not None else None
    initial: dict[str, Any] = (
        schedule_initial(schedule)
        if schedule
        else {"time_zone": agent.time_zone or "UTC", "agents": [agent]}
    )
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            schedules.save_schedule(
                agent,
                statistic,
                frequency=data["frequency"],
                time=data["time"],
                time_zone=data["time_zone"],
                weekday=data["weekday"],
                day=data["day"],
                formats=data["formats"],
                agents=list(data["agents"]),
                addresses=data["addresses"],
                schedule=schedule,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("web:report-schedules", pk=statistic.pk)
    status = 400 if request.method == "POST" else 200
    context = {"statistic": statistic, "schedule": schedule, "form": form}
    return render(request, "web/reports/schedule_edit.html", context, status=status)


@agent_required
@require_POST
def schedule_delete(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    agent = _editor(request)
    statistic = _statistic(agent, pk)
    schedules.delete_schedule(agent, _schedule(statistic, sid))
    return redirect("web:report-schedules", pk=statistic.pk)
