"""The statistics pages (top menu "Reports"): list, edit with a live preview, run with
parameters (a job with progress, cached results), exports. Agents without ``ro`` on the
reporting group find nothing here (404); editing needs ``rw`` (403)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.views.decorators.http import require_POST

from sportello.accounts import permissions
from sportello.accounts.decorators import agent_required
from sportello.core.errors import DomainError, NotFound
from sportello.reports import exports, services
from sportello.reports.charts import svg
from sportello.reports.models import RunStatus, Statistic, StatisticRun
from sportello.reports.result import Result
from sportello.web.forms.reports import StatisticForm, initial_for

PREVIEW_ROWS = 50


def _reader(request: HttpRequest) -> Any:
    agent = request.user
    if not permissions.may_report(agent, "ro"):  # type: ignore[arg-type]
        raise Http404
    return agent


def _editor(request: HttpRequest) -> Any:
    agent = _reader(request)
    if not permissions.may_report(agent, "rw"):
        raise PermissionDenied("rw")
    return agent


def _statistic(agent: Any, pk: int) -> Statistic:
    try:
        return services.get_statistic(agent, pk)
    except NotFound:
        raise Http404 from None


def present(result: Result) -> dict[str, Any]:
    """Template context of a result: cells as text in the reader's locale, charts."""
    tables = []
    for table in result["tables"]:
        kinds = table["kinds"]
        rows = [
            [exports.shown(v, k) for v, k in zip(r, kinds, strict=False)] for r in table["rows"]
        ]
        footer = (
            [exports.shown(v, k) for v, k in zip(table["footer"], kinds, strict=False)]
            if table["footer"]
            else None
        )
        chart = ""
        if table["chartable"] and result["chart"] not in ("none", "") and table["rows"]:
            chart = svg(table, result["chart"], table["title"])
        tables.append({"title": table["title"], "header": table["header"], "rows": rows,
                       "footer": footer, "chart": chart, "kinds": kinds})  # fmt: skip
    return {"result": result, "tables": tables}


@agent_required
def report_list(request: HttpRequest) -> HttpResponse:
    agent = _reader(request)
    context = {
        "statistics": services.visible_statistics(agent),
        "may_edit": permissions.may_report(agent, "rw"),
    }
    return render(request, "web/reports/list.html", context)


@agent_required
def report_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    agent = _editor(request)
    statistic = _statistic(agent, pk) if pk is not None else None
    initial = (
        {"name": statistic.name, "description": statistic.description}
        | initial_for(statistic.kind, statistic.config)
        if statistic
        else {}
    )
    form = StatisticForm(request.POST or None, initial=initial, agent=agent)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_statistic(
                agent,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                kind=form.cleaned_data["kind"],
                config=form.configuration(),
                statistic=statistic,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect("web:report-run", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "statistic": statistic}
    return render(request, "web/reports/edit.html", context, status=status)


@agent_required
@require_POST
def report_preview(request: HttpRequest) -> HttpResponse:
    """The edit form's live preview (htmx): the unsaved configuration run at once."""
    agent = _editor(request)
    data = request.POST.copy()
    if not data.get("name", "").strip():
        data["name"] = "-"  # an unnamed statistic is previewed all the same
    form = StatisticForm(data, agent=agent)
    context: dict[str, Any] = {"error": ""}
    if not form.is_valid():
        context["error"] = "; ".join(
            (f"{form.fields[name].label}: " if name in form.fields else "")
            + " ".join(str(e) for e in errors)
            for name, errors in form.errors.items()
        )
    else:
        try:
            config = form.configuration()
            if form.cleaned_data["kind"] == "list":
                # A preview shows the first rows only.
                config["limit"] = min(int(config.get("limit") or PREVIEW_ROWS), PREVIEW_ROWS)
            result = services.compute(
                form.cleaned_data["kind"],
                config,
                agent,
                now=timezone.now(),
                zone=timezone.get_current_timezone(),
            )
        except DomainError as error:
            context["error"] = str(error)
        else:
            context |= present(result)
    return render(request, "web/reports/result.html", context)


def _params(request: HttpRequest) -> dict[str, str]:
    return {
        key: request.GET[key].strip()
        for key in ("period", "start", "end", "limit")
        if request.GET.get(key, "").strip()
    }


@agent_required
def report_run(request: HttpRequest, pk: int) -> HttpResponse:
    agent = _reader(request)
    statistic = _statistic(agent, pk)
    context: dict[str, Any] = {
        "statistic": statistic,
        "params": _params(request),
        "may_edit": permissions.may_report(agent, "rw"),
        "periods": list(services.cfg.PERIOD_LABELS.items()),
        "error": "",
        "run": None,
    }
    try:
        run = services.start_run(statistic, agent, context["params"])
    except DomainError as error:
        context["error"] = str(error)
        return render(request, "web/reports/run.html", context, status=400)
    context["run"] = run
    context["phase"] = services.phase(run.progress, run.status)
    if run.status == RunStatus.DONE and run.result:
        context |= present(run.result)
    return render(request, "web/reports/run.html", context)


@agent_required
def report_status(request: HttpRequest, pk: int, run: int) -> HttpResponse:
    """The progress of a run (polled by htmx), then its result."""
    agent = _reader(request)
    statistic = _statistic(agent, pk)
    found = StatisticRun.objects.filter(pk=run, statistic=statistic, agent=agent).first()
    if found is None:
        raise Http404
    context: dict[str, Any] = {
        "statistic": statistic,
        "run": found,
        "error": found.error,
        "phase": services.phase(found.progress, found.status),
    }
    if found.status == RunStatus.DONE and found.result:
        context |= present(found.result)
    return render(request, "web/reports/status.html", context)


@agent_required
def report_export(request: HttpRequest, pk: int) -> HttpResponse:
    agent = _reader(request)
    statistic = _statistic(agent, pk)
    fmt = request.GET.get("format", "csv")
    if fmt not in exports.FORMATS:
        return HttpResponse(status=400, content=b"unknown format")
    try:
        result = services.run_now(statistic, agent, _params(request))
        semicolon = request.GET.get("semicolon") == "1" or (
            "semicolon" not in request.GET and translation.get_language() in ("de", "it")
        )
        data = exports.export(result, fmt, semicolon=semicolon)
    except DomainError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="statistic-{statistic.pk}.{fmt}"'
    return response


@agent_required
@require_POST
def report_delete(request: HttpRequest, pk: int) -> HttpResponse:
    agent = _editor(request)
    statistic = _statistic(agent, pk)
    services.retire_statistic(agent, statistic)
    return redirect("web:reports")
