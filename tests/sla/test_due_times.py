"""Due times are computed in working time and follow the ticket's events."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from sportello.core.actor import Actor
from sportello.core.events import publish
from sportello.queues.models import Queue
from sportello.sla import services, subscribers
from sportello.sla.models import SLA, Calendar, Service, UpdateWait, WorkingHours
from sportello.sla.services import DueState, due_times
from sportello.tickets import actions, events
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import Channel, Priority, SenderType, Ticket
from sportello.tickets.selectors import state_by_name
from tests.sla.conftest import berlin
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


def agent_answer() -> ArticleInput:
    return ArticleInput(
        channel=Channel.EMAIL,
        sender_type=SenderType.AGENT,
        visible_for_customer=True,
        subject="Re: WLAN",
        body="Bitte neu starten.",
    )


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("state", "queue", "sla").get(pk=ticket.pk)


def test_a_new_ticket_gets_due_times_in_working_time(
    wlan: Queue, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clock.move_to(berlin(2026, 3, 6, 16, 30))  # Friday 16:30
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    ticket = fresh(ticket)
    assert ticket.first_response_due == berlin(2026, 3, 9, 8, 30)
    assert ticket.update_due == berlin(2026, 3, 9, 9, 30)
    assert ticket.solution_due == berlin(2026, 3, 9, 15, 30)
    # The first warning (half the first response time) is what the sweep waits for.
    assert ticket.escalation_next_at == berlin(2026, 3, 6, 17, 0)
    assert [d.state for d in due_times(ticket)] == ["ok", "ok", "ok"]
    assert due_times(ticket)[0].remaining_minutes == 60


def test_answer_pending_and_close_move_the_clocks_and_store_the_figures(
    wlan: Queue, actor: Actor, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    clock.move_to(berlin(2026, 3, 2, 9, 40))
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(ticket, agent_answer(), actor=actor)
    ticket = fresh(ticket)
    assert ticket.first_response_due is None
    assert ticket.first_response_minutes == 40
    assert ticket.update_due == berlin(2026, 3, 2, 11, 40)
    # Pending 10:00-11:00 stops the clock: an hour more for the solution.
    clock.move_to(berlin(2026, 3, 2, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_state(
            ticket,
            state_by_name("pending reminder"),
            actor=actor,
            pending_until=berlin(2026, 3, 3, 10, 0),
        )
    ticket = fresh(ticket)
    assert (ticket.update_due, ticket.solution_due, ticket.escalation_next_at) == (None,) * 3
    assert due_times(ticket) == []
    clock.move_to(berlin(2026, 3, 2, 11, 0))
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_state(ticket, state_by_name("open"), actor=actor)
    ticket = fresh(ticket)
    assert ticket.sla_paused_minutes == 60
    assert ticket.solution_due == berlin(2026, 3, 3, 9, 0)
    assert ticket.update_due == berlin(2026, 3, 2, 13, 0)  # restarted on leaving pending
    # A customer follow-up restarts the update clock.
    clock.move_to(berlin(2026, 3, 2, 12, 0))
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(ticket, customer_mail(subject="Re: WLAN"), actor=Actor.system("mail"))
    assert fresh(ticket).update_due == berlin(2026, 3, 2, 14, 0)
    clock.move_to(berlin(2026, 3, 3, 8, 30))
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_state(ticket, state_by_name("closed successful"), actor=actor)
    ticket = fresh(ticket)
    assert ticket.solution_minutes == 8 * 60 + 30 - 60  # Monday 09:00-17:00, Tuesday 08-08:30
    assert ticket.first_response_minutes == 40
    assert (ticket.first_response_due, ticket.update_due, ticket.solution_due) == (None,) * 3


def test_an_internal_note_is_no_response(
    wlan: Queue, actor: Actor, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
        note = ArticleInput(channel=Channel.INTERNAL, sender_type=SenderType.AGENT, body="hm")
        actions.add_article(ticket, note, actor=actor)
    assert fresh(ticket).first_response_due == berlin(2026, 3, 2, 10, 0)


def test_service_and_sla_choose_the_clock_and_leave_history(
    wlan: Queue, actor: Actor, gold: SLA, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    calendar = Calendar.objects.create(name="Rome 24/7", time_zone="Europe/Rome")
    for weekday in range(7):
        WorkingHours.objects.create(calendar=calendar, weekday=weekday, start="00:00", end="00:00")
    fast = SLA.objects.create(name="Fast", first_response_minutes=15, calendar=calendar)
    parent = Service.objects.create(name="Network")
    service = Service.objects.create(name="WLAN", parent=parent, sla=fast)
    service.slas.add(gold)  # the service offers Gold besides its own
    assert service.full_name == "Network::WLAN"
    clock.move_to(berlin(2026, 3, 7, 12, 0))  # Saturday: only the 24/7 calendar works
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    assert fresh(ticket).first_response_due == berlin(2026, 3, 9, 9, 0)  # Gold, office hours
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_service(ticket, service, actor=actor)
    ticket = fresh(ticket)
    assert ticket.first_response_due == berlin(2026, 3, 7, 12, 15)
    assert ticket.update_due is None and ticket.solution_due is None
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_sla(ticket, gold, actor=actor)
    ticket = fresh(ticket)
    assert ticket.first_response_due == berlin(2026, 3, 9, 9, 0)
    rows = list(ticket.history.filter(type__in=["ServiceUpdate", "SLAUpdate"]).order_by("id"))
    assert [(r.type, r.new_value, r.actor_name) for r in rows] == [
        ("ServiceUpdate", "Network::WLAN", "agent1"),
        ("SLAUpdate", "Gold", "agent1"),
    ]
    assert "Service changed" in rows[0].text


def test_due_state_turns_warning_then_escalated(
    wlan: Queue, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    ticket = fresh(ticket)
    states = {
        at: [(d.clock.value, d.state, d.remaining_minutes) for d in due_times(ticket, now=at)]
        for at in (berlin(2026, 3, 2, 9, 31), berlin(2026, 3, 2, 10, 5))
    }
    assert states[berlin(2026, 3, 2, 9, 31)][0] == ("first_response", DueState.WARNING, 29)
    assert states[berlin(2026, 3, 2, 10, 5)][0] == ("first_response", DueState.ESCALATED, -5)
    assert states[berlin(2026, 3, 2, 10, 5)][2] == ("solution", DueState.OK, 415)


def test_the_zoom_include_renders(
    wlan: Queue, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.template.loader import render_to_string

    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    clock.move_to(berlin(2026, 3, 2, 10, 30))
    html = render_to_string("sla/ticket_escalation.html", {"ticket": fresh(ticket)})
    assert 'class="sla-escalated"' in html and "30 min" in html
    assert 'class="sla-warning"' in html and "30 min (warning)" in html  # update
    assert 'class="sla-ok"' in html and "6 h 30 min" in html  # solution


def test_escalated_tickets_come_from_the_due_columns(
    wlan: Queue, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from sportello.sla.services import escalated

    with django_capture_on_commit_callbacks(execute=True):
        first = make_ticket(wlan, Actor.system("mail"))
    clock.move_to(berlin(2026, 3, 2, 9, 30))
    with django_capture_on_commit_callbacks(execute=True):
        second = make_ticket(wlan, Actor.system("mail"))
    tickets = Ticket.objects.all()
    assert list(escalated(tickets, now=berlin(2026, 3, 2, 9, 59))) == []
    assert list(escalated(tickets, now=berlin(2026, 3, 2, 10, 0))) == [first]
    assert list(escalated(tickets, now=berlin(2026, 3, 2, 10, 30))) == [first, second]


def test_an_article_stores_the_due_times_in_its_own_transaction_without_reading_again(
    wlan: Queue, actor: Actor, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    clock.move_to(berlin(2026, 3, 2, 9, 40))
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        actions.add_article(ticket, agent_answer(), actor=actor)
        # Before the commit: the ticket and its due times change together.
        assert fresh(ticket).first_response_minutes == 40
        assert fresh(ticket).update_due == berlin(2026, 3, 2, 11, 40)
        during = len(queries.captured_queries) - 2  # the two reads just above
    ticket_reads = [
        q["sql"]
        for q in queries.captured_queries[:during]
        if q["sql"].startswith("SELECT") and 'FROM "tickets_ticket"' in q["sql"]
    ]
    assert len(ticket_reads) == 1, ticket_reads  # the action's locked read, nothing more
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    # One write of the ticket row: the change time with the due times the article moved.
    assert len(updates) == 1, updates
    assert '"changed"' in updates[0] and '"first_response_minutes"' in updates[0]
    # And one insert: the customer contact it answered, with its working minutes.
    waits = [q["sql"] for q in queries.captured_queries if 'INTO "sla_updatewait"' in q["sql"]]
    assert len(waits) == 1, waits
    wait = UpdateWait.objects.get(ticket=ticket)
    assert (wait.contact_at, wait.minutes) == (ticket.created, 40)


def test_due_times_roll_back_with_the_action(wlan: Queue, actor: Actor, clock: Any) -> None:
    ticket = make_ticket(wlan, Actor.system("mail"))
    before = fresh(ticket).first_response_due
    clock.move_to(berlin(2026, 3, 2, 9, 40))
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_article(ticket, agent_answer(), actor=actor)
        raise RuntimeError("a later step of the same transaction fails")
    ticket = fresh(ticket)
    assert ticket.first_response_due == before and ticket.first_response_minutes is None


def test_a_broken_calendar_does_not_stop_the_change(
    wlan: Queue, actor: Actor, clock: Any, monkeypatch: Any
) -> None:
    ticket = make_ticket(wlan, Actor.system("mail"))
    logged: list[str] = []
    monkeypatch.setattr(subscribers.logger, "exception", lambda msg, *a: logged.append(msg % a))

    def broken(ticket: Ticket, *, now: Any) -> None:
        raise ValueError("no working hours")

    monkeypatch.setattr(services, "refresh", broken)
    article = actions.add_article(ticket, agent_answer(), actor=actor)
    assert article.pk and fresh(ticket).articles.count() == 2
    assert logged == [f"due times of ticket {ticket.pk} not recomputed"]


def test_an_event_with_derived_columns_needs_its_subject() -> None:
    with pytest.raises(TypeError, match="without its subject"):
        publish(events.TicketCreated(ticket_id=1, actor_id=None, channel="web", queue_id=1))


def test_an_edited_sla_applies_to_the_next_event(
    wlan: Queue, gold: SLA, actor: Actor, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    assert fresh(ticket).first_response_due == berlin(2026, 3, 2, 10, 0)
    gold.first_response_minutes = 30  # the cached SLA is dropped with the save
    gold.save()
    actions.set_priority(
        ticket, Priority.objects.exclude(pk=ticket.priority_id).first(), actor=actor
    )
    assert fresh(ticket).first_response_due == berlin(2026, 3, 2, 10, 0)  # no clock event
    actions.move(ticket, Queue.objects.get(pk=wlan.pk), actor=actor)  # same queue: nothing
    note = ArticleInput(
        channel=Channel.INTERNAL, sender_type=SenderType.CUSTOMER, subject="x", body="y"
    )
    actions.add_article(ticket, note, actor=actor)
    assert fresh(ticket).first_response_due == berlin(2026, 3, 2, 9, 30)
