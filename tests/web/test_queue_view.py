"""Queue view, the ticket overviews (my locked / watched / responsible, status,
escalation) and bulk actions."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import History, Lock, Priority, Ticket, TicketLink
from sportello.web import dashboard
from tests.queries import statements
from tests.web.overview_helpers import logged_in, state, ticket_in, tickets

pytestmark = pytest.mark.django_db
__all__ = ["logged_in", "tickets"]  # fixtures


def shown(content: str) -> set[str]:
    return set(re.findall(r'<tr data-ticket="(\d+)">', content))


def numbers(tickets: dict[str, Ticket], *names: str) -> set[str]:
    return {tickets[n].number for n in names}


OPEN = ("new", "open", "reminder", "future", "escalated", "locked", "responsible", "watched")


def test_queue_view_defaults_to_my_queues_available(
    logged_in: Client, agent: User, tickets: dict[str, Ticket], queue: Queue
) -> None:
    content = logged_in.get("/queues/").content.decode()
    assert shown(content) == set() and "data-empty" in content
    agent.my_queues.add(queue)
    content = logged_in.get("/queues/").content.decode()
    # Available = unlocked: the two locked tickets are missing.
    assert shown(content) == numbers(tickets, *OPEN) - numbers(tickets, "locked", "open")
    content = logged_in.get("/queues/?tab=all").content.decode()
    assert shown(content) == numbers(tickets, *OPEN)
    assert re.search(r'data-tab="all" aria-current="true">[^<]*<span class="badge">8<', content)


def test_queue_tree_with_counts_and_sub_queues(
    logged_in: Client, other_agent: User, tickets: dict[str, Ticket], queue: Queue, group: object
) -> None:
    printers = ensure_queue("IT::Print", group=group)
    printed = ticket_in(printers, Actor(user=other_agent), "t-print")
    content = logged_in.get("/queues/").content.decode()
    it = queue.parent.parent  # type: ignore[union-attr]
    parent = rf'data-queue="{it.full_name}"><a href="\?queue=\d+">IT</a> <span class="badge">9<'
    assert re.search(parent + r"/span>\s*<details open><summary>Sub-queues of IT<", content)
    assert "<summary><a" not in content  # no link inside the disclosure's toggle
    leaf = r'data-queue="IT::Print"><a href="\?queue=\d+">Print</a> <span class="badge">1<'
    assert re.search(leaf, content)
    content = logged_in.get(f"/queues/?queue={printers.pk}&tab=all").content.decode()
    assert shown(content) == {printed.number}
    assert logged_in.get("/queues/?queue=999999").status_code == 404
    assert logged_in.get("/queues/?queue=abc").status_code == 404


@pytest.mark.parametrize("density", ["S", "M", "L"])
def test_densities(
    logged_in: Client, agent: User, tickets: dict[str, Ticket], queue: Queue, density: str
) -> None:
    agent.my_queues.add(queue)
    content = logged_in.get(f"/queues/?tab=all&density={density}").content.decode()
    assert f'data-density="{density}" aria-current="true"' in content
    assert ("<th><a" in content) and (content.count("Customer user") >= (density != "S"))
    assert ('class="latest-article"' in content) == (density == "L")
    if density == "L":
        assert "Das WLAN geht nicht." in content
    assert dashboard.settings_of(agent, "queue-view").density == density


def test_columns_and_sort_of_the_queue_view(
    logged_in: Client, agent: User, tickets: dict[str, Ticket], queue: Queue
) -> None:
    agent.my_queues.add(queue)
    response = logged_in.post(
        "/queues/settings/",
        {"per_page": "25", "columns": ["number", "title", "priority"], "next": "/queues/?tab=all"},
    )
    assert response.status_code == 302 and response["Location"] == "/queues/?tab=all"
    content = logged_in.get("/queues/?tab=all&sort=-title").content.decode()
    heads = re.findall(r'data-sort="([a-z]+)"', content)
    assert heads == ["number", "title", "priority"]
    titles = re.findall(r"<td>(t-[a-z]+)</td>", content)
    assert titles == sorted(titles, reverse=True)
    bad = logged_in.post("/queues/settings/", {"per_page": "25", "next": "//evil.example"})
    assert bad["Location"] == "/queues/"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("locked", ("locked",)),
        ("watched", ("watched",)),
        ("responsible", ("responsible",)),
        ("escalated", ("escalated",)),
        ("reminder", ("reminder",)),
        ("new", ("new",)),
    ],
)
def test_overviews(
    logged_in: Client, tickets: dict[str, Ticket], name: str, expected: tuple[str, ...]
) -> None:
    content = logged_in.get(f"/overview/{name}/").content.decode()
    assert shown(content) == numbers(tickets, *expected)


def test_unknown_overview_is_404(logged_in: Client) -> None:
    assert logged_in.get("/overview/closed/").status_code == 404


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("new", ("new",)),
        ("open", ("open", "escalated", "locked", "responsible", "watched")),
        ("pending-reminder", ("reminder", "future")),
        ("pending-auto", ()),
    ],
)
def test_status_view_by_state_type(
    logged_in: Client, tickets: dict[str, Ticket], slug: str, expected: tuple[str, ...]
) -> None:
    content = logged_in.get(f"/overview/status/?type={slug}").content.decode()
    assert shown(content) == numbers(tickets, *expected)
    assert re.search(
        rf'data-tab="{slug}" aria-current="true">[^<]*<span class="badge">{len(expected)}<', content
    )


def test_status_view_rejects_unknown_types(logged_in: Client) -> None:
    assert logged_in.get("/overview/status/?type=closed").status_code == 404


def bulk(client: Client, tickets: list[Ticket], **data: object) -> str:
    response = client.post(
        "/tickets/bulk/",
        {"ticket": [t.pk for t in tickets], "next": "/overview/status/", **data},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def history_count(ticket: Ticket, type: str) -> int:
    return History.objects.filter(ticket=ticket, type=type).count()


def test_bulk_priority_state_and_note_write_one_row_per_ticket(
    logged_in: Client, tickets: dict[str, Ticket]
) -> None:
    chosen = [tickets["new"], tickets["watched"]]
    high = Priority.objects.get(name="5 very high")
    content = bulk(logged_in, chosen, action="priority", priority=high.pk)
    assert "Done for 2 tickets." in content
    for ticket in chosen:
        ticket.refresh_from_db()
        assert ticket.priority == high
        assert history_count(ticket, HistoryType.PRIORITY_UPDATE) == 1
    bulk(logged_in, chosen, action="note", subject="s", body="checked")
    for ticket in chosen:
        assert ticket.articles.filter(body="checked").count() == 1
    bulk(logged_in, chosen, action="state", state=state("closed successful").pk)
    for ticket in chosen:
        ticket.refresh_from_db()
        assert ticket.state.name == "closed successful"


def test_bulk_lock_reports_refusals_and_keeps_the_rest(
    logged_in: Client, agent: User, tickets: dict[str, Ticket]
) -> None:
    content = bulk(logged_in, [tickets["new"], tickets["open"]], action="lock")
    assert "Done for 1 tickets." in content
    assert f"{tickets['open'].number}: " in content  # locked by the other agent
    tickets["new"].refresh_from_db()
    assert tickets["new"].lock == Lock.LOCK and tickets["new"].owner == agent
    bulk(logged_in, [tickets["new"]], action="unlock")
    tickets["new"].refresh_from_db()
    assert tickets["new"].lock == Lock.UNLOCK


def test_bulk_move_owner_responsible_link_merge(
    logged_in: Client, other_agent: User, tickets: dict[str, Ticket], group: object
) -> None:
    target_queue = ensure_queue("IT::Print", group=group)
    bulk(logged_in, [tickets["new"]], action="move", queue=target_queue.pk)
    assert Ticket.objects.get(pk=tickets["new"].pk).queue == target_queue
    bulk(logged_in, [tickets["watched"]], action="owner", owner=other_agent.pk)
    assert Ticket.objects.get(pk=tickets["watched"].pk).owner == other_agent
    bulk(logged_in, [tickets["watched"]], action="responsible", responsible=other_agent.pk)
    assert Ticket.objects.get(pk=tickets["watched"].pk).responsible == other_agent
    bulk(logged_in, [tickets["new"]], action="link", target=tickets["watched"].number)
    assert TicketLink.objects.filter(source=tickets["new"], target=tickets["watched"]).exists()
    bulk(logged_in, [tickets["future"]], action="merge", target=tickets["watched"].number)
    assert Ticket.objects.get(pk=tickets["future"].pk).merged_into_id == tickets["watched"].pk


def test_bulk_bad_input_changes_nothing(logged_in: Client, tickets: dict[str, Ticket]) -> None:
    content = bulk(logged_in, [tickets["new"]], action="move")
    assert "needs a value" in content
    content = bulk(logged_in, [tickets["new"]], action="merge", target="000")
    assert "was not found" in content
    content = bulk(logged_in, [], action="lock")
    assert "Select tickets and an action." in content
    content = bulk(logged_in, [tickets["new"]], action="explode")
    assert "Select tickets and an action." in content
    assert Ticket.objects.get(pk=tickets["new"].pk).lock == Lock.UNLOCK


def test_bulk_skips_tickets_the_agent_may_not_see(
    logged_in: Client, agent: User, tickets: dict[str, Ticket]
) -> None:
    agent.is_active = False  # no read permission anywhere
    agent.save()
    logged_in.force_login(agent)
    response = logged_in.post("/tickets/bulk/", {"ticket": [tickets["new"].pk], "action": "lock"})
    assert response.status_code == 302  # inactive accounts are sent to log in
    assert Ticket.objects.get(pk=tickets["new"].pk).lock == Lock.UNLOCK


def test_bulk_service_reports_invisible_tickets(agent: User, tickets: dict[str, Ticket]) -> None:
    from sportello.tickets import bulk as service

    agent.is_active = False
    result = service.apply(Actor(user=agent), [tickets["new"].pk], "lock")
    assert result.done == [] and result.failed == [(str(tickets["new"].pk), "not found")]


def test_overview_pages_reload_at_the_agents_interval(logged_in: Client, agent: User) -> None:
    assert "data-refresh" not in logged_in.get("/queues/").content.decode()
    agent.refresh_seconds = 120
    agent.save()
    for path in ("/queues/", "/overview/locked/", "/overview/status/"):
        assert 'data-refresh="120"' in logged_in.get(path).content.decode(), path


def test_queue_view_statements_are_pinned(
    logged_in: Client, agent: User, tickets: dict[str, Ticket], queue: Queue
) -> None:
    """The queue view's tab counts and tree are sums of tallies: the ticket table is read
    only for the page itself, and the number of statements is fixed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent.my_queues.add(queue)
    logged_in.get("/queues/")
    with CaptureQueriesContext(connection) as captured:
        logged_in.get("/queues/")
    sql = statements(captured)
    assert len(sql) == QUEUE_VIEW_STATEMENTS
    counting = [s for s in sql if "tickets_tickettally" in s]
    assert len(counting) == 2  # the tab counts and the tree
    assert not [s for s in counting if '"tickets_ticket"' in s]


# Session, user, grants; tab counts; tree counts and queues; the view's settings; the
# page, its related rows (queue, state, priority, owner, responsible) and unseen-article
# markers; the notification badge; the top bar; the bulk form's choices (queues, states,
# priorities, types, services, SLAs, agents as owner and as responsible); the dynamic
# fields of the column chooser (with the values of any chosen field column).
QUEUE_VIEW_STATEMENTS = 25
