"""The agent's dialog actions that write: note, phone call, pending, close, spam, move
with a note."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.queues.models import Queue
from sportello.tickets import rich_text
from sportello.tickets.actions._base import _locked_ticket, _require_valid
from sportello.tickets.actions.attributes import move, set_state
from sportello.tickets.actions.create import add_article
from sportello.tickets.actions.dynamic_fields import set_dynamic_fields
from sportello.tickets.actions.locking import _refuse_if_locked_by_other, _take_lock, unlock
from sportello.tickets.actions.master_slave import slaves_of
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import (
    PENDING_STATE_TYPES,
    Article,
    Channel,
    DynamicField,
    SenderType,
    State,
    StateType,
    Ticket,
)


def _valid_state(state: State, *types: str) -> None:
    _require_valid(state, _("State %(name)s is not valid."))
    if state.type not in types:
        raise InvalidInput(_("State %(name)s is not allowed here."), name=str(state))


def _check_pending_time(until: datetime | None) -> datetime:
    if until is None:
        raise InvalidInput(_("A pending state needs a pending time."))
    if until <= timezone.now():
        raise InvalidInput(_("The pending time must lie in the future."))
    return until


def _new_state(
    current: Ticket, state: State | None, pending_until: datetime | None, actor: Actor
) -> Ticket:
    """Set the state (lock taken first) and apply it to the slaves of a master."""
    if state is None:
        return current
    if state.is_pending:
        _check_pending_time(pending_until)
    current = _take_lock(current, actor)
    current = set_state(current, state, actor=actor, pending_until=pending_until)
    for slave in slaves_of(current):
        if slave.state_id != state.pk or slave.pending_until != current.pending_until:
            set_state(slave, state, actor=actor, pending_until=pending_until)
    return current


def _note_input(
    actor: Actor,
    body: str | rich_text.RichText,
    subject: str,
    *,
    channel: str = Channel.INTERNAL,
    **extra: Any,
) -> ArticleInput:
    written = body if isinstance(body, rich_text.RichText) else rich_text.RichText(body)
    attachments = [*extra.pop("attachments", ()), *written.images]
    return ArticleInput(
        channel=channel,
        sender_type=extra.pop("sender_type", SenderType.AGENT),
        subject=subject.strip()[:250],
        body=written.text,
        body_html=written.html,
        from_address=extra.pop("from_address", actor.user.display_name),
        attachments=attachments,
        **extra,
    )


def note(
    ticket: Ticket,
    *,
    actor: Actor,
    body: str,
    subject: str = "",
    visible_for_customer: bool = False,
    notify: Sequence[User] = (),
    state: State | None = None,
    pending_until: datetime | None = None,
    article_fields: Mapping[DynamicField, Any] | None = None,
    attachments: Sequence[AttachmentInput] = (),
    accounted_minutes: int = 0,
    content_type: str = rich_text.PLAIN,
) -> Article:
    """Add a note: internal unless marked visible for the customer, with its article
    dynamic fields and attachments; the chosen agents are told after commit. A state
    change with it needs the lock. ``body`` is HTML with ``content_type="text/html"``."""
    written = rich_text.from_input(body, content_type)
    if written.empty:
        raise InvalidInput(_("The note is empty."))
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "note", current.queue)
        if state is not None:
            _valid_state(state, *_DIALOG_STATE_TYPES)
            current = _take_lock(current, actor)
        data = _note_input(
            actor,
            written,
            subject or str(_("Note")),
            visible_for_customer=visible_for_customer,
            attachments=attachments,
        )
        data.dynamic_fields = article_fields or {}
        data.accounted_minutes = accounted_minutes
        article = add_article(current, data, actor=actor)
        current = _new_state(current, state, pending_until, actor)
        agents = [a for a in notify if a.pk != actor.user.pk and a.is_active]
        if agents:
            transaction.on_commit(lambda: _notify_agents(current, agents, actor), robust=True)
    return article


_DIALOG_STATE_TYPES = (
    StateType.NEW,
    StateType.OPEN,
    StateType.CLOSED,
    StateType.PENDING_REMINDER,
    StateType.PENDING_AUTO,
)


def _notify_agents(ticket: Ticket, agents: Sequence[User], actor: Actor) -> None:
    from sportello.notifications.models import NotificationType
    from sportello.notifications.services import notify

    notify(ticket, NotificationType.NEW_NOTE, agents, actor_id=actor.user.pk)


def phone_call(
    ticket: Ticket,
    *,
    actor: Actor,
    inbound: bool,
    body: str,
    subject: str = "",
    state: State | None = None,
    pending_until: datetime | None = None,
    article_fields: Mapping[DynamicField, Any] | None = None,
    attachments: Sequence[AttachmentInput] = (),
    accounted_minutes: int = 0,
    content_type: str = rich_text.PLAIN,
) -> Article:
    """Record an outbound (agent → customer) or inbound (customer → agent) phone call;
    the call is part of the customer conversation and takes the lock."""
    written = rich_text.from_input(body, content_type)
    if written.empty:
        raise InvalidInput(_("The phone call needs a text."))
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "note", current.queue)
        if state is not None:
            _valid_state(state, *_DIALOG_STATE_TYPES)
        current = _take_lock(current, actor)
        sender = SenderType.CUSTOMER if inbound else SenderType.AGENT
        default_subject = _("Phone call from customer") if inbound else _("Phone call to customer")
        data = _note_input(
            actor,
            written,
            subject or str(default_subject),
            channel=Channel.PHONE,
            sender_type=sender,
            visible_for_customer=True,
            from_address=current.customer_user_id if inbound else actor.user.display_name,
            attachments=attachments,
        )
        data.dynamic_fields = article_fields or {}
        data.accounted_minutes = accounted_minutes
        article = add_article(current, data, actor=actor)
        current = _new_state(current, state, pending_until, actor)
    return article


def set_pending(
    ticket: Ticket,
    state: State,
    until: datetime,
    *,
    actor: Actor,
    note_body: str = "",
    note_subject: str = "",
    attachments: Sequence[AttachmentInput] = (),
    content_type: str = rich_text.PLAIN,
) -> Ticket:
    """Put the ticket in a pending state (reminder, auto close+/-) until a future time,
    with a note (and its attachments) if one is given; HTML with ``content_type``."""
    _valid_state(state, *PENDING_STATE_TYPES)
    _check_pending_time(until)
    written = rich_text.from_input(note_body, content_type)
    with transaction.atomic():
        current = _take_lock(ticket, actor)
        permissions.require(actor.user, "rw", current.queue)
        if attachments and written.empty:
            raise InvalidInput(_("Attachments need a note to go with."))
        if not written.empty:
            data = _note_input(
                actor, written, note_subject or str(_("Pending")), attachments=attachments
            )
            add_article(current, data, actor=actor)
        current = _new_state(current, state, until, actor)
    return current


def close(
    ticket: Ticket,
    state: State,
    *,
    actor: Actor,
    note_body: str,
    note_subject: str = "",
    attachments: Sequence[AttachmentInput] = (),
    content_type: str = rich_text.PLAIN,
) -> Ticket:
    """Close successful or unsuccessful with a closing note (HTML with ``content_type``);
    a closed ticket is released (the owner stays), and the slaves of a master are closed
    too."""
    _valid_state(state, StateType.CLOSED)
    written = rich_text.from_input(note_body, content_type)
    if written.empty:
        raise InvalidInput(_("A closing note is required."))
    with transaction.atomic():
        current = _take_lock(ticket, actor)
        permissions.require(actor.user, "rw", current.queue)
        data = _note_input(actor, written, note_subject or str(_("Close")), attachments=attachments)
        add_article(current, data, actor=actor)
        current = _new_state(current, state, None, actor)
        current = unlock(current, actor=actor)
    return current


def _state_named(name: str) -> State:
    from sportello.tickets.selectors import state_by_name

    return state_by_name(name)


def mark_spam(ticket: Ticket, *, actor: Actor) -> Ticket:
    """Move to the Junk queue, state "closed spam", release the lock."""
    junk = Queue.objects.filter(full_name="Junk").first()
    if junk is None:
        raise InvalidInput(_("There is no Junk queue."))
    spam = _state_named("closed spam")
    with transaction.atomic():
        current = _take_lock(ticket, actor)
        current = move(current, junk, actor=actor, note=str(_("Spam")))
        current = set_state(current, spam, actor=actor)
        current = unlock(current, actor=actor)
    return current


def move_with_note(
    ticket: Ticket, queue: Queue, *, actor: Actor, note_body: str = "", note_subject: str = ""
) -> Ticket:
    """Move to another queue; an agent who is not the owner takes the lock first."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        _refuse_if_locked_by_other(current, actor)
        if current.owner_id != actor.user.pk:
            current = _take_lock(current, actor)
        if note_body.strip():
            add_article(
                current, _note_input(actor, note_body, note_subject or str(_("Moved"))),
                actor=actor,
            )  # fmt: skip
        current = move(current, queue, actor=actor, note=note_subject.strip())
    return current


def set_free_fields(
    ticket: Ticket,
    values: Mapping[DynamicField, Any],
    *,
    actor: Actor,
    state: State | None = None,
    pending_until: datetime | None = None,
) -> Ticket:
    """The free-fields dialog: dynamic fields and, optionally, a direct state change."""
    with transaction.atomic():
        current = _locked_ticket(ticket)
        if state is not None and state.pk != current.state_id:
            _valid_state(state, *_DIALOG_STATE_TYPES)
        set_dynamic_fields(current, values, actor=actor)
        current = _locked_ticket(current)
        if state is not None and (
            state.pk != current.state_id or (state.is_pending and pending_until)
        ):
            current = _new_state(current, state, pending_until, actor)
    return current
