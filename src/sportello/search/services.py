"""The one search function: ``search_tickets(agent, criteria)``.

Every attribute narrows the result (they combine with AND); an empty attribute does not
filter. The permission module has the last word: the queryset goes through
``accounts.permissions.visible_tickets``, so a ticket in a queue the agent may not read
never shows up, not even in a count or an export.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, prefetch_related_objects
from django.db.models.expressions import OrderBy, RawSQL
from django.utils import timezone

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.queues.models import QUEUE_SEPARATOR, Queue
from sportello.search import query as fulltext
from sportello.search.index import search_config
from sportello.search.models import TicketDocument
from sportello.tickets.dynamic_fields import FieldFilter, filter_tickets
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import History, Lock, StateType, Ticket

UNITS = {
    "minutes": timedelta(minutes=1),
    "hours": timedelta(hours=1),
    "days": timedelta(days=1),
    "weeks": timedelta(weeks=1),
    "months": timedelta(days=30),
    "years": timedelta(days=365),
}


@dataclass(frozen=True)
class TimeRange:
    """Absolute (``start``/``end``, either may be open) or relative to now:
    ``within`` = "in the last N units", ``older`` = "more than N units ago"."""

    start: datetime | None = None
    end: datetime | None = None
    within: timedelta | None = None
    older: timedelta | None = None

    def bounds(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        start, end = self.start, self.end
        if self.within is not None:
            start = now - self.within
        if self.older is not None:
            end = now - self.older
        return start, end

    @property
    def empty(self) -> bool:
        return not any((self.start, self.end, self.within, self.older))


class Archive:
    EXCLUDE = "exclude"  # the default: archived tickets are left out
    INCLUDE = "include"  # "archive search": archived tickets too
    ONLY = "only"


@dataclass
class Criteria:
    number: str = ""  # * is a wildcard
    title: str = ""  # a part of the title, or a pattern with *
    fulltext: str = ""  # see search.query
    queues: list[int] = field(default_factory=list)
    subqueues: bool = True
    states: list[int] = field(default_factory=list)
    state_types: list[str] = field(default_factory=list)
    priorities: list[int] = field(default_factory=list)
    types: list[int] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)
    responsibles: list[int] = field(default_factory=list)
    locked: bool | None = None
    customer_user: str = ""  # * is a wildcard
    customer_company: str = ""  # * is a wildcard
    services: list[int] = field(default_factory=list)
    slas: list[int] = field(default_factory=list)
    # One condition per ticket dynamic field (see ``tickets.dynamic_fields.FieldFilter``).
    dynamic_fields: list[FieldFilter] = field(default_factory=list)
    created: TimeRange = field(default_factory=TimeRange)
    changed: TimeRange = field(default_factory=TimeRange)
    closed: TimeRange = field(default_factory=TimeRange)
    pending: TimeRange = field(default_factory=TimeRange)
    archive: str = Archive.EXCLUDE


def search_tickets(
    agent: User,
    criteria: Criteria,
    *,
    now: datetime | None = None,
    newer_than: int | None = None,
) -> Any:
    """The tickets ``agent`` may see that match every attribute of ``criteria``,
    newest first. Raises ``query.EmptyQuery`` for a full text without words.
    ``newer_than``: only tickets with a higher id, also inside the full-text lookups
    (see ``search_page``)."""
    now = now or timezone.now()
    tickets = Ticket.objects.all()
    if newer_than is not None:
        tickets = tickets.filter(pk__gt=newer_than)
    if criteria.archive == Archive.EXCLUDE:
        tickets = tickets.filter(archived=False)
    elif criteria.archive == Archive.ONLY:
        tickets = tickets.filter(archived=True)
    if criteria.fulltext.strip():
        tickets = tickets.filter(fulltext_q(criteria.fulltext, newer_than=newer_than))
    if criteria.number.strip():
        tickets = tickets.filter(wildcard_q("number", criteria.number.strip(), contains=False))
    if criteria.title.strip():
        tickets = tickets.filter(wildcard_q("title", criteria.title.strip(), contains=True))
    if criteria.queues:
        tickets = tickets.filter(queue__in=queue_ids(criteria.queues, criteria.subqueues))
    if criteria.states:
        tickets = tickets.filter(state_id__in=criteria.states)
    if criteria.state_types:
        tickets = tickets.filter(state__type__in=criteria.state_types)
    if criteria.priorities:
        tickets = tickets.filter(priority_id__in=criteria.priorities)
    if criteria.types:
        tickets = tickets.filter(type_id__in=criteria.types)
    if criteria.owners:
        tickets = tickets.filter(owner_id__in=criteria.owners)
    if criteria.responsibles:
        tickets = tickets.filter(responsible_id__in=criteria.responsibles)
    if criteria.locked is not None:
        tickets = tickets.filter(lock=Lock.LOCK if criteria.locked else Lock.UNLOCK)
    if criteria.customer_user.strip():
        pattern = criteria.customer_user.strip()
        tickets = tickets.filter(wildcard_q("customer_user_id", pattern, contains=False))
    if criteria.customer_company.strip():
        pattern = criteria.customer_company.strip()
        tickets = tickets.filter(wildcard_q("customer_company_id", pattern, contains=False))
    if criteria.services:
        tickets = tickets.filter(service_id__in=criteria.services)
    if criteria.slas:
        tickets = tickets.filter(sla_id__in=criteria.slas)
    tickets = filter_tickets(tickets, criteria.dynamic_fields)
    tickets = _time_filter(tickets, "created", criteria.created, now)
    tickets = _time_filter(tickets, "changed", criteria.changed, now)
    tickets = _time_filter(tickets, "pending_until", criteria.pending, now)
    if not criteria.closed.empty:
        tickets = tickets.filter(_closed_q(criteria.closed, now))
    # Newest ticket first (OTRS's default order, by age). By id rather than a timestamp:
    # both databases then read the matches in index order and stop after one page,
    # instead of fetching and sorting every match of a common word.
    return permissions.visible_tickets(agent, tickets).order_by("-id")


def fulltext_q(text: str, *, newer_than: int | None = None) -> Q:
    return _node_q(fulltext.parse(text), newer_than)


def _node_q(node: fulltext.Node, newer_than: int | None = None) -> Q:
    """One index lookup for what the backend can say natively, Q algebra for the rest.
    ``newer_than`` bounds the lookups themselves: the planner does not carry a range
    on the ticket id over to the document side."""
    if connection.vendor == "postgresql":
        tsquery = fulltext.tsquery(node, search_config())
        if tsquery is not None:
            documents = TicketDocument.objects.filter(document=tsquery)
            if newer_than is not None:
                documents = documents.filter(ticket_id__gt=newer_than)
            return Q(pk__in=documents.values("ticket_id"))
    else:
        match = fulltext.fts5(node)
        if match is not None:
            if newer_than is None:
                subquery = RawSQL("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [match])
            else:
                subquery = RawSQL(
                    "SELECT rowid FROM search_fts WHERE search_fts MATCH %s AND rowid > %s",
                    [match, newer_than],
                )
            return Q(pk__in=subquery)
    if isinstance(node, fulltext.Not):
        return ~_node_q(node.child, newer_than)
    if isinstance(node, fulltext.Or):
        result = Q()
        for child in node.children:
            result |= _node_q(child, newer_than)
        return result
    assert isinstance(node, fulltext.And)
    result = Q()
    for child in node.children:
        result &= _node_q(child, newer_than)
    return result


def queue_ids(ids: list[int], subqueues: bool) -> list[int]:
    chosen = list(Queue.objects.filter(pk__in=ids).values_list("pk", "full_name"))
    found = {pk for pk, _ in chosen}
    if subqueues and chosen:
        below = Q()
        for _, name in chosen:
            below |= Q(full_name__startswith=name + QUEUE_SEPARATOR)
        found.update(Queue.objects.filter(below).values_list("pk", flat=True))
    return sorted(found)


def wildcard_q(field_name: str, pattern: str, *, contains: bool) -> Q:
    """``*`` matches any text; without one the value is matched whole (or, with
    ``contains``, anywhere). Case-insensitive."""
    if "*" not in pattern:
        return Q(**{f"{field_name}__{'icontains' if contains else 'iexact'}": pattern})
    parts = pattern.split("*")
    if not any(parts):
        return Q()
    if len(parts) == 2 and not parts[1]:
        return Q(**{f"{field_name}__istartswith": parts[0]})
    if len(parts) == 2 and not parts[0]:
        return Q(**{f"{field_name}__iendswith": parts[1]})
    if len(parts) == 3 and not parts[0] and not parts[2]:
        return Q(**{f"{field_name}__icontains": parts[1]})
    regex = "^" + ".*".join(re.escape(part) for part in parts) + "$"
    return Q(**{f"{field_name}__iregex": regex})


def _time_filter(
    tickets: QuerySet[Ticket], field_name: str, span: TimeRange, now: datetime
) -> QuerySet[Ticket]:
    start, end = span.bounds(now)
    if start is not None:
        tickets = tickets.filter(**{f"{field_name}__gte": start})
    if end is not None:
        tickets = tickets.filter(**{f"{field_name}__lt": end})
    return tickets


def _closed_q(span: TimeRange, now: datetime) -> Q:
    """Closed in the range: the ticket is closed now and a history row put it into a
    closed state (created closed, or changed to closed) within the range."""
    start, end = span.bounds(now)
    rows = History.objects.filter(
        ticket=OuterRef("pk"),
        type__in=(HistoryType.NEW_TICKET, HistoryType.STATE_UPDATE),
        state_id_at__in=_closed_state_ids(),
    )
    if start is not None:
        rows = rows.filter(created__gte=start)
    if end is not None:
        rows = rows.filter(created__lt=end)
    return Q(state__type=StateType.CLOSED) & Q(Exists(rows))


def _closed_state_ids() -> list[int]:
    from sportello.tickets.models import State

    return list(State.objects.filter(type=StateType.CLOSED).values_list("pk", flat=True))


# Result lists count up to this many tickets and then say "more than": counting every
# match of a common word costs more than the page itself (OTRS has its SearchLimit for
# the same reason). Exports are not limited.
COUNT_LIMIT = 1000
# A page of newest-first results is looked for among this many newest ticket ids first
# (see ``_page_rows``).
RECENT_WINDOW = 10_000
PAGE_RELATIONS = ("queue", "state", "priority", "type", "owner")


@dataclass
class SearchPage:
    """One page of results and the total (at most ``COUNT_LIMIT``; ``more`` if above)."""

    rows: list[Ticket]
    count: int
    number: int
    per_page: int
    more: bool = False

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def search_page(
    tickets: Any,
    number: int = 1,
    per_page: int = 25,
    *,
    recent: Callable[..., Any] | None = None,
) -> SearchPage:
    """The ``number``-th page (clamped to the last one) of ``tickets``. ``recent``: the
    same search taking ``search_tickets``' ``newer_than`` (a partial of it), to look
    for the page among the newest tickets first (``_page_rows``).

    Two statements, the (limited) count and the page. One statement with
    ``COUNT(*) OVER ()`` was tried: PostgreSQL then plans as if the LIMIT could stop
    early, sorts every ticket and probes the index per ticket (seconds for common words)."""
    found = tickets.order_by()[: COUNT_LIMIT + 1].count()
    total = min(found, COUNT_LIMIT)
    last = max(1, -(-total // per_page))
    number = min(max(1, number), last)
    start = (number - 1) * per_page
    rows = _page_rows(tickets, start, per_page, recent)
    # Related rows by id afterwards, not joined: with five more joins PostgreSQL spends
    # far longer planning the statement (measured 70-110 ms) than running it (1-2 ms).
    prefetch_related_objects(rows, *PAGE_RELATIONS)
    return SearchPage(rows, total, number, per_page, more=found > COUNT_LIMIT)


def newest_rows(
    tickets: Any, count: int, *, recent: Callable[..., Any], below: int | None = None
) -> list[Ticket]:
    """The ``count`` newest of ``tickets`` (a cursor's page: ``tickets`` holds only ids
    below ``below`` when given), looked for among the newest tickets first as a page of
    ``search_page`` is (``_page_rows``; ``recent`` as there)."""
    return _page_rows(tickets, 0, count, recent, below=below)


def _page_rows(
    tickets: Any,
    start: int,
    per_page: int,
    recent: Callable[..., Any] | None,
    *,
    below: int | None = None,
) -> list[Ticket]:
    """Rows ``start`` … ``start + per_page`` of ``tickets`` (newest first).

    PostgreSQL either walks the tickets backwards testing each one's document, or takes
    every match from the GIN index and sorts them, by its estimate of how many tickets
    match; at a million tickets a wrong estimate costs 0.2 to 0.6 s either way: words
    that occur together (``Print credit``) are underestimated, so 20,000 matches are
    fetched and sorted; a word it has no statistics for (a rare name, a ticket number)
    is overestimated, so the tickets are walked down to the oldest match. Hence two
    steps: the newest ``RECENT_WINDOW`` tickets are walked (at most the window); if
    they hold the whole page, that is the page (every other match is older). If not,
    matches are rare: ordered by an expression no index gives, the statement has to
    take them all from the index and sort them. ``below``: the window ends there (a
    cursor), not at the newest ticket."""
    if recent is not None:
        if below is None:
            newest = Ticket.objects.aggregate(newest=Max("pk"))["newest"] or 0
        else:
            newest = below - 1
        if newest > RECENT_WINDOW:
            with _walking():
                window = recent(newer_than=newest - RECENT_WINDOW)
                if below is not None:
                    window = window.filter(pk__lt=below)
                rows = list(window[start : start + per_page])
            if len(rows) == per_page:
                return rows
            unwalked = tickets.order_by(OrderBy(F("pk") + 0, descending=True))
            return list(unwalked[start : start + per_page])
    return list(tickets[start : start + per_page])


@contextmanager
def _walking() -> Iterator[None]:
    """PostgreSQL: no bitmap scans (so no GIN index) for the statements inside: the
    tickets of the window are walked by id and each document tested. With a phrase
    the planner's estimate can be far off (``Zwei-Faktor-Authentifizierung neues``: 3
    rows for 25,000), and it would take every match from the index and read all of
    them to find those in the window."""
    if connection.vendor != "postgresql":
        yield
        return
    # Outside a transaction (a request) the block's own commit ends the setting; inside
    # one, SET LOCAL would last to the end of the enclosing transaction: set it back.
    enclosed = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        row = None
        if enclosed:
            cursor.execute("SELECT current_setting('enable_bitmapscan')")
            row = cursor.fetchone()
        cursor.execute("SELECT set_config('enable_bitmapscan', 'off', true)")
        # After an error the rollback of this block takes the setting back.
        yield
        if enclosed:
            cursor.execute(
                "SELECT set_config('enable_bitmapscan', %s, true)", [row[0] if row else "on"]
            )
