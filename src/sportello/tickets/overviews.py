"""The named ticket lists of the agent overviews (dashboard, queue view, top bar).

Every list is narrowed by ``permissions.visible_tickets`` and shows open work only
(closed, merged and removed tickets are found through search). States are matched by
a subquery on the small state table, so each list filters on the indexed ticket
columns: ``(queue, state)``, ``(owner, lock)``, ``responsible``, ``pending_until`` and
the due columns. Counts are one statement per group (``counters``, ``count_lists``).

Counts of the lists defined by queue, state and lock alone ("all", "My Queues",
"new", "open", "available", the queue overview and tree, the status tabs) are sums of
ticket tallies (``tickets.tallies``): a few rows per readable queue, however many
tickets there are. The agent's own lists (locked, watched, responsible) are counted
over their indexes, in proportion to the agent's tickets; "escalated" and "reminder"
over the due and pending indexes, in proportion to the tickets due.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.core import cache as configuration_cache
from sportello.core import replica
from sportello.core.statements import TIME, Statement, Variant
from sportello.tickets import tallies
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    Article,
    ArticleFlag,
    History,
    Lock,
    State,
    StateType,
    Ticket,
    TicketTally,
    TicketWatch,
)

if TYPE_CHECKING:
    from sportello.accounts.models import User

OPEN_TYPES = (
    StateType.NEW,
    StateType.OPEN,
    StateType.PENDING_REMINDER,
    StateType.PENDING_AUTO,
)


def _state_ids_by_type() -> dict[str, list[int]]:
    result: dict[str, list[int]] = {}
    for pk, state_type in State.objects.order_by("pk").values_list("pk", "type"):
        result.setdefault(state_type, []).append(pk)
    return result


def states_of(*types: str) -> list[int]:
    """The ids of the states of ``types``, from the per-process configuration cache
    (``core.cache``, as ``tickets.selectors.state_by_name`` reads it: a change in this process
    clears it at once, one in another process is seen at the next token check of the
    event bus). Literal ids let the planner use the ticket indexes on ``state``
    directly instead of joining the state table; ``[-1]`` when there is none, so the
    filter stays valid SQL."""
    from sportello.core import cache

    by_type = cache.get("overview_state_ids", _state_ids_by_type)
    return [pk for t in types for pk in by_type.get(t, [])] or [-1]


def _due_passed(now: datetime) -> Q:
    """A due time passed, as ids from the three due indexes: the cost follows the
    escalated tickets (an OR over the columns made SQLite read every open ticket)."""
    due = [
        Ticket.objects.filter(**{f"{column}__lte": now}).values("pk")
        for column in ("first_response_due", "update_due", "solution_due")
    ]
    return Q(pk__in=due[0].union(due[1], due[2]))


def open_tickets(user: User, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    """The open tickets ``user`` may see."""
    queryset = Ticket.objects.all() if queryset is None else queryset
    return permissions.visible_tickets(user, queryset.filter(state_id__in=states_of(*OPEN_TYPES)))


def open_tallies(user: User) -> QuerySet[TicketTally]:
    """The tallies of open tickets in the queues ``user`` may see."""
    return permissions.visible_tallies(
        user, TicketTally.objects.filter(state_id__in=states_of(*OPEN_TYPES))
    )


@dataclass(frozen=True)
class TicketFilter:
    """A saved filter of a ticket list (a widget's setting); an empty field is no
    condition. Every field is a column of the tallies, so a filtered count of a tallied
    list is still a sum of tallies."""

    queues: tuple[int, ...] = ()
    states: tuple[int, ...] = ()
    priorities: tuple[int, ...] = ()
    types: tuple[int, ...] = ()
    lock: str = ""

    def __bool__(self) -> bool:
        return bool(self.queues or self.states or self.priorities or self.types or self.lock)

    def q(self) -> Q:
        """The condition, on tickets and on tallies alike."""
        condition = Q()
        if self.queues:
            condition &= Q(queue_id__in=self.queues)
        if self.states:
            condition &= Q(state_id__in=self.states)
        if self.priorities:
            condition &= Q(priority_id__in=self.priorities)
        if self.types:
            condition &= Q(type_id__in=self.types)
        if self.lock in (Lock.LOCK, Lock.UNLOCK):
            condition &= Q(lock=self.lock)
        return condition


NO_FILTER = TicketFilter()


def _watched_ids(user: User) -> Any:
    return TicketWatch.objects.filter(agent=user).values("ticket_id")


def _condition(user: User, name: str, now: datetime) -> Q:
    """The condition of the list ``name``, built alone (building every list's condition
    for each use cost more CPU than the queries). ``KeyError`` for an unknown name."""
    if name == "locked":
        return Q(owner=user, lock=Lock.LOCK)
    if name == "watched":
        return Q(pk__in=_watched_ids(user))
    if name == "responsible":
        return Q(responsible=user)
    if name == "my_queues":
        return Q(queue__in=user.my_queues.values("pk"))
    if name == "all":
        return Q()
    if name == "new":
        return Q(state_id__in=states_of(StateType.NEW))
    if name == "open":
        return Q(state_id__in=states_of(StateType.OPEN))
    if name == "reminder":
        return Q(state_id__in=states_of(StateType.PENDING_REMINDER), pending_until__lte=now)
    if name == "escalated":
        return _due_passed(now)
    if name == "available":
        return Q(lock=Lock.UNLOCK)
    raise KeyError(name)


@dataclass(frozen=True)
class ListInfo:
    label: Any


LISTS: dict[str, ListInfo] = {
    "locked": ListInfo(_("My locked tickets")),
    "watched": ListInfo(_("My watched tickets")),
    "responsible": ListInfo(_("My responsible tickets")),
    "my_queues": ListInfo(_("Tickets in My Queues")),
    "all": ListInfo(_("All tickets")),
    "new": ListInfo(_("New tickets")),
    "open": ListInfo(_("Open tickets")),
    "reminder": ListInfo(_("Reminder tickets")),
    "escalated": ListInfo(_("Escalated tickets")),
    "available": ListInfo(_("Available tickets")),
}

# Lists whose conditions name only tally columns (queue, state, lock): counted by tallies.
TALLIED = frozenset({"all", "my_queues", "new", "open", "available"})

# The state types the status view offers, each a list of its own.
STATUS_TYPES = OPEN_TYPES


def ticket_list(
    user: User,
    name: str,
    *,
    now: datetime | None = None,
    queryset: QuerySet[Ticket] | None = None,
    filter: TicketFilter = NO_FILTER,
) -> QuerySet[Ticket]:
    """The open tickets of the list ``name`` (a key of ``LISTS``) that ``user`` may see,
    narrowed by ``filter``. Raises ``KeyError`` for an unknown name."""
    now = now or timezone.now()
    condition = _condition(user, name, now)
    tickets = open_tickets(user, queryset).filter(condition)
    if filter:
        tickets = tickets.filter(filter.q())
    if name == "escalated":
        from sportello.sla.services import escalated

        # Earliest due first; an expression, so no index walk in time order that
        # would pass every ticket while looking for the few escalated ones.
        return escalated(tickets, now=now)
    if name == "reminder":
        # The longest-reached reminder first: the range of the (state, pending time)
        # index in order, stopping at the page's end.
        return tickets.order_by("pending_until", "id")
    return tickets


def by_state_type(user: User, state_type: str) -> QuerySet[Ticket]:
    if state_type not in STATUS_TYPES:
        raise KeyError(state_type)
    return permissions.visible_tickets(
        user, Ticket.objects.filter(state_id__in=states_of(state_type))
    )


def _users() -> QuerySet[Any]:
    """The one-row carrier of the count subqueries (the agent's own row)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.all()


def _scalar(queryset: QuerySet[Any], aggregate: Any) -> Any:
    """``aggregate`` over ``queryset`` as a scalar subquery (0 when empty), for one
    statement of several counts."""
    result = (
        queryset.order_by()
        .annotate(_one=Value(1, output_field=IntegerField()))
        .values("_one")
        .annotate(result=aggregate)
        .values("result")
    )
    return Coalesce(Subquery(result, output_field=IntegerField()), 0)


def _count(queryset: QuerySet[Any]) -> Any:
    """``queryset``'s row count."""
    return _scalar(queryset, Count("*"))


def _total(tallied: QuerySet[Any]) -> Any:
    """The sum of the tally rows ``tallied``: the tickets they count."""
    return _scalar(tallied, Sum("n"))


def count_many(
    user: User, wanted: dict[str, tuple[str, TicketFilter]], *, now: datetime | None = None
) -> dict[str, int]:
    """The counts of several (list, filter) pairs, by key, in one statement: tallied
    lists as sums of tallies, the others over their indexes."""
    if not wanted:
        return {}
    annotations, aliases = _count_annotations(user, wanted, now or timezone.now())
    row = _users().filter(pk=user.pk).annotate(**annotations).values(*annotations).first()
    row = row or {}
    return {key: int(row.get(alias) or 0) for key, alias in aliases.items()}


def _aliases(wanted: dict[str, tuple[str, TicketFilter]]) -> dict[str, str]:
    """The column of each key of ``wanted``: one per distinct list and filter."""
    seen: dict[tuple[str, TicketFilter], str] = {}
    return {key: seen.setdefault(pair, f"c{len(seen)}") for key, pair in wanted.items()}


def _count_annotations(
    user: User, wanted: dict[str, tuple[str, TicketFilter]], now: datetime
) -> tuple[dict[str, Any], dict[str, str]]:
    """Scalar count subqueries for ``wanted`` (one per distinct list and filter) and
    the alias of each key."""
    tickets, tallied = open_tickets(user), open_tallies(user)
    annotations: dict[str, Any] = {}
    aliases = _aliases(wanted)
    for key, (name, found) in wanted.items():
        alias = aliases[key]
        if alias in annotations:
            continue
        condition = _condition(user, name, now) & found.q()
        if name in TALLIED:
            annotations[alias] = _total(tallied.filter(condition))
        else:
            annotations[alias] = _count(tickets.filter(condition))
    return annotations, aliases


def count_lists(
    user: User,
    names: list[str],
    *,
    now: datetime | None = None,
    filter: TicketFilter = NO_FILTER,
) -> dict[str, int]:
    """The counts of several lists in one statement."""
    return count_many(user, {n: (n, filter) for n in names}, now=now)


def count_lists_by_type(user: User, types: list[str]) -> dict[str, int]:
    """Open tickets per state type (tallies), in one statement."""
    tallied = open_tallies(user)
    annotations = {
        f"c{i}": _total(tallied.filter(state_id__in=states_of(t))) for i, t in enumerate(types)
    }
    row = _users().filter(pk=user.pk).annotate(**annotations).values(*annotations).first()
    row = row or {}
    return {t: int(row.get(f"c{i}") or 0) for i, t in enumerate(types)}


def queue_view_counts(user: User, queue_id: int | None) -> dict[str, int]:
    """The queue view's tab counts ("all" and "available"), of one queue or of My
    Queues when ``queue_id`` is None: one statement over the tallies."""
    tallied = open_tallies(user)
    if queue_id is None:
        tallied = tallied.filter(_condition(user, "my_queues", timezone.now()))
    else:
        tallied = tallied.filter(queue_id=queue_id)
    sums = tallied.aggregate(all=Sum("n"), available=Sum("n", filter=Q(lock=Lock.UNLOCK)))
    return {key: int(value or 0) for key, value in sums.items()}


def _unseen_articles(user: User) -> QuerySet[Article]:
    """Articles of watched open tickets that ``user`` has not seen (others' articles)."""
    seen = ArticleFlag.objects.filter(agent=user, article=OuterRef("pk"), seen=True)
    return (
        Article.objects.filter(ticket__in=ticket_list(user, "watched").values("pk"))
        .exclude(created_by=user)
        .filter(~Exists(seen))
    )


@dataclass(frozen=True)
class Counters:
    locked: int
    watched: int
    watched_news: bool
    responsible: int
    escalated: int
    # Counts of other lists asked for together with the top bar (``counters(lists=)``).
    lists: dict[str, int] = field(default_factory=dict)


TOP_BAR = ("locked", "watched", "responsible", "escalated")


def _counted(
    lists: dict[str, tuple[str, TicketFilter]] | None,
) -> dict[str, tuple[str, TicketFilter]]:
    """The top bar's lists and ``lists``: what the counters' statement counts."""
    return {f"top {n}": (n, NO_FILTER) for n in TOP_BAR} | (lists or {})


def counters_query(
    user: User, *, now: datetime, lists: dict[str, tuple[str, TicketFilter]] | None = None
) -> tuple[QuerySet[Any], dict[str, str]]:
    """The statement of ``counters`` (one row) and the column of each count."""
    annotations, aliases = _count_annotations(user, _counted(lists), now)
    annotations["news"] = Exists(_unseen_articles(user))
    return _users().filter(pk=user.pk).annotate(**annotations).values(*annotations), aliases


def counters(
    user: User,
    *,
    now: datetime | None = None,
    lists: dict[str, tuple[str, TicketFilter]] | None = None,
) -> Counters:
    """The top bar's counters and the watched-news marker: one statement; with
    ``lists`` (as ``count_many``), their counts in the same statement (the dashboard's
    unfiltered tabs are the top bar's counts: counted once)."""
    row, aliases = _run_counters(user, now or timezone.now(), lists)
    counts = {key: int(row.get(alias) or 0) for key, alias in aliases.items()}
    return Counters(
        locked=counts["top locked"],
        watched=counts["top watched"],
        watched_news=bool(row.get("news")),
        responsible=counts["top responsible"],
        escalated=counts["top escalated"],
        lists={key: counts[key] for key in lists or {}},
    )


def _build_counters(
    now: datetime, user: User, lists: dict[str, tuple[str, TicketFilter]] | None
) -> QuerySet[Any]:
    return counters_query(user, now=now, lists=lists)[0]


# Building the counters' statement (some twenty subqueries) costs the ORM more than the
# database takes to run it, and it is the same on every page of an agent: compiled once
# per agent, readable groups and lists (core.statements), kept in the configuration
# cache (dropped with any change of states, queues or the rest), run with the time of
# the page wherever the statement compares with the current time.
_COUNTERS = Statement(_build_counters, TIME, store=configuration_cache.get)


def _run_counters(
    user: User, now: datetime, lists: dict[str, tuple[str, TicketFilter]] | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Run the counters' statement: its row by column name, and the column of each key."""
    groups = permissions.groups_with(user, "ro")
    key = f"counters:{user.pk}:{groups}:{sorted((lists or {}).items())!r}"
    found = _COUNTERS.rows(now, variant=Variant(key, (user, lists)))
    aliases = _aliases(_counted(lists))
    names = [*dict.fromkeys(aliases.values()), "news"]
    return (dict(zip(names, found[0], strict=True)) if found else {}), aliases


def news_ticket_ids(user: User, ticket_ids: list[int]) -> set[int]:
    """Of ``ticket_ids``, those with an article ``user`` has not seen."""
    seen = ArticleFlag.objects.filter(agent=user, article=OuterRef("pk"), seen=True)
    articles = (
        Article.objects.filter(ticket_id__in=ticket_ids)
        .exclude(created_by=user)
        .filter(~Exists(seen))
    )
    return set(articles.values_list("ticket_id", flat=True).distinct())


# ---------------------------------------------------------------------------------------
# Queue overview and statistics
# ---------------------------------------------------------------------------------------


def queue_state_counts(user: User) -> dict[int, dict[int, int]]:
    """{queue id: {state id: open tickets}}, from the tallies (a replica may answer)."""
    permissions.grants(user)  # from the primary: see core.replica
    with replica.stale_ok():
        return tallies.per_queue_and_state(open_tallies(user))


@dataclass(frozen=True)
class DayFigures:
    day: Any
    created: int
    closed: int


def per_day_cached(user: User, *, days: int = 7) -> list[DayFigures]:
    """``per_day`` as the dashboard's chart shows it: computed at most once per
    ``SPORTELLO_STATS_CACHE_SECONDS`` for the same readable groups, day and time zone
    (agents with the same read permissions share it). Its counts grow with the tickets
    of the last days, which every page view would otherwise read again."""
    seconds = int(settings.SPORTELLO_STATS_CACHE_SECONDS)
    if seconds <= 0:
        return per_day(user, days=days)
    groups = ",".join(map(str, permissions.groups_with(user, "ro")))
    digest = hashlib.sha256(groups.encode()).hexdigest()[:24]
    zone = timezone.get_current_timezone_name()
    key = f"sportello:per-day:{days}:{timezone.localdate().isoformat()}:{zone}:{digest}"
    cached = cache.get(key)
    if cached is None:
        cached = per_day(user, days=days)
        cache.set(key, cached, seconds)
    return list(cached)


def per_day(user: User, *, days: int = 7, now: datetime | None = None) -> list[DayFigures]:
    """Tickets created and closed per local day over the last ``days`` days (today
    included): created by the ticket's ``created``, closed by the history rows that put
    a ticket into a closed state. Two statements, each one range over a ``created``
    index with a filtered count per day (no per-row date function: SQLite's runs in
    Python)."""
    now = now or timezone.now()
    permissions.grants(user)  # from the primary: see core.replica
    with replica.stale_ok():
        return _per_day(user, days, now)


def _per_day(user: User, days: int, now: datetime) -> list[DayFigures]:
    today = timezone.localdate(now)
    first = today - timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    bounds = [
        datetime.combine(first + timedelta(days=n), datetime.min.time(), tzinfo=tz)
        for n in range(days + 1)
    ]

    def per_range(queryset: QuerySet[Any]) -> list[int]:
        counts = queryset.aggregate(
            **{
                f"d{n}": Count("pk", filter=Q(created__gte=bounds[n], created__lt=bounds[n + 1]))
                for n in range(days)
            }
        )
        return [int(counts[f"d{n}"] or 0) for n in range(days)]

    created = per_range(
        permissions.visible_tickets(
            user, Ticket.objects.filter(created__gte=bounds[0], created__lt=bounds[-1])
        )
    )
    closed = per_range(
        History.objects.filter(
            created__gte=bounds[0],
            created__lt=bounds[-1],
            type=HistoryType.STATE_UPDATE,
            state_id_at__in=states_of(StateType.CLOSED),
            queue_id_at__in=permissions.readable_queues(user).values("pk"),
        )
    )
    return [DayFigures(first + timedelta(days=n), created[n], closed[n]) for n in range(days)]


# ---------------------------------------------------------------------------------------
# Sorting and pages
# ---------------------------------------------------------------------------------------

# Column key -> ordering field; the sortable columns of every overview table.
SORT_FIELDS: dict[str, str] = {
    "number": "number",
    "title": "title",
    "queue": "queue__full_name",
    "state": "state__name",
    "priority": "priority__name",
    "owner": "owner__username",
    "responsible": "responsible__username",
    "customer": "customer_user_id",
    "lock": "lock",
    "created": "created",
    "changed": "changed",
    "pending": "pending_until",
    "service": "service__full_name",
    "sla": "sla__name",
}


def ordered(queryset: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    """``queryset`` ordered by ``sort`` (``created``, ``-created``, …), with the id as
    tie-breaker for stable pages; without a known key the list's own order (escalated:
    earliest due first; reminder: longest reached first), else newest first."""
    descending = sort.startswith("-")
    field = SORT_FIELDS.get(sort.lstrip("-"))
    if field is None:
        return queryset if queryset.query.order_by else queryset.order_by("-created", "-id")
    prefix = "-" if descending else ""
    return queryset.order_by(f"{prefix}{field}", f"{prefix}id")


PAGE_RELATIONS = ("queue", "state", "priority", "owner", "responsible")


@dataclass
class Page:
    rows: list[Ticket]
    total: int
    number: int
    per_page: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.last

    @property
    def numbers(self) -> list[int]:
        """Page numbers around the current one (a short pager)."""
        low = max(1, self.number - 2)
        return list(range(low, min(self.last, low + 4) + 1))


def load_related(rows: list[Ticket]) -> None:
    """The related rows of one or several pages, by id: one query per relation, not
    joined (a join per relation costs PostgreSQL more planning than running)."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(rows, *PAGE_RELATIONS)


def page(
    queryset: QuerySet[Ticket],
    number: int,
    per_page: int,
    *,
    total: int | None = None,
    related: bool = True,
) -> Page:
    """The ``number``-th page (clamped); with ``related``, its related rows loaded."""
    if total is None:
        total = queryset.order_by().count()
    last = max(1, -(-total // per_page))
    number = min(max(1, number), last)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page])
    if related:
        load_related(rows)
    return Page(rows, total, number, per_page)


def latest_articles(tickets: list[Ticket]) -> dict[int, Article]:
    """Each ticket's latest article, one query for the page (by the
    ``(ticket, number)`` unique index)."""
    from django.db.models import Max

    if not tickets:
        return {}
    newest = (
        Article.objects.filter(ticket=OuterRef("ticket_id"))
        .order_by()
        .values("ticket_id")
        .annotate(m=Max("number"))
        .values("m")
    )
    articles = Article.objects.filter(ticket_id__in=[t.pk for t in tickets]).filter(
        number=Subquery(newest)
    )
    return {a.ticket_id: a for a in articles}
