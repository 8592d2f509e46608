"""The update clock per customer contact: what the articles record as they arrive, and
what a rebuild from the articles (an upgrade, an import) gives for the same tickets."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.sla import update_waits
from sportello.sla.models import SLA, Calendar, UpdateWait, WorkingHours
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import Channel, SenderType, Ticket
from tests.sla.conftest import MONDAY_9, berlin
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db

# What may follow the ticket's first customer mail.
KINDS = {
    "customer": customer_mail(),
    "auto_reply": customer_mail(is_automatic=True),
    "answer": ArticleInput(
        channel=Channel.EMAIL, sender_type=SenderType.AGENT, visible_for_customer=True, body="A"
    ),
    "phone_answer": ArticleInput(
        channel=Channel.PHONE, sender_type=SenderType.AGENT, visible_for_customer=True, body="P"
    ),
    "note": ArticleInput(channel=Channel.INTERNAL, sender_type=SenderType.AGENT, body="N"),
    "system": ArticleInput(
        channel=Channel.INTERNAL, sender_type=SenderType.SYSTEM, visible_for_customer=True, body="S"
    ),
}


def _waits(ticket: Ticket, *, queues: bool = False) -> tuple[list[tuple[Any, ...]], Any]:
    rows = UpdateWait.objects.filter(ticket=ticket).order_by("contact_at")
    since = Ticket.objects.get(pk=ticket.pk).update_wait_since
    return [
        (w.contact_at, w.answered_at, w.minutes, *([w.queue_id] if queues else [])) for w in rows
    ], since


def _article(ticket: Ticket, kind: str, actor: Actor, at: Any) -> None:
    with time_machine.travel(at, tick=False):
        actions.add_article(ticket, KINDS[kind], actor=actor)


def test_contacts_and_answers_in_working_minutes(wlan: Queue, actor: Actor) -> None:
    with time_machine.travel(berlin(2026, 3, 6, 16, 30), tick=False):  # Friday 16:30
        ticket = make_ticket(wlan, Actor.system("mail"))
    # A second mail before the answer is the same contact; a note answers nothing.
    _article(ticket, "customer", actor, berlin(2026, 3, 6, 18, 0))
    _article(ticket, "note", actor, berlin(2026, 3, 9, 8, 10))
    assert _waits(ticket) == ([], berlin(2026, 3, 6, 16, 30))
    _article(ticket, "answer", actor, berlin(2026, 3, 9, 9, 0))  # Monday 09:00
    _article(ticket, "auto_reply", actor, berlin(2026, 3, 9, 9, 5))
    _article(ticket, "answer", actor, berlin(2026, 3, 9, 9, 30))  # no contact open
    _article(ticket, "customer", actor, berlin(2026, 3, 9, 10, 0))
    # 30 minutes on Friday, 60 on Monday.
    assert _waits(ticket) == (
        [(berlin(2026, 3, 6, 16, 30), berlin(2026, 3, 9, 9, 0), 90)],
        berlin(2026, 3, 9, 10, 0),
    )


def test_the_calendar_is_the_slas_at_the_time_of_the_answer(
    wlan: Queue, gold: SLA, actor: Actor
) -> None:
    around_the_clock = Calendar.objects.create(name="24/7", time_zone="Europe/Berlin")
    WorkingHours.objects.bulk_create(
        WorkingHours(calendar=around_the_clock, weekday=d, start="00:00", end="00:00")
        for d in range(7)
    )
    with time_machine.travel(berlin(2026, 3, 7, 10, 0), tick=False):  # Saturday
        ticket = make_ticket(wlan, Actor.system("mail"))
    gold.calendar = around_the_clock
    gold.save()
    _article(ticket, "answer", actor, berlin(2026, 3, 7, 12, 0))
    assert _waits(ticket)[0] == [(berlin(2026, 3, 7, 10, 0), berlin(2026, 3, 7, 12, 0), 120)]
    # A rebuild counts in the calendar of now: the same here.
    update_waits.rebuild([ticket.pk])
    assert _waits(ticket)[0][0][2] == 120


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(sorted(KINDS)), st.integers(min_value=1, max_value=3000)),
        max_size=8,
    )
)
def test_a_rebuild_gives_what_the_articles_recorded(
    wlan: Queue, actor: Actor, steps: list[tuple[str, int]]
) -> None:
    """Any sequence of articles, minutes apart across nights and weekends."""
    with transaction.atomic():
        at = MONDAY_9
        with time_machine.travel(at, tick=False):
            ticket = make_ticket(wlan, Actor.system("mail"))
        for kind, minutes in steps:
            at += timedelta(minutes=minutes)
            _article(ticket, kind, actor, at)
        recorded = _waits(ticket, queues=True)
        # What an upgrade or an import starts from: nothing.
        UpdateWait.objects.filter(ticket=ticket).delete()
        Ticket.objects.filter(pk=ticket.pk).update(update_wait_since=MONDAY_9)
        assert update_waits.rebuild([ticket.pk]) == len(recorded[0])
        assert _waits(ticket, queues=True) == recorded
        transaction.set_rollback(True)


def test_a_rebuild_of_every_ticket_leaves_others_alone(wlan: Queue, actor: Actor) -> None:
    with time_machine.travel(MONDAY_9, tick=False):
        first = make_ticket(wlan, Actor.system("mail"))
        second = make_ticket(wlan, Actor.system("mail"))
    _article(first, "answer", actor, MONDAY_9 + timedelta(minutes=45))
    before = _waits(first), _waits(second)
    UpdateWait.objects.all().delete()
    assert update_waits.rebuild() == 1
    assert (_waits(first), _waits(second)) == before
    # A rebuild of one ticket does not touch the other's rows.
    update_waits.rebuild([second.pk])
    assert _waits(first) == before[0]


def test_a_contact_counts_in_the_queue_it_was_answered_in(
    wlan: Queue, group: Any, actor: Actor
) -> None:
    office = ensure_queue("Office", group=group)
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = make_ticket(wlan, Actor.system("mail"))
    _article(ticket, "answer", actor, MONDAY_9 + timedelta(minutes=20))
    with time_machine.travel(MONDAY_9 + timedelta(minutes=30), tick=False):
        actions.move(ticket, office, actor=actor)
    _article(ticket, "customer", actor, MONDAY_9 + timedelta(minutes=40))
    _article(ticket, "answer", actor, MONDAY_9 + timedelta(minutes=55))
    expected = [
        (MONDAY_9, MONDAY_9 + timedelta(minutes=20), 20, wlan.pk),
        (MONDAY_9 + timedelta(minutes=40), MONDAY_9 + timedelta(minutes=55), 15, office.pk),
    ]
    assert _waits(ticket, queues=True) == (expected, None)
    # The rebuild finds the queue of each answer in its history row.
    update_waits.rebuild([ticket.pk])
    assert _waits(ticket, queues=True) == (expected, None)
