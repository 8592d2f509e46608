"""The dialog actions: notes, phone calls, pending, close, spam, move, unlink, merge, split,
master/slave, lock rules and the version check."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput, NotFound
from sportello.notifications.models import Notification
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets import actions, events
from sportello.tickets.articles import AttachmentInput
from sportello.tickets.models import (
    Channel,
    History,
    Lock,
    MasterSlave,
    SenderType,
    Ticket,
    TicketLink,
)
from sportello.tickets.selectors import state_by_name
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


def types_after(ticket: Ticket, start: int) -> list[str]:
    return list(
        History.objects.filter(ticket=ticket, id__gt=start)
        .order_by("id")
        .values_list("type", flat=True)
    )


def last_id() -> int:
    return History.objects.order_by("-id").values_list("id", flat=True).first() or 0


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def other(other_agent: User) -> Actor:
    return Actor(user=other_agent)


def test_internal_note_notifies_chosen_agents(
    queue: Queue, actor: Actor, other_agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = make_ticket(queue, actor)
    start = last_id()
    with django_capture_on_commit_callbacks(execute=True):
        article = actions.note(
            ticket, actor=actor, body="Router getauscht.", notify=[other_agent, actor.user]
        )
    assert article.channel == Channel.INTERNAL and not article.visible_for_customer
    assert article.number == 2 and article.subject == "Note"
    assert types_after(ticket, start) == ["AddNote"]
    assert Notification.objects.filter(agent=other_agent, ticket=ticket).count() == 1
    assert not Notification.objects.filter(agent=actor.user).exists()
    assert fresh(ticket).lock == Lock.UNLOCK  # a plain note needs no lock


def test_visible_note_with_state_change_takes_the_lock(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    start = last_id()
    article = actions.note(
        ticket, actor=actor, body="x", visible_for_customer=True, state=state_by_name("open")
    )
    assert article.visible_for_customer
    assert types_after(ticket, start) == ["Lock", "AddNote", "StateUpdate"]
    assert fresh(ticket).is_locked


def test_note_is_refused_while_locked_by_another_only_with_state_change(
    queue: Queue, actor: Actor, other: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    actions.lock(ticket, actor=other)
    actions.note(ticket, actor=actor, body="plain notes stay possible")
    with pytest.raises(Conflict, match="locked by Paolo Verdi"):
        actions.note(ticket, actor=actor, body="x", state=state_by_name("open"))
    assert fresh(ticket).state.name == "new"


@pytest.mark.parametrize(
    ("inbound", "sender", "history"),
    [(False, SenderType.AGENT, "PhoneCallAgent"), (True, SenderType.CUSTOMER, "PhoneCallCustomer")],
)
def test_phone_calls(queue: Queue, actor: Actor, inbound: bool, sender: str, history: str) -> None:
    ticket = make_ticket(queue, actor, customer_user_id="max@example.org")
    start = last_id()
    article = actions.phone_call(ticket, actor=actor, inbound=inbound, body="Rückruf")
    assert article.channel == Channel.PHONE and article.sender_type == sender
    assert article.visible_for_customer
    assert types_after(ticket, start) == ["Lock", history]
    assert fresh(ticket).owner == actor.user


@pytest.mark.parametrize("name", ["pending reminder", "pending auto close+", "pending auto close-"])
def test_pending(queue: Queue, actor: Actor, name: str) -> None:
    ticket = make_ticket(queue, actor)
    until = timezone.now() + timedelta(days=2)
    start = last_id()
    ticket = actions.set_pending(ticket, state_by_name(name), until, actor=actor, note_body="n")
    assert ticket.state.name == name and ticket.pending_until == until
    assert types_after(ticket, start) == ["Lock", "AddNote", "StateUpdate", "SetPendingTime"]


def test_pending_preconditions(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    past = timezone.now() - timedelta(minutes=1)
    with pytest.raises(InvalidInput, match="future"):
        actions.set_pending(ticket, state_by_name("pending reminder"), past, actor=actor)
    with pytest.raises(InvalidInput, match="not allowed"):
        actions.set_pending(ticket, state_by_name("open"), timezone.now(), actor=actor)


@pytest.mark.parametrize("name", ["closed successful", "closed unsuccessful"])
def test_close_with_note_releases_the_lock(
    queue: Queue,
    actor: Actor,
    name: str,
    published: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(queue, actor)
    start = last_id()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.close(ticket, state_by_name(name), actor=actor, note_body="Gelöst.")
    assert ticket.state.name == name and ticket.lock == Lock.UNLOCK and ticket.owner == actor.user
    assert types_after(ticket, start) == ["Lock", "AddNote", "StateUpdate", "Unlock"]
    assert any(isinstance(e, events.TicketStateChanged) for e in published)
    with pytest.raises(InvalidInput, match="closing note"):
        actions.close(ticket, state_by_name(name), actor=actor, note_body=" ")
    with pytest.raises(InvalidInput):
        actions.close(ticket, state_by_name("open"), actor=actor, note_body="x")


def test_close_refused_while_locked_by_another(queue: Queue, actor: Actor, other: Actor) -> None:
    ticket = make_ticket(queue, actor)
    actions.lock(ticket, actor=other)
    with pytest.raises(Conflict, match="only the owner"):
        actions.close(ticket, state_by_name("closed successful"), actor=actor, note_body="x")


def test_spam_moves_to_junk_and_closes(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    start = last_id()
    ticket = actions.mark_spam(ticket, actor=actor)
    assert ticket.queue.full_name == "Junk" and ticket.state.name == "closed spam"
    assert types_after(ticket, start) == ["Lock", "Move", "StateUpdate", "Unlock"]


def test_move_with_note_by_non_owner_takes_the_lock(
    queue: Queue, actor: Actor, other: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    target = ensure_queue("IT::Web", group=queue.group)
    start = last_id()
    ticket = actions.move_with_note(ticket, target, actor=other, note_body="Falsche Queue")
    assert ticket.queue == target and ticket.owner == other.user and ticket.is_locked
    assert types_after(ticket, start) == ["Lock", "OwnerUpdate", "AddNote", "Move"]
    with pytest.raises(Conflict):
        actions.move_with_note(ticket, queue, actor=actor)


def test_owner_moves_without_lock(queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor)
    target = ensure_queue("IT::Web", group=queue.group)
    start = last_id()
    actions.move_with_note(ticket, target, actor=actor)
    assert types_after(ticket, start) == ["Move"]


def test_unlink(queue: Queue, actor: Actor) -> None:
    a, b = make_ticket(queue, actor), make_ticket(queue, actor)
    actions.link(a, b, actor=actor)
    start = last_id()
    assert actions.unlink(b, a, actor=actor) == 1
    assert not TicketLink.objects.exists()
    assert types_after(a, start) == ["Unlink"] and types_after(b, start) == ["Unlink"]
    assert actions.unlink(a, b, actor=actor) == 0


def test_merge_moves_articles_in_chronological_order(
    queue: Queue, actor: Actor, published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    now = timezone.now()
    target = make_ticket(queue, actor, article=customer_mail(created=now - timedelta(hours=3)))
    actions.add_article(
        target, customer_mail(body="t2", created=now - timedelta(hours=1)), actor=actor
    )
    source = make_ticket(
        queue, actor, article=customer_mail(body="s1", created=now - timedelta(hours=2))
    )
    src_start, dst_start = last_id(), last_id()
    with django_capture_on_commit_callbacks(execute=True):
        actions.merge(source, target, actor=actor, note_body="Doppelt gemeldet.")
    bodies = list(target.articles.order_by("number").values_list("number", "body"))
    assert bodies == [(1, "Das WLAN geht nicht."), (2, "s1"), (3, "t2")]
    source = fresh(source)
    assert source.state.name == "merged" and source.merged_into == target
    assert not source.is_locked
    note = source.articles.get()
    assert target.number in note.body and "Doppelt gemeldet." in note.body
    assert types_after(source, src_start) == ["Lock", "AddNote", "Merged", "StateUpdate", "Unlock"]
    assert types_after(target, dst_start) == ["Merged"]
    row = target.history.get(type="Merged")
    assert row.old_value == source.number and row.new_value == target.number
    assert any(isinstance(e, events.TicketMerged) for e in published)


def test_merge_errors(queue: Queue, actor: Actor, other: Actor) -> None:
    a, b, c = make_ticket(queue, actor), make_ticket(queue, actor), make_ticket(queue, actor)
    with pytest.raises(InvalidInput, match="itself"):
        actions.merge(a, a, actor=actor)
    actions.merge(b, c, actor=actor)
    with pytest.raises(Conflict, match="already merged"):
        actions.merge(a, b, actor=actor)
    with pytest.raises(Conflict, match="already merged"):
        actions.merge(b, a, actor=actor)
    actions.lock(a, actor=other)
    with pytest.raises(Conflict, match="locked"):
        actions.merge(a, c, actor=actor)


def test_merge_across_a_permission_boundary(
    queue: Queue, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sportello.accounts import permissions

    secret = ensure_queue("Secret", group=queue.group)
    a = make_ticket(queue, actor)
    b = make_ticket(secret, actor)
    real = permissions.may
    monkeypatch.setattr(
        permissions, "may", lambda u, p, q: False if q.pk == secret.pk else real(u, p, q)
    )
    start = last_id()
    with pytest.raises(NotFound):
        actions.merge(a, b, actor=actor)
    assert types_after(a, start) == [] and fresh(a).state.name == "new"


def test_split_creates_a_linked_child_with_a_copy(queue: Queue, actor: Actor) -> None:
    mail = customer_mail(
        body="Zweites Problem",
        attachments=[AttachmentInput("log.txt", "text/plain", b"log")],
    )
    ticket = make_ticket(queue, actor, customer_user_id="max@example.org", article=mail)
    article = ticket.articles.get()
    target = ensure_queue("IT::Web", group=queue.group)
    start = last_id()
    new = actions.split(article, actor=actor, title="Neues Problem", queue=target)
    assert new.title == "Neues Problem" and new.queue == target
    assert new.customer_user_id == "max@example.org"
    copy = new.articles.get()
    assert copy.body == "Zweites Problem" and copy.attachments.get().file.read() == b"log"
    link = TicketLink.objects.get()
    assert (link.source, link.target, link.type) == (ticket, new, "parent_child")
    assert types_after(ticket, start) == ["Split", "Link"]
    assert types_after(new, start)[:2] == ["NewTicket", "EmailCustomer"]
    assert "Link" in types_after(new, start)
    with pytest.raises(InvalidInput):
        actions.split(article, actor=actor, title=" ", queue=target)


def test_master_slave_state_changes_reach_slaves(queue: Queue, actor: Actor) -> None:
    master, s1, s2 = (make_ticket(queue, actor) for _ in range(3))
    start = last_id()
    actions.set_master(master, actor=actor)
    actions.set_slave(s1, master, actor=actor)
    actions.set_slave(s2, master, actor=actor)
    assert types_after(master, start) == ["MasterSlave"]
    assert (
        fresh(s1).history.filter(type="MasterSlave").get().new_value == f"SlaveOf:{master.number}"
    )
    assert [t.pk for t in actions.slaves_of(master)] == [s1.pk, s2.pk]
    actions.close(master, state_by_name("closed successful"), actor=actor, note_body="done")
    for slave in (s1, s2):
        assert fresh(slave).state.name == "closed successful"
    with pytest.raises(InvalidInput, match="not a master"):
        actions.set_slave(s2, s1, actor=actor)
    with pytest.raises(InvalidInput, match="own master"):
        actions.set_slave(master, master, actor=actor)
    with pytest.raises(Conflict, match="still the master"):
        actions.unset_master_slave(master, actor=actor)
    actions.unset_master_slave(s1, actor=actor)
    assert not MasterSlave.objects.filter(ticket=s1).exists()


def test_lock_for_dialog_and_undo_keep_the_owner(queue: Queue, actor: Actor, other: Actor) -> None:
    ticket = make_ticket(queue, actor, owner=other.user)
    assert actions.lock_for_dialog(ticket, actor=actor) is True
    assert fresh(ticket).owner == actor.user and fresh(ticket).is_locked
    assert actions.lock_for_dialog(ticket, actor=actor) is False
    with pytest.raises(Conflict):
        actions.lock_for_dialog(ticket, actor=other)
    start = last_id()
    actions.undo_and_finish(ticket, actor=actor, took_lock=True)
    after = fresh(ticket)
    assert not after.is_locked and after.owner == actor.user
    assert types_after(ticket, start) == ["Unlock"]
    actions.lock(ticket, actor=actor)
    actions.undo_and_finish(ticket, actor=actor, took_lock=False)
    assert fresh(ticket).is_locked  # a lock the dialog did not take stays


def test_editing_refuses_a_stale_version(queue: Queue, actor: Actor, other: Actor) -> None:
    ticket = make_ticket(queue, actor)
    seen = fresh(ticket).changed
    with actions.editing(ticket, actor=other, changed=seen) as current:
        actions.set_priority(
            current, ticket.priority.__class__.objects.get(name="4 high"), actor=other
        )
    with (
        pytest.raises(Conflict, match="changed by Paolo Verdi") as refused,
        actions.editing(ticket, actor=actor, changed=seen) as current,
    ):
        actions.note(current, actor=actor, body="lost?")
    assert refused.value.code == "stale"
    assert fresh(ticket).articles.count() == 1
    with actions.editing(ticket, actor=actor, changed=fresh(ticket).changed) as current:
        actions.note(current, actor=actor, body="now")
    assert fresh(ticket).articles.count() == 2
