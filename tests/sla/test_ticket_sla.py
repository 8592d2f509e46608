"""An SLA or service chosen for a ticket takes effect on its due times at once: the
ticket's own SLA, else its service's, else the queue's default."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.sla.models import SLA, Service
from sportello.tickets import actions
from sportello.tickets.models import Ticket
from tests.sla.conftest import berlin
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def dues(ticket: Ticket) -> tuple[Any, Any, Any]:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return fresh.first_response_due, fresh.update_due, fresh.solution_due


def test_the_tickets_own_sla_wins_and_each_change_recomputes_the_due_times(
    wlan: Queue, actor: Actor, gold: SLA, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Monday 09:00; working hours Monday-Friday 08:00-17:00.
    basic = SLA.objects.create(
        name="Basic", first_response_minutes=240, update_minutes=480, solution_minutes=960
    )
    rapid = SLA.objects.create(
        name="Rapid", first_response_minutes=15, update_minutes=30, solution_minutes=90
    )
    service = Service.objects.create(name="WLAN", sla=basic)
    service.slas.add(rapid)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    # The queue's default: Gold (60 / 120 / 480 minutes).
    assert dues(ticket) == (
        berlin(2026, 3, 2, 10, 0),
        berlin(2026, 3, 2, 11, 0),
        berlin(2026, 3, 2, 17, 0),
    )
    clock.move_to(berlin(2026, 3, 2, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_service(ticket, service, actor=actor)
    # The service's SLA (Basic), counted from creation: 13:00, 17:00, Tuesday 16:00.
    assert dues(ticket) == (
        berlin(2026, 3, 2, 13, 0),
        berlin(2026, 3, 2, 17, 0),
        berlin(2026, 3, 3, 16, 0),
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_attributes(ticket, actor=actor, sla=rapid)
    # The ticket's own SLA wins over the service's: already escalated.
    assert dues(ticket) == (
        berlin(2026, 3, 2, 9, 15),
        berlin(2026, 3, 2, 9, 30),
        berlin(2026, 3, 2, 10, 30),
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_sla(ticket, None, actor=actor)
    assert dues(ticket)[0] == berlin(2026, 3, 2, 13, 0)
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_service(ticket, None, actor=actor)
    assert dues(ticket)[0] == berlin(2026, 3, 2, 10, 0)


def test_an_own_sla_applies_without_a_service(
    wlan: Queue, actor: Actor, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rapid = SLA.objects.create(name="Rapid", first_response_minutes=15)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
        actions.set_sla(ticket, rapid, actor=actor)
    assert dues(ticket) == (berlin(2026, 3, 2, 9, 15), None, None)
