"""Accounted time: one TimeAccounting row and one history row per entry, written with
the article by the actions (note, phone call, answer, forward), units parsed and
checked."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.mail import forwarding
from sportello.queues.models import Queue, SystemAddress
from sportello.tickets import actions, time_accounting
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import History, TimeAccounting
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_a_note_with_accounted_time_writes_the_entry_and_its_history(
    queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    note = actions.note(ticket, actor=actor, body="Router swapped", accounted_minutes=25)
    entry = TimeAccounting.objects.get(ticket=ticket)
    assert (entry.article, entry.agent, entry.minutes) == (note, actor.user, 25)
    assert entry.created == note.created
    row = History.objects.get(ticket=ticket, type="TimeAccounting")
    assert (row.article, row.new_value, row.actor) == (note, "25", actor.user)
    assert row.text == "25 minutes accounted."
    # Its row follows the article's, in one insert.
    types = list(History.objects.filter(ticket=ticket).values_list("type", flat=True))
    assert types[-2:] == ["AddNote", "TimeAccounting"]
    actions.phone_call(ticket, actor=actor, inbound=False, body="Called", accounted_minutes=5)
    assert time_accounting.total_minutes(ticket) == 30
    assert time_accounting.minutes_by_article([note.pk]) == {note.pk: 25}


def test_no_time_no_entry(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    actions.note(ticket, actor=actor, body="x")
    assert not TimeAccounting.objects.exists()
    assert not History.objects.filter(type="TimeAccounting").exists()
    assert time_accounting.total_minutes(ticket) == 0


def test_answers_and_forwards_account_time(queue: Queue, actor: Actor) -> None:
    queue.system_address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue.save()
    ticket = make_ticket(queue, actor, customer_user_id="max@example.org")
    answer = forwarding.answer(
        ticket, actor=actor, text="Fixed", to=["max@example.org"], accounted_minutes=10
    )
    forwarded = forwarding.forward(
        answer, actor=actor, to=["vendor@example.com"], accounted_minutes=3
    )
    found = dict(TimeAccounting.objects.values_list("article_id", "minutes"))
    assert found == {answer.pk: 10, forwarded.pk: 3}


def test_the_entry_is_part_of_the_transaction(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    data = ArticleInput(channel="internal", sender_type="agent", body="x", accounted_minutes=-5)
    with pytest.raises(InvalidInput):
        actions.add_article(ticket, data, actor=actor)
    assert ticket.articles.count() == 1 and not TimeAccounting.objects.exists()


@pytest.mark.parametrize(
    ("typed", "unit", "minutes"),
    [("", 1, 0), (" 15 ", 1, 15), ("1,5", 60, 90), ("0.25", 60, 15), ("2", 15, 30)],
)
def test_units_become_minutes(typed: str, unit: int, minutes: int) -> None:
    with override_settings(SPORTELLO_TIME_UNIT_MINUTES=unit):
        assert time_accounting.minutes_from_units(typed) == minutes
        assert time_accounting.as_units(minutes) == (float(typed.replace(",", ".") or 0))


@pytest.mark.parametrize("typed", ["abc", "-1", "NaN", "Infinity", "1e9"])
def test_bad_units_are_clear_errors(typed: Any) -> None:
    with pytest.raises(InvalidInput):
        time_accounting.minutes_from_units(typed)
