"""A customer's follow-up: the one rule for what a customer's message to an existing
ticket does, whether it came by mail or through the portal.

On a ticket that is not closed the message is added; a pending one is reopened. On a
closed ticket the queue's follow-up policy decides (OTRS "Follow up option"): reopen it,
reject the follow-up, or file the message as a new ticket linked to the closed one.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from enum import Enum

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.core.actor import Actor
from sportello.core.errors import Conflict
from sportello.core.events import collect
from sportello.queues.models import FollowUpPolicy
from sportello.tickets import events
from sportello.tickets.actions.attributes import set_state
from sportello.tickets.actions.create import add_article, create_ticket
from sportello.tickets.actions.links import link
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import LinkType, Priority, State, StateType, Ticket, TicketType
from sportello.tickets.selectors import state_by_name


class Outcome(Enum):
    ADDED = "added"  # the ticket holds the message (reopened or not)
    REJECTED = "rejected"  # closed, reject policy: kept in the ticket, which stays closed
    NEW_TICKET = "new_ticket"  # closed, new-ticket policy: a new ticket linked to it


@dataclass(frozen=True)
class NewTicket:
    """The attributes of the ticket a follow-up becomes under the new-ticket policy; what
    is left at None is taken from the closed ticket (state and priority: the defaults)."""

    title: str | None = None
    state: State | None = None
    priority: Priority | None = None
    type: TicketType | None = None
    customer_user_id: str | None = None
    customer_company_id: str | None = None
    quiet: bool = False


@dataclass(frozen=True)
class FollowUp:
    outcome: Outcome
    ticket: Ticket  # the ticket that holds the message (the new one under NEW_TICKET)
    article_id: int
    article_number: int
    reopened: bool = False


def reopens(ticket: Ticket, *, is_automatic: bool = False) -> bool:
    """Does a customer's follow-up put ``ticket`` back to open? A closed ticket only under
    the queue's reopen policy and never for automatic mail; a pending one always."""
    state_type = ticket.state.type
    return (
        state_type == StateType.CLOSED
        and ticket.queue.follow_up_policy == FollowUpPolicy.REOPEN
        and not is_automatic  # an auto-reply or bounce never reopens a closed ticket
    ) or state_type in (StateType.PENDING_REMINDER, StateType.PENDING_AUTO)


def customer_follow_up(
    ticket: Ticket,
    data: ArticleInput,
    *,
    actor: Actor,
    is_automatic: bool = False,
    keep_rejected: bool = False,
    new_ticket: NewTicket | None = None,
) -> FollowUp:
    """File ``data`` (the customer's message) on ``ticket`` by the follow-up rule, in one
    transaction. ``ticket`` carries its state and queue as read by the caller.

    Under the reject policy a message that must not be lost (mail: ``keep_rejected``) is
    kept in the closed ticket and the outcome says REJECTED, for the reject auto-response;
    otherwise (the portal, where the customer is told at once) :class:`Conflict` is raised
    and nothing is stored."""
    policy = ticket.queue.follow_up_policy if ticket.state.type == StateType.CLOSED else None
    if policy == FollowUpPolicy.REJECT and not keep_rejected:
        raise Conflict(_("This request is closed. Please file a new request."))
    if policy == FollowUpPolicy.NEW_TICKET:
        return _as_new_ticket(ticket, data, actor=actor, fields=new_ticket or NewTicket())
    reopen = reopens(ticket, is_automatic=is_automatic)
    # Article and reopening stand or fall together; a plain follow-up is one action.
    with transaction.atomic() if reopen else nullcontext():
        article = add_article(ticket, data, actor=actor)
        if reopen:
            ticket = set_state(ticket, state_by_name("open"), actor=actor)
    outcome = Outcome.REJECTED if policy == FollowUpPolicy.REJECT else Outcome.ADDED
    return FollowUp(outcome, ticket, article.pk, article.number, reopened=reopen)


def _as_new_ticket(
    closed: Ticket, data: ArticleInput, *, actor: Actor, fields: NewTicket
) -> FollowUp:
    data.history_type = None  # the first article of a new ticket, not a follow-up
    with transaction.atomic(), collect() as published:
        new = create_ticket(
            title=closed.title if fields.title is None else fields.title,
            queue=closed.queue,
            actor=actor,
            state=fields.state,
            priority=fields.priority,
            type=fields.type or closed.type,
            customer_user_id=(
                closed.customer_user_id
                if fields.customer_user_id is None
                else fields.customer_user_id
            ),
            customer_company_id=(
                closed.customer_company_id
                if fields.customer_company_id is None
                else fields.customer_company_id
            ),
            article=data,
            quiet=fields.quiet,
        )
        link(closed, new, actor=actor, type=LinkType.NORMAL)
    # The first article's id, from its event: no need to read the row back.
    article_id = next(e.article_id for e in published if isinstance(e, events.ArticleAdded))
    return FollowUp(Outcome.NEW_TICKET, new, article_id, 1)
