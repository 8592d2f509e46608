"""A small fixed history for the statistics (times in Berlin, the agent's zone):

- T1 created 15 Jan in A, moved to B on 10 Feb, closed 20 Feb (in B);
- T2 created 5 Feb in B, closed 6 Feb, reopened 2 Mar;
- T3 created Fri 27 Mar 16:00 in A (before the DST change of 29 Mar), answered Mon
  30 Mar 09:00: 60 + 60 working minutes;
- T4 created Thu 30 Apr 16:30 in A, closed Mon 4 May 09:30 across the holiday of 1 May:
  30 + 90 working minutes;
- T5 created 20 Jan in the hidden queue H (the agent may not read it).

Queue A has the SLA "Report SLA" (first response 60, solution 480 working minutes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.sla import services as sla_services
from sportello.sla.models import SLA, Calendar, Holiday
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import State, Ticket

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=BERLIN)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


@dataclass
class Scenario:
    reader: User
    system: User
    a: Queue
    b: Queue
    hidden: Queue
    tickets: dict[str, Ticket]


def _at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def scenario(db: None) -> Scenario:
    sla_services.clear_caches()
    calendar = Calendar.objects.get(is_default=True)
    Holiday.objects.create(calendar=calendar, date=date(2026, 5, 1), name="Labour Day")
    sla = SLA.objects.create(name="Report SLA", first_response_minutes=60, solution_minutes=480)
    group, _created = provisioning.add_group("reporting-queues")
    hidden_group, _created = provisioning.add_group("reporting-hidden")
    stats, _created = provisioning.add_group("stats")
    a = ensure_queue("Reports::A", group=group)
    a.default_sla = sla
    a.save()
    b = ensure_queue("Reports::B", group=group)
    hidden = ensure_queue("Hidden", group=hidden_group)
    boss = User.objects.create_user("boss", email="boss@example.org", password="x" * 12)
    boss.time_zone = "Europe/Berlin"
    boss.save()
    provisioning.grant(group, "rw", agent=boss)
    provisioning.grant(stats, "rw", agent=boss)
    worker = User.objects.create_user("worker", email="worker@example.org", password="x" * 12)
    provisioning.grant(group, "rw", agent=worker)
    provisioning.grant(hidden_group, "rw", agent=worker)
    actor = Actor(user=worker, channel="web")
    closed = State.objects.get(name="closed successful")
    opened = State.objects.get(name="open")

    def create(title: str, queue: Queue, when: datetime) -> Ticket:
        with _at(when):
            return actions.create_ticket(
                title=title,
                queue=queue,
                actor=actor,
                article=ArticleInput(channel="phone", sender_type="customer", body=title),
            )

    def later(when: datetime, change: object) -> None:
        with _at(when):
            change()  # type: ignore[operator]

    t1 = create("T1", a, berlin(2026, 1, 15, 10))
    t5 = create("T5", hidden, berlin(2026, 1, 20, 10))
    t2 = create("T2", b, berlin(2026, 2, 5, 10))
    later(berlin(2026, 2, 6, 10), lambda: actions.set_state(t2, closed, actor=actor))
    later(berlin(2026, 2, 10, 10), lambda: actions.move(t1, b, actor=actor))
    later(berlin(2026, 2, 20, 10), lambda: actions.set_state(t1, closed, actor=actor))
    later(berlin(2026, 3, 2, 10), lambda: actions.set_state(t2, opened, actor=actor))
    t3 = create("T3", a, berlin(2026, 3, 27, 16))
    later(
        berlin(2026, 3, 30, 9),
        lambda: actions.add_article(
            t3,
            ArticleInput(
                channel="email", sender_type="agent", body="On it", visible_for_customer=True
            ),
            actor=actor,
        ),
    )
    t4 = create("T4", a, berlin(2026, 4, 30, 16, 30))
    later(berlin(2026, 5, 4, 9, 30), lambda: actions.set_state(t4, closed, actor=actor))
    system = User.objects.get(is_system=True)
    tickets = {"T1": t1, "T2": t2, "T3": t3, "T4": t4, "T5": t5}
    return Scenario(boss, system, a, b, hidden, tickets)
