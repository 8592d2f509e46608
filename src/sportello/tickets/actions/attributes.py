"""Single attributes of a ticket: queue, state, pending time, priority, type, title,
customer, service, SLA; and history rows for what time brought about."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.queues.models import Queue
from sportello.sla import selectors as sla_selectors
from sportello.sla.models import SLA, Service
from sportello.tickets import events
from sportello.tickets.actions._base import (
    _change,
    _locked_ticket,
    _name,
    _publish,
    _require_valid,
    _timestamp,
    _touch,
)
from sportello.tickets.history import record
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    TITLE_MAX_LENGTH,
    Priority,
    State,
    StateType,
    Ticket,
    TicketType,
)


def move(ticket: Ticket, queue: Queue, *, actor: Actor, note: str = "") -> Ticket:
    def check(current: Ticket) -> None:
        _require_valid(queue, _("Queue %(name)s is not valid."))
        permissions.require(actor.user, "move_into", queue)

    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="queue",
        value=queue,
        show=lambda q: q.full_name,
        history_type=HistoryType.MOVE,
        event_class=events.TicketMoved,
        check=check,
        comment=note,
    )


def set_state(
    ticket: Ticket, state: State, *, actor: Actor, pending_until: datetime | None = None
) -> Ticket:
    """Change the state; a pending state needs ``pending_until`` (recorded as its own
    SetPendingTime row). Merged is reached only by merging."""
    if state.type == StateType.MERGED:
        raise InvalidInput(_("Use merge to put a ticket into state %(name)s."), name=str(state))
    _require_valid(state, _("State %(name)s is not valid."))
    if state.is_pending and pending_until is None:
        raise InvalidInput(_("A pending state needs a pending time."))
    with transaction.atomic():
        current = _change(
            ticket,
            actor=actor,
            permission="rw",
            attribute="state",
            value=state,
            show=_name,
            history_type=HistoryType.STATE_UPDATE,
            event_class=events.TicketStateChanged,
        )
        current = set_pending_time(
            current, pending_until if state.is_pending else None, actor=actor
        )
    return current


def set_pending_time(ticket: Ticket, until: datetime | None, *, actor: Actor) -> Ticket:
    def check(current: Ticket) -> None:
        if until is not None and not current.state.is_pending:
            raise InvalidInput(_("Only a pending ticket has a pending time."))

    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="pending_until",
        value=until,
        show=_timestamp,
        history_type=HistoryType.SET_PENDING_TIME,
        event_class=events.TicketPendingTimeChanged,
        check=check,
    )


def set_priority(ticket: Ticket, priority: Priority, *, actor: Actor) -> Ticket:
    _require_valid(priority, _("Priority %(name)s is not valid."))
    return _change(
        ticket,
        actor=actor,
        permission="priority",
        attribute="priority",
        value=priority,
        show=_name,
        history_type=HistoryType.PRIORITY_UPDATE,
        event_class=events.TicketPriorityChanged,
    )


def set_type(ticket: Ticket, ticket_type: TicketType, *, actor: Actor) -> Ticket:
    _require_valid(ticket_type, _("Ticket type %(name)s is not valid."))
    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="type",
        value=ticket_type,
        show=_name,
        history_type=HistoryType.TYPE_UPDATE,
        event_class=events.TicketTypeChanged,
    )


def set_title(ticket: Ticket, title: str, *, actor: Actor) -> Ticket:
    """An agent's title is kept as typed (without surrounding blanks): one that does not
    fit is refused, not cut (mail subjects are fitted when a ticket is created)."""
    title = title.strip()
    if not title:
        raise InvalidInput(_("The title must not be empty."))
    if any(char in title for char in "\r\n"):
        raise InvalidInput(_("The title must be a single line."))
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidInput(
            _("The title must not be longer than %(count)d characters."), count=TITLE_MAX_LENGTH
        )
    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="title",
        value=title,
        show=str,
        history_type=HistoryType.TITLE_UPDATE,
        event_class=events.TicketTitleChanged,
    )


def set_customer(
    ticket: Ticket, *, customer_user_id: str, customer_company_id: str, actor: Actor
) -> Ticket:
    """Change customer user and company together: one CustomerUpdate row."""
    new = (customer_user_id.strip()[:250], customer_company_id.strip()[:150])
    with transaction.atomic():
        current = _locked_ticket(ticket)
        permissions.require(actor.user, "rw", current.queue)
        old = (current.customer_user_id, current.customer_company_id)
        if old == new:
            return current
        current.customer_user_id, current.customer_company_id = new
        _touch(current, actor, "customer_user_id", "customer_company_id")
        shown_old, shown_new = " / ".join(filter(None, old)), " / ".join(filter(None, new))
        record(current, HistoryType.CUSTOMER_UPDATE, actor=actor, old=shown_old, new=shown_new)
        _publish(events.TicketCustomerChanged, current, actor, "customer", shown_old, shown_new)
    return current


def set_service(ticket: Ticket, service: Service | None, *, actor: Actor) -> Ticket:
    """Set the ticket's service (its SLA applies unless the ticket has its own). An own
    SLA the new service does not offer is removed with it, as in OTRS."""
    if service is not None:
        _require_valid(service, _("Service %(name)s is not valid."))
    with transaction.atomic():
        current = _change(
            ticket,
            actor=actor,
            permission="rw",
            attribute="service",
            value=service,
            show=lambda s: "" if s is None else s.full_name,
            history_type=HistoryType.SERVICE_UPDATE,
            event_class=events.TicketServiceChanged,
        )
        if current.sla is not None and not sla_selectors.offers(service, current.sla):
            current = set_sla(current, None, actor=actor)
    return current


def set_sla(ticket: Ticket, sla: SLA | None, *, actor: Actor) -> Ticket:
    """Set the ticket's own SLA (None: the service's, else the queue's default); with a
    service, only an SLA the service offers (``sla.selectors.slas_for``)."""
    if sla is not None:
        _require_valid(sla, _("SLA %(name)s is not valid."))

    def check(current: Ticket) -> None:
        if sla is not None and not sla_selectors.offers(current.service, sla):
            raise InvalidInput(
                _("SLA %(name)s is not offered for service %(service)s."),
                name=sla.name,
                service=str(current.service),
            )

    return _change(
        ticket,
        actor=actor,
        permission="rw",
        attribute="sla",
        value=sla,
        show=_name,
        history_type=HistoryType.SLA_UPDATE,
        event_class=events.TicketSLAChanged,
        check=check,
    )


def record_time_event(
    ticket: Ticket, type: HistoryType, *, actor: Actor, new: str = "", comment: str = ""
) -> None:
    """A history row for something time brought about (escalation, reminder) that
    changes no attribute of the ticket."""
    record(ticket, type, actor=actor, new=new, comment=comment)
