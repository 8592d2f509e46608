"""Dashboard, queue view and the ticket overviews. Thin: ``tickets.overviews`` reads,
``web.dashboard`` keeps the agent's settings, ``tickets.bulk`` writes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts import permissions
from sportello.accounts.decorators import agent_required
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import DomainError
from sportello.tickets import bulk, overviews
from sportello.tickets.models import Lock, StateType
from sportello.web import dashboard, overview_data
from sportello.web.forms.overviews import BulkForm, WidgetFilterForm, WidgetSettingsForm

QUEUE_VIEW = "queue-view"
DENSITIES = ("S", "M", "L")


def _agent(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _widget_or_404(name: str) -> dashboard.Widget:
    """A dashboard widget (not the settings of other pages), else 404."""
    if name not in dashboard.WIDGETS:
        raise Http404
    return dashboard.WIDGETS[name]


@require_GET
@agent_required
def home(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    layout = dashboard.layout(agent)
    shown = layout.main + layout.side
    top, counts = overview_data.widget_counts(agent, shown)
    # The top bar shows these counters instead of counting again.
    request.ticket_counters = top  # type: ignore[attr-defined]
    for state in shown:
        # ``<widget>-page``: a widget's page opened without JavaScript (see below).
        page = overview_data.page_number(request.GET.get(f"{state.name}-page"))
        state.body = overview_data.widget_body(
            agent, state, page, counts=counts.get(state.name, {}), load=False
        )
    overview_data.load_tables(agent, [s.body["table"] for s in shown if "table" in s.body])
    # The widgets' settings forms are loaded when their menu is opened (htmx).
    return render(
        request,
        "web/dashboard/dashboard.html",
        {"layout": layout, "refresh": agent.refresh_seconds},
    )


@require_GET
@agent_required
def dashboard_widget(request: HttpRequest, name: str) -> HttpResponse:
    """A widget's body (htmx: pages, sorting, tabs, refresh); a given sort or tab is
    kept as the agent's setting."""
    agent = _agent(request)
    _widget_or_404(name)
    sort, tab = request.GET.get("sort"), request.GET.get("tab")
    try:
        state = dashboard.update(agent, name, sort=sort or None, tab=tab or None)
    except DomainError:
        state = dashboard.settings_of(agent, name)
    page = overview_data.page_number(request.GET.get("page"))
    if not request.htmx:  # type: ignore[attr-defined]
        # A plain request (no JavaScript): the whole dashboard, at this widget.
        query = f"?{urlencode({f'{name}-page': page})}" if page > 1 else ""
        return redirect(f"{reverse('web:home')}{query}#title-{name}")
    context = overview_data.widget_body(agent, state, page)
    context["refresh"] = agent.refresh_seconds
    return render(request, "web/dashboard/widget_body.html", context)


@require_POST
@agent_required
def dashboard_order(request: HttpRequest) -> HttpResponse:
    dashboard.save_order(_agent(request), request.POST.getlist("widget"))
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(status=204)
    return redirect("web:home")


@require_POST
@agent_required
def dashboard_remove(request: HttpRequest, name: str) -> HttpResponse:
    _widget_or_404(name)
    dashboard.set_removed(_agent(request), name, True)
    return redirect("web:home")


@require_POST
@agent_required
def dashboard_restore(request: HttpRequest, name: str) -> HttpResponse:
    _widget_or_404(name)
    dashboard.set_removed(_agent(request), name, False)
    return redirect("web:home")


@require_http_methods(["GET", "POST"])
@agent_required
def dashboard_settings(request: HttpRequest, name: str) -> HttpResponse:
    """GET: a ticket list widget's settings form (htmx, when its menu is opened; else a
    page of its own). POST: save them."""
    widget = _widget_or_404(name)
    if widget.kind not in ("list", "tabs"):
        raise Http404
    agent = _agent(request)
    if request.method == "GET":
        state = dashboard.settings_of(agent, name)
        initial = {
            "per_page": state.per_page,
            "columns": state.columns,
            **dashboard.filter_data(state.filter),
        }
        form = WidgetFilterForm(initial=initial, agent=agent)
        template = (
            "web/dashboard/settings_form.html"
            if request.htmx  # type: ignore[attr-defined]
            else "web/dashboard/settings_page.html"
        )
        return render(request, template, {"w": state, "form": form})
    form = WidgetFilterForm(request.POST, agent=agent)
    if not form.is_valid():
        messages.error(request, _("The widget settings were not saved: check your choices."))
        return redirect("web:home")
    dashboard.update(
        agent,
        name,
        per_page=form.cleaned_data["per_page"],
        columns=form.cleaned_data["columns"],
        filter=form.ticket_filter(),
    )
    return redirect("web:home")


# ---------------------------------------------------------------------------------------
# Queue view and the ticket overviews
# ---------------------------------------------------------------------------------------


def _list_context(
    request: HttpRequest, tickets: Any, *, total: int | None = None, **extra: Any
) -> dict[str, Any]:
    """The shared part of every overview page: the agent's density, columns, page size
    and sort (a given sort or density is kept), the table and the bulk form."""
    agent = _agent(request)
    sort, density = request.GET.get("sort"), request.GET.get("density")
    if density in DENSITIES:
        dashboard.save_view(agent, QUEUE_VIEW, density=density)
    try:
        state = dashboard.update(agent, QUEUE_VIEW, sort=sort or None)
    except DomainError:
        state = dashboard.settings_of(agent, QUEUE_VIEW)
    density = state.density or "S"
    columns = state.columns if density == "S" else dashboard.WIDE_COLUMNS
    table = overview_data.ticket_table(
        agent,
        tickets,
        columns=columns,
        sort=state.sort,
        number=overview_data.page_number(request.GET.get("page")),
        per_page=max(state.per_page, 25),
        total=total,
        latest=density == "L",
        # The column chooser of density S lists the dynamic fields too.
        field_choices=density == "S",
    )
    params = request.GET.copy()
    for key in ("page", "sort", "density"):
        params.pop(key, None)
    return {
        "table": table,
        "density": density,
        "densities": DENSITIES,
        "query": params.urlencode(),
        "bulk_form": BulkForm(agent=agent),
        "all_columns": list(dashboard.COLUMNS.items())
        + [(dashboard.DF_COLUMN + name, f.label) for name, f in table.fields.items()],
        "chosen_columns": state.columns,
        "refresh": agent.refresh_seconds,
        "next": request.get_full_path(),
        **extra,
    }


@require_GET
@agent_required
def queue_view(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    raw = request.GET.get("queue", "")
    queue = None
    if raw:
        if not raw.isdigit():
            raise Http404
        queue = permissions.readable_queues(agent).filter(pk=int(raw)).first()
        if queue is None:
            raise Http404
    tab = "all" if request.GET.get("tab") == "all" else "available"
    tickets = (
        overviews.open_tickets(agent).filter(queue=queue)
        if queue is not None
        else overviews.ticket_list(agent, "my_queues")
    )
    counts = overviews.queue_view_counts(agent, queue.pk if queue else None)
    available = tickets.filter(lock=Lock.UNLOCK)
    context = _list_context(
        request,
        available if tab == "available" else tickets,
        total=counts[tab],
        tree=overview_data.queue_tree(agent, queue.pk if queue else None),
        queue=queue,
        tab=tab,
        counts=counts,
        title=queue.full_name if queue else _("My Queues"),
    )
    return render(request, "web/overviews/queue_view.html", context)


OVERVIEWS = ("locked", "watched", "responsible", "escalated", "reminder", "new", "open")


@require_GET
@agent_required
def overview(request: HttpRequest, name: str) -> HttpResponse:
    if name not in OVERVIEWS:
        raise Http404
    agent = _agent(request)
    tickets = overviews.ticket_list(agent, name)
    total = overviews.count_lists(agent, [name])[name]
    context = _list_context(
        request, tickets, total=total, title=overviews.LISTS[name].label, list_name=name
    )
    return render(request, "web/overviews/list.html", context)


STATUS_SLUGS = {t.value.replace(" ", "-"): t for t in overviews.STATUS_TYPES}


@require_GET
@agent_required
def status(request: HttpRequest) -> HttpResponse:
    """The open tickets by state type, one tab per type."""
    agent = _agent(request)
    slug = request.GET.get("type") or "new"
    state_type = STATUS_SLUGS.get(slug)
    if state_type is None:
        raise Http404
    counts = overviews.count_lists_by_type(agent, list(STATUS_SLUGS.values()))
    tabs = [(s, StateType(t).label, counts[t]) for s, t in STATUS_SLUGS.items()]
    context = _list_context(
        request,
        overviews.by_state_type(agent, state_type),
        total=counts[state_type],
        title=_("Status view"),
        status_tabs=tabs,
        status=slug,
    )
    return render(request, "web/overviews/list.html", context)


@require_POST
@agent_required
def queue_view_settings(request: HttpRequest) -> HttpResponse:
    form = WidgetSettingsForm(request.POST)
    if form.is_valid():
        dashboard.update(
            _agent(request),
            QUEUE_VIEW,
            per_page=form.cleaned_data["per_page"],
            columns=form.cleaned_data["columns"],
        )
    else:
        messages.error(request, _("The view settings were not saved: check your choices."))
    return redirect(_safe_next(request))


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return reverse("web:queue-view")


@require_POST
@agent_required
def bulk_action(request: HttpRequest) -> HttpResponseBase:
    agent = _agent(request)
    form = BulkForm(request.POST, agent=agent)
    if not form.is_valid():
        messages.error(request, _("Select tickets and an action."))
        return redirect(_safe_next(request))
    try:
        result = bulk.apply(
            Actor(user=agent),
            form.cleaned_data["ticket"],
            form.cleaned_data["action"],
            **form.params(),
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(_safe_next(request))
    if result.done:
        messages.success(request, _("Done for %(count)d tickets.") % {"count": len(result.done)})
    for number, reason in result.failed:
        messages.error(request, f"{number}: {reason}")
    return redirect(_safe_next(request))
