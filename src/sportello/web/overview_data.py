"""What the overview templates show: widget bodies, the queue tree, the statistics
chart. Reads through ``tickets.overviews``; no writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Sum, prefetch_related_objects
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from sportello.accounts import permissions
from sportello.kb import selectors as kb_selectors
from sportello.queues.models import QUEUE_SEPARATOR, Queue
from sportello.tickets import overviews
from sportello.tickets import presence as ticket_presence
from sportello.tickets.dynamic_fields import columns_with_values
from sportello.tickets.models import DynamicField, Ticket
from sportello.web import dashboard, overview_render

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from sportello.accounts.models import User


def page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 9 else 1


@dataclass
class TicketTable:
    """One page of a ticket list with what its table needs."""

    page: overviews.Page
    columns: list[tuple[str, Any]]
    sort: str
    news: set[int] = field(default_factory=set)
    # Other agents working on a row's ticket now (tickets.presence), by ticket id.
    presence: dict[int, list[ticket_presence.Presence]] = field(default_factory=dict)
    latest: bool = False
    # Dynamic field columns: {ticket id: {field id: shown value}}, the fields by name
    # (with ``field_choices`` every valid ticket field, for the column chooser).
    dynamic: dict[int, dict[int, str]] = field(default_factory=dict)
    fields: dict[str, DynamicField] = field(default_factory=dict)

    @property
    def sortable(self) -> set[str]:
        return {key for key, _label in self.columns if key in overviews.SORT_FIELDS}

    @property
    def rows(self) -> list[Ticket]:
        return self.page.rows

    @property
    def html_rows(self) -> SafeString:
        return overview_render.rows(self)

    @property
    def html_select_rows(self) -> SafeString:
        """Rows with a checkbox each (bulk actions) and, in density L, the latest article."""
        return overview_render.rows(self, select=True, latest=self.latest)


def ticket_table(
    agent: User,
    tickets: QuerySet[Ticket],
    *,
    columns: list[str],
    sort: str,
    number: int,
    per_page: int,
    total: int | None = None,
    latest: bool = False,
    load: bool = True,
    field_choices: bool = False,
) -> TicketTable:
    """A page of ``tickets``; without ``load`` the caller loads the related rows and
    news markers of several tables at once (``load_tables``)."""
    page = overviews.page(
        overviews.ordered(tickets, sort), number, per_page, total=total, related=False
    )
    articles = overviews.latest_articles(page.rows) if latest else {}
    for ticket in page.rows:
        ticket.latest_article = articles.get(ticket.pk)  # type: ignore[attr-defined]
    table = TicketTable(
        page=page,
        # A dynamic field's label is known once it is loaded (``load_tables``).
        columns=[(c, dashboard.COLUMNS.get(c, c)) for c in columns if dashboard.is_column(c)],
        sort=sort,
        latest=latest,
    )
    if load:
        load_tables(agent, [table], field_choices=field_choices)
    return table


def load_tables(agent: User, tables: list[TicketTable], *, field_choices: bool = False) -> None:
    """Related rows and unseen-article markers of every table's rows: a fixed number of
    queries however many tables (and one for all their dynamic field columns)."""
    rows = [t for table in tables for t in table.rows]
    _load_dynamic_columns(tables, [t.pk for t in rows], field_choices)
    if not rows:
        return
    overviews.load_related(rows)
    chosen = {key for table in tables for key, _label in table.columns}
    # Only when shown: most lists have neither column, and most tickets no service.
    extra = [name for name in ("service", "sla") if name in chosen]
    if extra:
        prefetch_related_objects(rows, *extra)
    news = overviews.news_ticket_ids(agent, [t.pk for t in rows])
    busy = ticket_presence.for_tickets([t.pk for t in rows], exclude=agent.pk)
    for table in tables:
        table.news = news
        table.presence = busy


def _load_dynamic_columns(
    tables: list[TicketTable], ticket_ids: list[int], field_choices: bool
) -> None:
    """Labels and values of the dynamic field columns of all tables, one query; a
    column whose field is gone or invalid is left out."""
    prefix = dashboard.DF_COLUMN
    names = sorted(
        {key[len(prefix) :] for t in tables for key, _l in t.columns if key.startswith(prefix)}
    )
    if not names and not field_choices:
        return
    fields, values = columns_with_values(names, ticket_ids, every_field=field_choices)
    by_name = {f.name: f for f in fields}
    for table in tables:
        table.columns = [
            (key, by_name[key[len(prefix) :]].label if key.startswith(prefix) else label)
            for key, label in table.columns
            if not key.startswith(prefix) or key[len(prefix) :] in by_name
        ]
        table.dynamic = values
        table.fields = by_name


def list_names(state: dashboard.WidgetState) -> list[str]:
    """The ticket lists whose counts the widget ``state`` shows."""
    if state.widget.kind == "list":
        return [state.widget.list_name]
    if state.widget.kind == "tabs":
        return list(dashboard.TABS)
    return []


def widget_counts(
    agent: User, states: list[dashboard.WidgetState]
) -> tuple[overviews.Counters, dict[str, dict[str, int]]]:
    """The top bar's counters and {widget: {list: count}} of every widget in
    ``states``, each list narrowed by its widget's saved filter: one statement."""
    wanted = {
        f"{state.name} {name}": (name, state.filter)
        for state in states
        for name in list_names(state)
    }
    top = overviews.counters(agent, lists=wanted)
    result: dict[str, dict[str, int]] = {}
    for key, value in top.lists.items():
        widget, name = key.split(" ")
        result.setdefault(widget, {})[name] = value
    return top, result


def widget_body(
    agent: User,
    state: dashboard.WidgetState,
    number: int,
    *,
    counts: dict[str, int] | None = None,
    load: bool = True,
) -> dict[str, Any]:
    """The context of one widget's body; ``counts`` of its lists when known already
    (else counted in one statement)."""
    widget = state.widget
    if counts is None:
        counts = overviews.count_lists(agent, list_names(state), filter=state.filter)
    context: dict[str, Any] = {
        "w": state,
        "body_url": reverse("web:dashboard-widget", args=[state.name]),
    }
    if widget.kind in ("list", "tabs"):
        name = widget.list_name if widget.kind == "list" else state.tab
        tickets = overviews.ticket_list(agent, name, filter=state.filter)
        context["filtered"] = bool(state.filter)
        if widget.kind == "tabs":
            context["tabs"] = [(t, overviews.LISTS[t].label, counts[t]) for t in dashboard.TABS]
        context["table"] = ticket_table(
            agent,
            tickets,
            columns=state.columns,
            sort=state.sort,
            number=number,
            per_page=state.per_page,
            total=counts[name],
            load=load,
        )
    elif widget.kind == "queues":
        context["queue_overview"] = queue_overview(agent)
    elif widget.kind == "stats":
        context["chart"] = chart(overviews.per_day_cached(agent))
    elif widget.kind in FAQ_WIDGETS:
        # Loaded by the widget itself after the page (htmx): the dashboard's own
        # statements stay those of the ticket widgets.
        if not load:
            context["faq"] = {"lazy": True}
        else:
            context["faq"] = {"items": FAQ_WIDGETS[widget.kind](agent, limit=10)}
    return context


FAQ_WIDGETS = {
    "faq_recent": kb_selectors.recently_changed,
    "faq_new": kb_selectors.newest,
    "faq_top": kb_selectors.top_rated,
}


@dataclass(frozen=True)
class QueueRef:
    pk: int
    full_name: str


@dataclass
class QueueOverview:
    states: list[str]
    rows: list[tuple[QueueRef, list[int], int]]


def queue_overview(agent: User) -> QueueOverview:
    """Per readable queue with open tickets: its count per open state and its total.
    One statement over the tallies, with the queue and state names joined."""
    rows = (
        overviews.open_tallies(agent)
        .order_by()
        .values("queue_id", "queue__full_name", "state_id", "state__type", "state__name")
        .annotate(s=Sum("n"))
        .filter(s__gt=0)
    )
    queues: dict[QueueRef, dict[int, int]] = {}
    states: dict[int, tuple[str, str]] = {}
    for row in rows:
        ref = QueueRef(row["queue_id"], row["queue__full_name"])
        queues.setdefault(ref, {})[row["state_id"]] = int(row["s"])
        states[row["state_id"]] = (row["state__type"], row["state__name"])
    order = sorted(states, key=lambda pk: states[pk])
    result = []
    for ref in sorted(queues, key=lambda q: q.full_name):
        per_state = queues[ref]
        result.append((ref, [per_state.get(pk, 0) for pk in order], sum(per_state.values())))
    # State names are stored in English and translated when shown (as State.__str__).
    return QueueOverview([gettext(states[pk][1]) for pk in order], result)


@dataclass
class Bar:
    x: int
    y: int
    height: int
    value: int


@dataclass
class ChartDay:
    label: str
    created: Bar
    closed: Bar
    x: int


CHART_HEIGHT = 100


def chart(days: list[overviews.DayFigures]) -> dict[str, Any]:
    """Bar geometry for the server-rendered SVG: two bars a day, scaled to the
    largest figure."""
    top = max([1] + [d.created for d in days] + [d.closed for d in days])
    result = []
    for index, day in enumerate(days):
        x = 10 + index * 40
        bars = []
        for offset, value in ((0, day.created), (16, day.closed)):
            height = round(value * CHART_HEIGHT / top)
            bars.append(Bar(x + offset, 10 + CHART_HEIGHT - height, height, value))
        result.append(ChartDay(day.day.strftime("%d.%m"), bars[0], bars[1], x + 14))
    return {"days": result, "width": 20 + len(days) * 40, "axis": 10 + CHART_HEIGHT, "top": top}


@dataclass
class QueueNode:
    queue: Queue
    own: int
    total: int
    children: list[QueueNode] = field(default_factory=list)
    selected: bool = False

    @property
    def label(self) -> str:
        return self.queue.full_name.rsplit(QUEUE_SEPARATOR, 1)[-1]


def queue_tree(agent: User, selected: int | None) -> list[QueueNode]:
    """The readable queues as a tree (by ``parent``) with open ticket counts: the queue's
    own and with its sub-queues."""
    counts = overviews.queue_state_counts(agent)
    queues = list(permissions.readable_queues(agent).order_by("full_name"))
    nodes = {
        q.pk: QueueNode(q, sum(counts.get(q.pk, {}).values()), 0, selected=q.pk == selected)
        for q in queues
    }
    roots: list[QueueNode] = []
    for queue in queues:
        node = nodes[queue.pk]
        parent = nodes.get(queue.parent_id) if queue.parent_id else None
        (parent.children if parent else roots).append(node)

    def total(node: QueueNode) -> int:
        node.total = node.own + sum(total(child) for child in node.children)
        return node.total

    for root in roots:
        total(root)
    return roots
