"""The dashboard page, its widgets and each agent's widget settings."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets.models import Ticket
from sportello.web import dashboard
from sportello.web.models import WidgetSetting
from tests.queries import statements
from tests.web.overview_helpers import logged_in, scenario, tickets

pytestmark = pytest.mark.django_db
__all__ = ["logged_in", "tickets"]  # fixtures

HTMX = {"HTTP_HX_REQUEST": "true"}  # the widgets fetch their bodies with htmx


def widget_html(content: str, name: str) -> str:
    match = re.search(rf'<section class="widget" data-widget="{name}".*?</section>', content, re.S)
    assert match, name
    return match.group(0)


def widget_order(content: str) -> list[str]:
    return re.findall(r'<section class="widget" data-widget="([a-z]+)"', content)


@pytest.mark.parametrize(
    ("widget", "shown", "hidden"),
    [
        ("new", "t-new", "t-open"),
        ("open", "t-open", "t-new"),
        ("reminder", "t-reminder", "t-future"),
        ("escalated", "t-escalated", "t-open"),
    ],
)
def test_list_widgets(
    logged_in: Client, tickets: dict[str, Ticket], widget: str, shown: str, hidden: str
) -> None:
    html = widget_html(logged_in.get("/").content.decode(), widget)
    assert tickets[shown.removeprefix("t-")].number in html
    assert tickets[hidden.removeprefix("t-")].number not in html


@pytest.mark.parametrize(
    ("tab", "count", "shown"),
    [
        ("locked", 1, "locked"),
        ("watched", 1, "watched"),
        ("responsible", 1, "responsible"),
        ("my_queues", 0, None),
        ("all", 8, "new"),
    ],
)
def test_ticket_list_tabs_with_counts(
    logged_in: Client, tickets: dict[str, Ticket], tab: str, count: int, shown: str | None
) -> None:
    response = logged_in.get(f"/dashboard/tickets/?tab={tab}", **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        rf'data-tab="{tab}" aria-current="true">[^<]*<span class="badge" data-count>{count}<',
        content,
    )
    if shown:
        assert tickets[shown].number in content
    else:
        assert "data-empty" in content
    assert dashboard.settings_of(User.objects.get(username="agent1"), "tickets").tab == tab
    # The tab is kept: the dashboard opens on it.
    assert f'data-tab="{tab}" aria-current="true"' in logged_in.get("/").content.decode()


def test_queue_overview_and_statistics_widgets(
    logged_in: Client, tickets: dict[str, Ticket], queue: Queue
) -> None:
    content = logged_in.get("/").content.decode()
    queues = widget_html(content, "queues")
    assert f'data-queue="{queue.full_name}"' in queues
    assert re.search(r"<td class=\"num\" data-total>8</td>", queues)
    stats = widget_html(content, "stats")
    assert "<svg" in stats and stats.count("<rect") == 14
    assert re.findall(r"<td data-created>(\d+)</td>", stats)[-1] == "9"
    assert re.findall(r"<td data-closed>(\d+)</td>", stats)[-1] == "1"
    assert "style=" not in content and "<script>" not in content


def test_sort_by_column_head_is_kept(
    logged_in: Client, agent: User, tickets: dict[str, Ticket]
) -> None:
    content = logged_in.get(
        "/dashboard/tickets/?tab=all&sort=title", HTTP_HX_REQUEST="true"
    ).content.decode()
    titles = re.findall(r"<td>(t-[a-z]+)</td>", content)
    assert titles == sorted(titles) and len(titles) == 8
    assert 'aria-sort="ascending"><a href="/dashboard/tickets/?sort=-title"' in content
    content = logged_in.get(
        "/dashboard/tickets/?sort=-title", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert re.findall(r"<td>(t-[a-z]+)</td>", content) == sorted(titles, reverse=True)
    assert dashboard.settings_of(agent, "tickets").sort == "-title"
    # A bad sort key is ignored, the kept sort stays.
    assert logged_in.get("/dashboard/tickets/?sort=nonsense", **HTMX).status_code == 200
    assert dashboard.settings_of(agent, "tickets").sort == "-title"


def test_pagination_and_rows_per_page(
    logged_in: Client, agent: User, tickets: dict[str, Ticket]
) -> None:
    response = logged_in.post(
        "/dashboard/tickets/settings/", {"per_page": "5", "columns": ["number", "title"]}
    )
    assert response.status_code == 302
    state = dashboard.settings_of(agent, "tickets")
    assert (state.per_page, state.columns) == (5, ["number", "title"])
    first = logged_in.get(
        "/dashboard/tickets/?tab=all&sort=title", HTTP_HX_REQUEST="true"
    ).content.decode()
    second = logged_in.get("/dashboard/tickets/?page=2", **HTMX).content.decode()
    one, two = (re.findall(r"<td>(t-[a-z]+)</td>", c) for c in (first, second))
    assert len(one) == 5 and len(two) == 3 and not set(one) & set(two)
    assert 'data-page="2" aria-current="page"' in second
    assert len(re.findall(r"<th[ >]", first)) == 2
    # Out-of-range and garbage pages are clamped.
    assert logged_in.get("/dashboard/tickets/?page=999", **HTMX).status_code == 200
    assert logged_in.get("/dashboard/tickets/?page=x", **HTMX).status_code == 200


def test_widget_links_without_javascript_open_the_whole_dashboard(
    logged_in: Client, agent: User, tickets: dict[str, Ticket]
) -> None:
    """Sort, tab and page links are plain links too: the dashboard at that widget."""
    logged_in.post("/dashboard/tickets/settings/", {"per_page": "5", "columns": ["title"]})
    response = logged_in.get("/dashboard/tickets/?tab=all&sort=-title")
    assert response.status_code == 302 and response["Location"] == "/#title-tickets"
    assert dashboard.settings_of(agent, "tickets").sort == "-title"
    response = logged_in.get("/dashboard/tickets/?page=2")
    assert response["Location"] == "/?tickets-page=2#title-tickets"
    page = logged_in.get("/?tickets-page=2").content.decode()
    assert "<html" in page and 'data-page="2" aria-current="page"' in page
    titles = re.findall(r"<td>(t-[a-z]+)</td>", page.split('id="body-tickets"')[1])
    assert titles[:3] == sorted(titles, reverse=True)[:3] and len(titles) == 3


def test_bad_settings_are_refused_without_change(logged_in: Client, agent: User) -> None:
    response = logged_in.post("/dashboard/new/settings/", {"per_page": "7", "columns": ["title"]})
    assert response.status_code == 302
    assert not WidgetSetting.objects.filter(agent=agent).exists()
    assert logged_in.post("/dashboard/bogus/settings/", {}).status_code == 404
    assert logged_in.get("/dashboard/bogus/").status_code == 404
    assert logged_in.get("/dashboard/queue-view/").status_code == 404
    assert logged_in.post("/dashboard/queue-view/remove/").status_code == 404
    assert logged_in.get("/dashboard/order/").status_code == 405


def test_order_remove_and_restore_persist_per_agent(
    logged_in: Client, agent: User, other_agent: User
) -> None:
    default = widget_order(logged_in.get("/").content.decode())
    assert default == ["new", "open", "reminder", "escalated", "tickets", "queues", "stats"]
    response = logged_in.post(
        "/dashboard/order/",
        {"widget": ["tickets", "escalated", "new", "stats", "queues", "bogus"]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    order = widget_order(logged_in.get("/").content.decode())
    assert order == ["tickets", "escalated", "new", "open", "reminder", "stats", "queues"]
    assert logged_in.post("/dashboard/escalated/remove/").status_code == 302
    content = logged_in.get("/").content.decode()
    assert "escalated" not in widget_order(content)
    assert 'data-restore="escalated"' in content
    logged_in.post("/dashboard/escalated/restore/")
    order = widget_order(logged_in.get("/").content.decode())
    # A restored widget comes back at the end of its column.
    assert order == ["tickets", "new", "open", "reminder", "escalated", "stats", "queues"]
    # Another agent keeps the default.
    logged_in.force_login(other_agent)
    assert widget_order(logged_in.get("/").content.decode()) == default


def test_refresh_interval_polls_widget_bodies(
    logged_in: Client, agent: User, tickets: dict[str, Ticket]
) -> None:
    assert 'hx-trigger="every' not in logged_in.get("/").content.decode()
    agent.refresh_seconds = 60
    agent.save()
    content = logged_in.get("/").content.decode()
    # Every widget polls (the FAQ widgets too).
    assert content.count('hx-trigger="every 60s"') == 10


def test_dashboard_queries_do_not_grow_with_tickets(
    logged_in: Client, agent: User, other_agent: User, queue: Queue
) -> None:
    scenario(agent, other_agent, queue, Actor(user=other_agent))
    logged_in.get("/")
    with CaptureQueriesContext(connection) as captured:
        logged_in.get("/")
    before = len(statements(captured))
    scenario(agent, other_agent, queue, Actor(user=other_agent))
    with CaptureQueriesContext(connection) as captured:
        logged_in.get("/")
    assert len(statements(captured)) == before


def test_dashboard_queries_do_not_depend_on_the_clock(
    logged_in: Client, agent: User, other_agent: User, queue: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy machine: minutes pass between two requests. No per-process cache may expire
    by time and add a statement (the default calendar did, after ten seconds)."""
    scenario(agent, other_agent, queue, Actor(user=other_agent))
    logged_in.get("/")
    with CaptureQueriesContext(connection) as captured:
        logged_in.get("/")
    before = len(statements(captured))
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: real() + 3600)
    with CaptureQueriesContext(connection) as captured:
        logged_in.get("/")
    assert len(statements(captured)) == before


def test_dashboard_needs_an_agent(client: Client) -> None:
    assert client.get("/").status_code == 302
    assert client.get("/dashboard/new/").status_code == 302
    client.force_login(User.objects.get(username="system"))
    assert client.get("/dashboard/new/").status_code == 403
    assert client.post("/dashboard/order/", {"widget": ["new"]}).status_code == 403


def test_escalated_widget_shows_due_times_coloured(
    logged_in: Client, tickets: dict[str, Ticket]
) -> None:
    html = widget_html(logged_in.get("/").content.decode(), "escalated")
    escalated = tickets["escalated"]
    assert escalated.number in html
    assert 'class="sla-due-compact"' in html and 'class="sla-escalated"' in html
    assert "Solution" in html  # the clock whose due time has passed


def test_due_times_column_can_be_chosen_in_any_widget(
    logged_in: Client, tickets: dict[str, Ticket]
) -> None:
    html = widget_html(logged_in.get("/").content.decode(), "open")
    assert "sla-due-compact" not in html
    response = logged_in.post(
        "/dashboard/open/settings/",
        {"per_page": "10", "columns": ["number", "title", "due"], "sort": "", "tab": "locked"},
    )
    assert response.status_code in (200, 302)
    html = widget_html(logged_in.get("/").content.decode(), "open")
    assert "Due times" in html


def test_dashboard_statement_count_is_pinned(
    logged_in: Client, agent: User, other_agent: User, queue: Queue
) -> None:
    """A fixed number of statements for every widget and the top bar; raise it only for
    a reason (and measure with ``python -m bench dashboard``)."""
    scenario(agent, other_agent, queue, Actor(user=other_agent))
    logged_in.get("/")
    with CaptureQueriesContext(connection) as captured:
        content = logged_in.get("/").content.decode()
    assert len(statements(captured)) == DASHBOARD_STATEMENTS
    # The top bar shows the counters of that statement.
    assert sum("tickets_ticketwatch" in q["sql"] for q in captured.captured_queries) == 1
    assert re.search(r'data-counter="locked"[^>]*>[^<]*<span class="badge">1<', content)


# Session, user, grants, widget settings; one statement for the top bar's counters and
# the counts of every widget's lists; each list widget's page; the related rows of all
# pages (queue, state, priority, owner, responsible) and their unseen-article markers;
# the queue overview (one); created and closed per day (two); the notification badge.
DASHBOARD_STATEMENTS = 20


def test_settings_forms_are_loaded_when_opened(
    logged_in: Client, tickets: dict[str, Ticket]
) -> None:
    content = logged_in.get("/").content.decode()
    assert 'name="per_page"' not in content and 'name="queues"' not in content
    assert 'hx-get="/dashboard/tickets/settings/" hx-trigger="toggle once"' in content
    fragment = logged_in.get("/dashboard/tickets/settings/", **HTMX)
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html
    for name in ("per_page", "columns", "queues", "states", "priorities", "types", "lock"):
        assert f'name="{name}"' in html, name
    # Without htmx a page of its own; only ticket list widgets have settings.
    assert "<html" in logged_in.get("/dashboard/tickets/settings/").content.decode()
    assert logged_in.get("/dashboard/queues/settings/").status_code == 404


def test_saved_filter_narrows_the_list_and_its_counts(
    logged_in: Client, agent: User, tickets: dict[str, Ticket]
) -> None:
    open_state = tickets["open"].state
    response = logged_in.post(
        "/dashboard/tickets/settings/",
        {
            "per_page": "10",
            "columns": ["number", "title"],
            "states": [str(open_state.pk)],
            "lock": "unlock",
        },
    )
    assert response.status_code == 302
    state = dashboard.settings_of(agent, "tickets")
    assert state.filter.states == (open_state.pk,) and state.filter.lock == "unlock"
    content = logged_in.get("/dashboard/tickets/?tab=all", **HTMX).content
    html = content.decode()
    # Open and unlocked: escalated, responsible, watched (open is locked by the other
    # agent, locked by the agent); not new, not closed.
    assert re.search(
        r'data-tab="all" aria-current="true">[^<]*<span class="badge" data-count>3<', html
    )
    for name in ("escalated", "responsible", "watched"):
        assert tickets[name].number in html
    for name in ("new", "open", "locked", "reminder"):
        assert tickets[name].number not in html
    page = logged_in.get("/").content.decode()
    assert "data-filtered" in widget_html(page, "tickets")
    assert "data-filtered" not in widget_html(page, "new")
    # The form shows the saved filter.
    form = logged_in.get("/dashboard/tickets/settings/", **HTMX).content.decode()
    assert re.search(rf'value="{open_state.pk}"[^>]*checked', form)
    assert '<option value="unlock" selected>' in form
    # A priority filter (no tally of its own needed: priority is a tally column too).
    priority = tickets["escalated"].priority
    logged_in.post(
        "/dashboard/escalated/settings/",
        {"per_page": "10", "columns": ["number"], "priorities": [str(priority.pk + 1000)]},
    )
    assert dashboard.settings_of(agent, "escalated").filter.priorities == ()


def test_filter_of_hidden_queue_shows_nothing(
    logged_in: Client, agent: User, tickets: dict[str, Ticket]
) -> None:
    from sportello.accounts import provisioning
    from sportello.queues.services import ensure_queue

    group, _ = provisioning.add_group("secret")
    secret = ensure_queue("Secret", group=group)
    # A stored filter naming a queue the agent cannot read (no longer offered).
    dashboard.update(agent, "tickets", filter=dashboard.filter_from({"queues": [secret.pk]}))
    html = logged_in.get("/dashboard/tickets/?tab=all", **HTMX).content.decode()
    assert re.search(
        r'data-tab="all" aria-current="true">[^<]*<span class="badge" data-count>0<', html
    )
