"""Every action: one history row per change, ``changed`` updated, an event after commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from sportello.accounts.models import User
from sportello.core import events as bus
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput, PermissionDenied
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets import actions, events
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import Channel, History, Lock, SenderType, Ticket
from sportello.tickets.selectors import (
    priority_by_name,
    state_by_name,
    ticket_type_by_name,
)
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


def history_types(ticket: Ticket) -> list[str]:
    return list(History.objects.filter(ticket=ticket).order_by("id").values_list("type", flat=True))


def test_create_ticket_with_article(
    queue: Queue, actor: Actor, published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(queue, actor, customer_user_id="max@example.org")
    assert ticket.number.isdigit() and len(ticket.number) == 16
    assert ticket.state.name == "new" and ticket.priority.name == "3 normal"
    assert ticket.type.name == "Unclassified" and ticket.lock == Lock.UNLOCK
    assert ticket.owner == actor.user
    assert history_types(ticket) == ["NewTicket", "EmailCustomer"]
    new_row = ticket.history.get(type="NewTicket")
    assert new_row.actor == actor.user and new_row.channel == "web"
    assert new_row.new_value == ticket.number and new_row.queue_id_at == queue.pk
    article = ticket.articles.get()
    assert article.number == 1 and article.subject == "WLAN kaputt"
    assert [type(e) for e in published] == [events.TicketCreated, events.ArticleAdded]


def test_events_are_not_published_before_commit_nor_after_rollback(
    queue: Queue, actor: Actor, published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_ticket(queue, actor)
        assert published == []
    assert len(callbacks) == 2
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_ticket(queue, actor)
        raise RuntimeError("rolled back")
    assert published == []


def test_long_title_is_cut_but_article_keeps_full_subject(queue: Queue, actor: Actor) -> None:
    subject = "Ü" * 5000
    ticket = make_ticket(queue, actor, title=subject, article=customer_mail(subject=subject))
    assert len(ticket.title) == 255 and ticket.title.endswith("…")
    assert ticket.articles.get().subject == subject


def test_nul_bytes_are_removed(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor, article=customer_mail(body="a\x00b", subject="s\x00"))
    article = ticket.articles.get()
    assert article.body == "ab" and article.subject == "s"


def test_add_article_numbers_chronologically_with_attachments(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    note = actions.add_article(
        ticket,
        ArticleInput(
            channel=Channel.INTERNAL,
            sender_type=SenderType.AGENT,
            body="intern",
            attachments=[AttachmentInput("log ü.txt", "text/plain", b"x" * 10)],
        ),
        actor=actor,
    )
    phone = actions.add_article(
        ticket,
        ArticleInput(channel=Channel.PHONE, sender_type=SenderType.CUSTOMER, body="ruft an"),
        actor=actor,
    )
    assert (note.number, phone.number) == (2, 3)
    attachment = note.attachments.get()
    assert attachment.filename == "log ü.txt" and attachment.size == 10
    assert attachment.file.read() == b"x" * 10
    assert history_types(ticket) == ["NewTicket", "EmailCustomer", "AddNote", "PhoneCallCustomer"]
    follow_up = actions.add_article(ticket, customer_mail(), actor=Actor.system("mail"))
    assert follow_up.number == 4
    assert history_types(ticket)[-1] == "FollowUp"


@pytest.mark.parametrize(
    ("name", "history_type", "event_class"),
    [
        ("priority", "PriorityUpdate", events.TicketPriorityChanged),
        ("type", "TypeUpdate", events.TicketTypeChanged),
        ("title", "TitleUpdate", events.TicketTitleChanged),
        ("move", "Move", events.TicketMoved),
        ("state", "StateUpdate", events.TicketStateChanged),
        ("responsible", "ResponsibleUpdate", events.TicketResponsibleChanged),
        ("customer", "CustomerUpdate", events.TicketCustomerChanged),
        ("unlock", "Unlock", events.TicketLockChanged),
    ],
)
def test_single_change_actions(
    name: str,
    history_type: str,
    event_class: type,
    queue: Queue,
    actor: Actor,
    other_agent: User,
    published: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(queue, actor, lock=True)
    before = ticket.changed
    other_queue = ensure_queue("IT::Web", group=queue.group)
    do: dict[str, Callable[[Ticket], Ticket]] = {
        "priority": lambda t: actions.set_priority(t, priority_by_name("5 very high"), actor=actor),
        "type": lambda t: actions.set_type(t, ticket_type_by_name("Incident"), actor=actor),
        "title": lambda t: actions.set_title(t, "Neuer Titel", actor=actor),
        "move": lambda t: actions.move(t, other_queue, actor=actor, note="falsche Queue"),
        "state": lambda t: actions.set_state(t, state_by_name("open"), actor=actor),
        "responsible": lambda t: actions.set_responsible(t, other_agent, actor=actor),
        "customer": lambda t: actions.set_customer(
            t, customer_user_id="mmuster", customer_company_id="FAU", actor=actor
        ),
        "unlock": lambda t: actions.unlock(t, actor=actor),
    }
    expected = {
        "priority": ("3 normal", "5 very high"),
        "type": ("Unclassified", "Incident"),
        "title": ("WLAN kaputt", "Neuer Titel"),
        "move": ("IT::Network::WLAN", "IT::Web"),
        "state": ("new", "open"),
        "responsible": ("", "agent2"),
        "customer": ("", "mmuster / FAU"),
        "unlock": ("lock", "unlock"),
    }
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        changed = do[name](ticket)
    rows = list(
        History.objects.filter(ticket=ticket).exclude(type__in=["NewTicket", "EmailCustomer"])
    )
    assert [(r.type, r.old_value, r.new_value) for r in rows] == [(history_type, *expected[name])]
    assert rows[0].actor == actor.user
    assert changed.changed > before and changed.changed_by == actor.user
    assert [type(e) for e in published] == [event_class]
    assert (published[0].old, published[0].new) == expected[name]
    # The same value again changes nothing: no row, no event.
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        do[name](changed)
    assert History.objects.filter(ticket=ticket, type=history_type).count() == 1
    assert published == []


def test_move_comment_is_kept(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    actions.move(ticket, ensure_queue("Misc", group=queue.group), actor=actor, note="wrong area")
    assert ticket.history.get(type="Move").comment == "wrong area"


def test_lock_makes_actor_owner_and_refuses_other_agents(
    queue: Queue, actor: Actor, other_agent: User
) -> None:
    system = Actor.system("mail")
    ticket = make_ticket(queue, system)
    other = Actor(user=other_agent)
    locked = actions.lock(ticket, actor=other)
    assert locked.lock == Lock.LOCK and locked.owner == other_agent
    assert history_types(ticket)[-2:] == ["Lock", "OwnerUpdate"]
    with pytest.raises(Conflict, match="locked by Paolo Verdi"):
        actions.lock(locked, actor=actor)


def test_set_owner_locks_to_new_owner(queue: Queue, actor: Actor, other_agent: User) -> None:
    ticket = make_ticket(queue, actor)
    ticket = actions.set_owner(ticket, other_agent, actor=actor)
    assert ticket.owner == other_agent and ticket.lock == Lock.LOCK
    row = ticket.history.get(type="OwnerUpdate")
    assert (row.old_value, row.new_value) == ("agent1", "agent2")
    assert history_types(ticket)[-2:] == ["OwnerUpdate", "Lock"]


def test_pending_state_needs_time_and_records_it(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    reminder = state_by_name("pending reminder")
    with pytest.raises(InvalidInput):
        actions.set_state(ticket, reminder, actor=actor)
    until = timezone.now() + timedelta(days=1)
    ticket = actions.set_state(ticket, reminder, actor=actor, pending_until=until)
    assert ticket.pending_until == until
    assert history_types(ticket)[-2:] == ["StateUpdate", "SetPendingTime"]
    ticket = actions.set_state(ticket, state_by_name("open"), actor=actor)
    assert ticket.pending_until is None
    assert history_types(ticket)[-2:] == ["StateUpdate", "SetPendingTime"]
    with pytest.raises(InvalidInput):
        actions.set_pending_time(ticket, until, actor=actor)


def test_preconditions_give_domain_errors(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    with pytest.raises(InvalidInput):
        actions.set_state(ticket, state_by_name("merged"), actor=actor)
    with pytest.raises(InvalidInput):
        actions.set_title(ticket, "   ", actor=actor)
    invalid_queue = ensure_queue("Old", group=queue.group, valid=False)
    with pytest.raises(InvalidInput):
        actions.move(ticket, invalid_queue, actor=actor)
    with pytest.raises(InvalidInput):
        actions.create_ticket(title="x", queue=invalid_queue, actor=actor)
    assert history_types(ticket) == ["NewTicket", "EmailCustomer"]


def test_inactive_agent_is_refused(queue: Queue, actor: Actor, other_agent: User) -> None:
    ticket = make_ticket(queue, actor)
    other_agent.is_active = False
    other_agent.save()
    with pytest.raises(PermissionDenied):
        actions.set_priority(ticket, priority_by_name("1 very low"), actor=Actor(user=other_agent))
    with pytest.raises(InvalidInput):
        actions.set_owner(ticket, other_agent, actor=actor)


def test_a_failing_subscriber_does_not_stop_others(
    queue: Queue, actor: Actor, published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    def broken(event: bus.DomainEvent) -> None:
        raise RuntimeError("subscriber bug")

    bus.subscribe(events.TicketCreated)(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            make_ticket(queue, actor)
    finally:
        bus.unsubscribe(events.TicketCreated, broken)
    assert [type(e) for e in published] == [events.TicketCreated, events.ArticleAdded]


def test_every_history_type_used_by_actions_renders(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    actions.set_priority(ticket, priority_by_name("4 high"), actor=actor)
    rows = list(History.objects.filter(ticket=ticket))
    assert len(rows) >= 3  # the new ticket, its article, the priority
    for row in rows:
        assert row.text and "%(" not in row.text


def test_unlock_keeps_a_comment_in_its_history_row(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor, lock=True)
    actions.unlock(ticket, actor=Actor.system("job", name="unlock"), comment="lock timeout")
    row = History.objects.filter(ticket=ticket, type="Unlock").get()
    assert (row.comment, row.old_value, row.new_value) == ("lock timeout", "lock", "unlock")
