"""The dashboard's widgets and each agent's settings of them (``WidgetSetting``).

Widgets are defined here; an agent's row per widget (created on first change) keeps
its place, whether it is removed, rows per page, columns, sort, tab and the saved
filter of its ticket list. Reads go
through ``tickets.overviews``; this module only knows layouts and settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.core.errors import InvalidInput, NotFound
from sportello.tickets import overviews
from sportello.tickets.dynamic_fields import ticket_fields
from sportello.web.models import WidgetSetting

if TYPE_CHECKING:
    from sportello.accounts.models import User

MAIN, SIDE = "main", "side"

COLUMNS: dict[str, Any] = {
    "number": _("Ticket number"),
    "title": _("Title"),
    "queue": _("Queue"),
    "state": _("State"),
    "priority": _("Priority"),
    "owner": _("Owner"),
    "responsible": _("Responsible"),
    "customer": _("Customer user"),
    "lock": _("Lock"),
    "created": _("Created"),
    "changed": _("Changed"),
    "pending": _("Pending until"),
    "due": _("Due times"),
    "service": _("Service"),
    "sla": _("SLA"),
}
# A ticket dynamic field as a column: its name behind this prefix (labels come with its
# values, see ``overview_data.load_tables``).
DF_COLUMN = "df:"
DEFAULT_COLUMNS = ["number", "title", "queue", "state", "owner", "changed"]
# The escalated tickets show their due times and remaining working time from the start.
WIDGET_COLUMNS = {"escalated": ["number", "title", "queue", "owner", "due"]}
PER_PAGE_CHOICES = (5, 10, 15, 20, 25, 50)
TABS = ("locked", "watched", "responsible", "my_queues", "all")


@dataclass(frozen=True)
class Widget:
    name: str
    label: Any
    column: str
    # "list": one named ticket list; "tabs": the ticket lists of TABS; else special.
    kind: str
    list_name: str = ""


WIDGETS: dict[str, Widget] = {
    w.name: w
    for w in (
        Widget("new", _("New tickets"), MAIN, "list", "new"),
        Widget("open", _("Open tickets"), MAIN, "list", "open"),
        Widget("reminder", _("Reminder tickets"), MAIN, "list", "reminder"),
        Widget("escalated", _("Escalated tickets"), MAIN, "list", "escalated"),
        Widget("tickets", _("Ticket lists"), MAIN, "tabs"),
        Widget("queues", _("Queue overview"), SIDE, "queues"),
        Widget("stats", _("Created and closed, last 7 days"), SIDE, "stats"),
        Widget("faq-recent", _("FAQ: recently changed"), SIDE, "faq_recent"),
        Widget("faq-new", _("FAQ: newest"), SIDE, "faq_new"),
        Widget("faq-top", _("FAQ: top rated"), SIDE, "faq_top"),
    )
}
ORDER = list(WIDGETS)
# Settings kept the same way for pages that are no dashboard widgets.
VIEWS: dict[str, Widget] = {"queue-view": Widget("queue-view", _("Queue view"), "", "view")}
# The columns of the M and L densities (S shows the agent's choice).
WIDE_COLUMNS = [
    "number",
    "title",
    "queue",
    "state",
    "priority",
    "owner",
    "customer",
    "lock",
    "created",
    "changed",
    "due",
]


@dataclass
class WidgetState:
    widget: Widget
    position: int
    removed: bool = False
    per_page: int = 10
    columns: list[str] = field(default_factory=lambda: list(DEFAULT_COLUMNS))
    sort: str = ""
    tab: str = "locked"
    density: str = ""
    filter: overviews.TicketFilter = overviews.NO_FILTER
    # What the widget's body shows, filled by the page that renders it.
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.widget.name


def _state(widget: Widget, row: WidgetSetting | None) -> WidgetState:
    state = WidgetState(widget, _default_position(widget.name))
    state.columns = list(WIDGET_COLUMNS.get(widget.name, DEFAULT_COLUMNS))
    if row is not None:
        state.position = row.position
        state.removed = row.removed
        state.per_page = row.per_page if row.per_page in PER_PAGE_CHOICES else 10
        columns = [c for c in row.columns if is_column(c)] if isinstance(row.columns, list) else []
        state.columns = columns or state.columns
        state.sort = row.sort
        state.tab = row.tab if row.tab in TABS else "locked"
        state.density = row.density
        state.filter = filter_from(row.filters)
    return state


def is_column(key: Any) -> bool:
    """A fixed column or a dynamic field's (whether the field is still valid is checked
    when the table is loaded: a settings row is not touched when a field goes away)."""
    return isinstance(key, str) and (key in COLUMNS or key.startswith(DF_COLUMN))


def column_choices() -> list[tuple[str, Any]]:
    """Every column an agent can choose: the fixed ones and each valid ticket field."""
    return list(COLUMNS.items()) + [(DF_COLUMN + f.name, f.label) for f in ticket_fields()]


def _ids(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(sorted({v for v in value if isinstance(v, int) and not isinstance(v, bool)}))


def filter_from(data: Any) -> overviews.TicketFilter:
    """The saved filter of a widget (anything unexpected in the stored value is no
    condition)."""
    if not isinstance(data, dict):
        return overviews.NO_FILTER
    lock = data.get("lock")
    return overviews.TicketFilter(
        queues=_ids(data.get("queues")),
        states=_ids(data.get("states")),
        priorities=_ids(data.get("priorities")),
        types=_ids(data.get("types")),
        lock=lock if lock in ("lock", "unlock") else "",
    )


def filter_data(found: overviews.TicketFilter) -> dict[str, Any]:
    return {
        "queues": list(found.queues),
        "states": list(found.states),
        "priorities": list(found.priorities),
        "types": list(found.types),
        "lock": found.lock,
    }


def _default_position(name: str) -> int:
    return ORDER.index(name) if name in ORDER else 0


def widget(name: str) -> Widget:
    found = WIDGETS.get(name) or VIEWS.get(name)
    if found is None:
        raise NotFound(_("There is no widget %(name)s."), name=name)
    return found


def settings_of(agent: User, name: str) -> WidgetState:
    found = widget(name)
    return _state(found, WidgetSetting.objects.filter(agent=agent, widget=name).first())


@dataclass
class Layout:
    main: list[WidgetState]
    side: list[WidgetState]
    removed: list[WidgetState]


def layout(agent: User) -> Layout:
    """The agent's widgets in their order, one query."""
    rows = {r.widget: r for r in WidgetSetting.objects.filter(agent=agent)}
    states = sorted(
        (_state(w, rows.get(w.name)) for w in WIDGETS.values()),
        key=lambda s: (s.position, ORDER.index(s.name)),
    )
    shown = [s for s in states if not s.removed]
    return Layout(
        main=[s for s in shown if s.widget.column == MAIN],
        side=[s for s in shown if s.widget.column == SIDE],
        removed=[s for s in states if s.removed],
    )


def _save(agent: User, name: str, **values: Any) -> None:
    WidgetSetting.objects.update_or_create(
        agent=agent,
        widget=name,
        defaults=values,
        create_defaults={"position": _default_position(name), **values},
    )


def save_order(agent: User, names: list[str]) -> None:
    """Positions from the order the agent dropped the widgets in; unknown names and
    duplicates are ignored, widgets not named keep their place after the named ones."""
    seen: list[str] = []
    for name in names:
        if name in WIDGETS and name not in seen:
            seen.append(name)
    rest = [n for n in ORDER if n not in seen]
    with transaction.atomic():
        rows = {r.widget: r for r in WidgetSetting.objects.select_for_update().filter(agent=agent)}
        for position, name in enumerate(seen + rest):
            row = rows.get(name)
            if row is None:
                WidgetSetting.objects.create(agent=agent, widget=name, position=position)
            elif row.position != position:
                row.position = position
                row.save(update_fields=["position"])


def save_view(agent: User, name: str, *, density: str) -> None:
    """The density (S, M, L) of a page's ticket table."""
    widget(name)
    if density not in ("S", "M", "L"):
        raise InvalidInput(_("Unknown density."))
    _save(agent, name, density=density)


def set_removed(agent: User, name: str, removed: bool) -> None:
    if name not in WIDGETS:
        raise NotFound(_("There is no widget %(name)s."), name=name)
    if not removed:
        # A restored widget comes back at the end of its column.
        _save(agent, name, removed=False, position=len(WIDGETS) + ORDER.index(name))
    else:
        _save(agent, name, removed=True)


def update(
    agent: User,
    name: str,
    *,
    per_page: int | None = None,
    columns: list[str] | None = None,
    sort: str | None = None,
    tab: str | None = None,
    filter: overviews.TicketFilter | None = None,
) -> WidgetState:
    """Change some of a widget's settings; invalid values are refused."""
    found = widget(name)
    values: dict[str, Any] = {}
    if per_page is not None:
        if per_page not in PER_PAGE_CHOICES:
            raise InvalidInput(_("Choose one of the offered page sizes."))
        values["per_page"] = per_page
    if columns is not None:
        chosen = [key for key, _label in column_choices() if key in columns]
        if not chosen:
            raise InvalidInput(_("Choose at least one column."))
        values["columns"] = chosen
    if sort is not None:
        if sort.lstrip("-") not in overviews.SORT_FIELDS:
            raise InvalidInput(_("Unknown sort column."))
        values["sort"] = sort
    if tab is not None:
        if tab not in TABS:
            raise InvalidInput(_("Unknown tab."))
        values["tab"] = tab
    if filter is not None:
        if found.kind not in ("list", "tabs"):
            raise InvalidInput(_("Only ticket lists have a filter."))
        if filter.lock not in ("", "lock", "unlock"):
            raise InvalidInput(_("Unknown lock filter."))
        values["filters"] = filter_data(filter)
    if values:
        _save(agent, name, **values)
    return settings_of(agent, name)
