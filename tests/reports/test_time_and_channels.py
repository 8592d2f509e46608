"""Accounted time in the statistics, the channel and request-form mix, and the update
time of the SLA compliance report, over the fixed history of ``conftest.py`` with a few
more articles (tables worked out by hand, on SQLite and PostgreSQL alike):

- the SLA "Report SLA" gets an update time of 100 working minutes;
- T3 (A): the customer's request Fri 27 Mar 16:00 answered Mon 30 Mar 09:00 (120,
  across the DST change: breached); the customer writes Thu 30 Apr 16:00 and 16:30 (one
  contact), answered Mon 4 May 08:30 with 30 accounted minutes (60 + 30 across the
  holiday of 1 May: met); the customer writes Tue 5 May 10:00, never answered (due
  11:40: breached);
- T4 (A): its request Thu 30 Apr 16:30 is never answered, the ticket closed (neither);
  a note Thu 30 Apr 17:00 with 45 accounted minutes;
- T1 (B now, created in A): a note Tue 10 Feb 11:00 with 15 accounted minutes."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from sportello.accounts.models import User
from sportello.core import cache as configuration_cache
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.sla import services as sla_services
from sportello.sla.models import SLA
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.origin import Origin
from tests.reports.conftest import Scenario, berlin
from tests.reports.test_engine import MONTHS, PERIOD, body, run


def _at(moment: Any) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def extended(scenario: Scenario) -> Scenario:
    SLA.objects.filter(name="Report SLA").update(update_minutes=100)
    sla_services.clear_caches()
    configuration_cache.bump()  # as the admin's save does: the SLA code sees the change
    worker = User.objects.get(username="worker")
    actor = Actor(user=worker, channel="web")
    t1, t3, t4 = (scenario.tickets[name] for name in ("T1", "T3", "T4"))

    def customer(ticket: Any, when: Any) -> None:
        with _at(when):
            actions.add_article(
                ticket, ArticleInput(channel="email", sender_type="customer", body="?"), actor=actor
            )

    with _at(berlin(2026, 2, 10, 11)):
        actions.note(t1, actor=actor, body="Looked into it", accounted_minutes=15)
    customer(t3, berlin(2026, 4, 30, 16))
    customer(t3, berlin(2026, 4, 30, 16, 30))
    with _at(berlin(2026, 4, 30, 17)):
        actions.note(t4, actor=actor, body="Checked", accounted_minutes=45)
    with _at(berlin(2026, 5, 4, 8, 30)):
        actions.add_article(
            t3,
            ArticleInput(
                channel="email",
                sender_type="agent",
                body="Done",
                visible_for_customer=True,
                accounted_minutes=30,
            ),
            actor=actor,
        )
    customer(t3, berlin(2026, 5, 5, 10))
    return scenario


def test_update_time_compliance_per_customer_contact(extended: Scenario) -> None:
    tables = run(extended, "builtin", {"report": "sla_compliance", "period": PERIOD})["tables"]
    assert [t["title"] for t in tables] == [
        "SLA compliance: First response",
        "SLA compliance: Solution",
        "SLA compliance: Update",
    ]
    update = tables[2]
    assert update["header"][2] == "Customer contacts"
    assert update["rows"] == [
        ["Reports::A", "March 2026", 1, 0, 1, 0.0, 120, 120],
        ["Reports::A", "April 2026", 2, 1, 0, 100.0, 90, 90],
        ["Reports::A", "May 2026", 1, 0, 1, 0.0, None, None],
    ]
    assert update["footer"][:6] == ["Total", "", 4, 1, 2, 33.3]
    # The first response and solution clocks are those of the tickets, as before.
    assert tables[0]["rows"][0] == ["Reports::A", "March 2026", 1, 0, 1, 0.0, 120, 120]


def test_update_time_by_sla_and_percentiles(extended: Scenario) -> None:
    config = {"report": "sla_compliance", "period": PERIOD, "by": "sla", "granularity": "year"}
    update = run(extended, "builtin", config)["tables"][2]
    # Answered contacts: 120 and 90; nearest rank: the median is the 1st, p90 the 2nd.
    assert update["rows"] == [["Report SLA", "2026", 4, 1, 2, 33.3, 90, 120]]


def test_workload_shows_accounted_time_per_agent_and_period(extended: Scenario) -> None:
    workload, per_period = run(extended, "builtin", {"report": "agent_workload", "period": PERIOD})[
        "tables"
    ]
    assert workload["header"][-1] == "Accounted time (minutes)"
    # Two answers (30 Mar, 4 May), three closes, two notes, 15 + 45 + 30 minutes.
    assert workload["rows"] == [["worker", 2, 2, 3, 2, 90]]
    assert body(per_period) == [
        ["Agent", *MONTHS, "Total"],
        ["worker", 0, 15, 0, 45, 30, 90],
        ["Total", 0, 15, 0, 45, 30, 90],
    ]


def test_matrix_sums_accounted_time_where_the_tickets_count(extended: Scenario) -> None:
    config = {"x": {"attribute": "queue"}, "period": PERIOD, "value": "accounted_time"}
    table = run(extended, "matrix", config)["tables"][0]
    # T1 counts in A, where it was created (it is in B now).
    assert table["title"] == "Accounted time (minutes)"
    assert body(table) == [
        ["Queue", "Reports::A", "Reports::B", "Total"],
        ["Total", 90, 0, 90],
        ["Total", 90, 0, 90],
    ]
    assert table["kinds"][1] == "minutes"
    monthly = {
        "x": {"attribute": "time", "granularity": "month"},
        "period": PERIOD,
        "value": "accounted_time",
        "time_field": "closed",
    }
    closed = run(extended, "matrix", monthly)["tables"][0]
    # Closed in February: T1 (15) and T2 (0); in May: T4 (45).
    assert closed["rows"] == [["Total", 0, 15, 0, 0, 45, 60]]


def test_matrix_refuses_accounted_time_over_history_rows(extended: Scenario) -> None:
    config = {
        "x": {"attribute": "queue"},
        "period": PERIOD,
        "value": "accounted_time",
        "time_field": "history",
    }
    with pytest.raises(InvalidInput):
        run(extended, "matrix", config)


def test_list_shows_and_sorts_by_accounted_time(extended: Scenario) -> None:
    config = {
        "columns": ["title", "accounted_minutes"],
        "period": PERIOD,
        "sort": "accounted_minutes",
        "descending": True,
    }
    table = run(extended, "list", config)["tables"][0]
    assert table["header"] == ["Title", "Accounted time (minutes)"]
    assert table["rows"] == [["T4", 45], ["T3", 30], ["T1", 15], ["T2", 0]]
    hidden_column = run(extended, "list", {**config, "columns": ["title"], "limit": 1})
    assert hidden_column["tables"][0]["rows"] == [["T4"]]


def test_channel_and_request_form_mix(scenario: Scenario) -> None:
    worker = User.objects.get(username="worker")
    a = scenario.a

    def create(when: Any, channel: str, origin: Origin | None, article: str = "web") -> None:
        with _at(when):
            actions.create_ticket(
                title="mix",
                queue=a,
                actor=Actor(user=worker, channel=channel),
                article=ArticleInput(channel=article, sender_type="customer", body="x"),
                origin=origin,
            )

    laptop = Origin(channel="web", request_form_id=7, request_form_name="Laptop")
    create(berlin(2026, 4, 2, 10), "web", laptop)
    create(
        berlin(2026, 4, 3, 10),
        "web",
        Origin(
            channel="web",
            request_form_id=7,
            request_form_name="Laptop",
            faq_suggestion_opened=True,
        ),
    )
    create(berlin(2026, 5, 6, 10), "api", None, article="internal")
    create(berlin(2026, 5, 7, 10), "api", Origin(channel="gi"), article="email")
    create(berlin(2026, 5, 8, 10), "mail", None, article="email")
    table = run(scenario, "builtin", {"report": "channel_mix", "period": PERIOD})["tables"][0]
    assert table["title"] == "New tickets by channel and request form"
    assert body(table) == [
        ["Channel", *MONTHS, "Total"],
        ["API", 0, 0, 0, 0, 1, 1],
        ["email", 0, 0, 0, 0, 1, 1],
        ["GenericInterface", 0, 0, 0, 0, 1, 1],
        ["phone", 1, 1, 1, 1, 0, 4],
        ["web form: Laptop", 0, 0, 0, 2, 0, 2],
        ["FAQ suggestion opened, still sent", 0, 0, 0, 1, 0, 1],
        ["Total", 1, 1, 1, 3, 3, 9],
    ]
