"""The named ticket lists, their counts and the top bar counters."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets import overviews
from sportello.tickets.models import Ticket
from sportello.web import zoom
from tests.web.overview_helpers import ticket_in, tickets

pytestmark = pytest.mark.django_db
__all__ = ["tickets"]  # fixtures


def titles(queryset: object) -> set[str]:
    return {t.title for t in queryset}  # type: ignore[attr-defined]


def ticket_statements(captured: CaptureQueriesContext) -> int:
    """Statements that read tickets; besides them, at most the configuration cache's
    token check (once a second) may run."""
    reading = [q for q in captured.captured_queries if "tickets_ticket" in q["sql"]]
    assert len(captured) - len(reading) <= 1, captured.captured_queries
    return len(reading)


EXPECTED = {
    "locked": {"t-locked"},
    "watched": {"t-watched"},
    "responsible": {"t-responsible"},
    "new": {"t-new"},
    "open": {"t-open", "t-escalated", "t-locked", "t-responsible", "t-watched"},
    "reminder": {"t-reminder"},
    "escalated": {"t-escalated"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_list_holds_its_tickets(agent: User, tickets: dict[str, Ticket], name: str) -> None:
    assert titles(overviews.ticket_list(agent, name)) == EXPECTED[name]


def test_all_and_my_queues_leave_closed_tickets_out(
    agent: User, tickets: dict[str, Ticket], queue: Queue, group: object
) -> None:
    everything = {t.title for t in tickets.values()} - {"t-closed"}
    assert titles(overviews.ticket_list(agent, "all")) == everything
    assert titles(overviews.ticket_list(agent, "my_queues")) == set()
    agent.my_queues.add(queue)
    assert titles(overviews.ticket_list(agent, "my_queues")) == everything


def test_counts_match_the_lists_in_one_statement(agent: User, tickets: dict[str, Ticket]) -> None:
    names = list(overviews.LISTS)
    overviews.count_lists(agent, names)  # fills the state id cache
    with CaptureQueriesContext(connection) as captured:
        counts = overviews.count_lists(agent, names)
    assert ticket_statements(captured) == 1
    for name in names:
        assert counts[name] == overviews.ticket_list(agent, name).count(), name


def test_unknown_list_name_raises(agent: User) -> None:
    with pytest.raises(KeyError):
        overviews.ticket_list(agent, "nope")


def test_an_agent_without_read_permission_sees_nothing(
    agent: User, tickets: dict[str, Ticket]
) -> None:
    agent.is_active = False
    agent.save()
    assert overviews.count_lists(agent, list(overviews.LISTS)) == dict.fromkeys(overviews.LISTS, 0)
    assert overviews.counters(agent).escalated == 0


def test_counters_and_watched_news_marker(agent: User, tickets: dict[str, Ticket]) -> None:
    overviews.counters(agent)
    with CaptureQueriesContext(connection) as captured:
        counters = overviews.counters(agent)
    assert ticket_statements(captured) == 1
    assert (counters.locked, counters.watched, counters.responsible, counters.escalated) == (
        1,
        1,
        1,
        1,
    )
    # The watched ticket's article was written by someone else and never shown.
    assert counters.watched_news
    zoom.mark_seen(agent, list(tickets["watched"].articles.all()))
    assert not overviews.counters(agent).watched_news


def test_queue_state_counts_and_per_state_type(
    agent: User, other_agent: User, tickets: dict[str, Ticket], queue: Queue, group: object
) -> None:
    second = ensure_queue("IT::Print", group=group)
    ticket_in(second, Actor(user=other_agent), "t-print")
    counts = overviews.queue_state_counts(agent)
    assert sum(counts[queue.pk].values()) == 8
    assert sum(counts[second.pk].values()) == 1
    by_type = overviews.count_lists_by_type(agent, list(overviews.STATUS_TYPES))
    assert by_type == {"new": 2, "open": 5, "pending reminder": 2, "pending auto": 0}


def test_per_day_counts_created_and_closed(agent: User, tickets: dict[str, Ticket]) -> None:
    days = overviews.per_day(agent)
    assert len(days) == 7
    assert days[-1].created == len(tickets) and days[-1].closed == 1
    assert sum(d.created for d in days[:-1]) == 0


def test_the_chart_is_computed_once_per_period_for_the_same_read_permissions(
    agent: User, other_agent: User, queue: Queue, actor: Actor, settings: Any
) -> None:
    from django.core.cache import cache

    outsider = User.objects.create_user("agent3", password="pw-agent3-long")

    from tests.web.overview_helpers import ticket_in

    settings.SPORTELLO_STATS_CACHE_SECONDS = 300
    cache.clear()
    ticket_in(queue, actor, "first")
    assert overviews.per_day_cached(agent)[-1].created == 1
    ticket_in(queue, actor, "second")
    assert overviews.per_day_cached(agent)[-1].created == 1  # within the period: as computed
    assert overviews.per_day(agent)[-1].created == 2
    # Agents with the same read permissions share it; one without has a chart of its own.
    assert overviews.per_day_cached(other_agent)[-1].created == 1
    assert overviews.per_day_cached(outsider)[-1].created == 0
    cache.clear()
    assert overviews.per_day_cached(agent)[-1].created == 2


def test_sorting_by_columns(agent: User, tickets: dict[str, Ticket]) -> None:
    base = overviews.ticket_list(agent, "all")
    by_title = [t.title for t in overviews.ordered(base, "title")]
    assert by_title == sorted(by_title)
    assert [t.title for t in overviews.ordered(base, "-title")] == by_title[::-1]
    newest = overviews.ordered(base, "bogus").first()
    assert newest is not None and newest.title == "t-watched"


def test_top_bar_on_agent_pages_adds_one_statement(
    client: Client, agent: User, tickets: dict[str, Ticket]
) -> None:
    client.force_login(agent)
    response = client.get("/notifications/")
    content = response.content.decode()
    assert 'data-counter="locked"' in content and "data-watched-news" in content
    with CaptureQueriesContext(connection) as captured:
        client.get("/notifications/")
    counter_queries = [q for q in captured if "tickets_ticketwatch" in q["sql"]]
    assert len(counter_queries) == 1


def test_escalated_list_is_earliest_due_first(agent: User, other_agent: User, queue: Queue) -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    actor = Actor(user=other_agent)
    later = ticket_in(queue, actor, "t-later", state="open", update_due=now - timedelta(hours=1))
    first = ticket_in(
        queue, actor, "t-first", state="open", first_response_due=now - timedelta(days=1)
    )
    ticket_in(queue, actor, "t-future", state="open", solution_due=now + timedelta(hours=1))
    listed = list(overviews.ordered(overviews.ticket_list(agent, "escalated"), ""))
    assert listed == [first, later]
    assert overviews.counters(agent).escalated == 2


def test_reached_reminders_come_longest_reached_first(
    agent: User, queue: Queue, actor: Actor
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from tests.web.overview_helpers import ticket_in

    now = timezone.now()
    for title, hours in (("r-2h", 2), ("r-5h", 5), ("r-1h", 1)):
        ticket_in(queue, actor, title, state="pending reminder")
        Ticket.objects.filter(title=title).update(pending_until=now - timedelta(hours=hours))
    reached = overviews.ticket_list(agent, "reminder", now=now)
    assert [t.title for t in overviews.ordered(reached, "")] == ["r-5h", "r-2h", "r-1h"]
    # A sort the agent chose still applies.
    assert [t.title for t in overviews.ordered(reached, "-pending")] == ["r-1h", "r-2h", "r-5h"]


def test_the_counters_statement_is_built_once_and_follows_the_tickets_and_the_time(
    agent: User, queue: Queue, actor: Actor, monkeypatch: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from sportello.tickets import actions
    from tests.web.overview_helpers import ticket_in

    built: list[object] = []
    real = overviews.counters_query

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(kwargs.get("now"))
        return real(*args, **kwargs)

    monkeypatch.setattr(overviews, "counters_query", counting)
    now = timezone.now()
    ticket_in(queue, actor, "due soon", state="open", solution_due=now + timedelta(hours=1))
    other = ticket_in(queue, actor, "to lock", state="open")
    before = overviews.counters(agent, now=now)
    actions.lock(other, actor=Actor(user=agent))
    after = overviews.counters(agent, now=now)
    assert (before.locked, after.locked) == (0, 1)  # the same statement, the rows of now
    assert overviews.counters(agent, now=now).escalated == 0
    later = overviews.counters(agent, now=now + timedelta(hours=2))
    assert later.escalated == 1  # the same statement, run with the later time
    assert len(built) == 1
    # Another set of lists is another statement.
    overviews.counters(agent, now=now, lists={"x": ("new", overviews.NO_FILTER)})
    assert len(built) == 2
