"""New tickets and new articles."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput
from sportello.core.events import publish, saved_after
from sportello.queues.models import Queue
from sportello.tickets import events
from sportello.tickets.actions._base import (
    _INSERT,
    _fit_title,
    _locked_ticket,
    _require_valid,
    _touch,
)
from sportello.tickets.actions.dynamic_fields import _store_dynamic_fields
from sportello.tickets.actions.locking import _require_may_hold
from sportello.tickets.articles import (
    ArticleInput,
    article_history_type,
    store_article,
)
from sportello.tickets.history import entry, record_all
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    Article,
    DynamicField,
    History,
    Lock,
    Priority,
    State,
    StateType,
    Ticket,
    TicketType,
)
from sportello.tickets.numbers import next_ticket_number
from sportello.tickets.origin import Origin
from sportello.tickets.origin import record as record_origin
from sportello.tickets.selectors import default_priority, default_state, default_ticket_type
from sportello.tickets.time_accounting import account_time


def create_ticket(
    *,
    title: str,
    queue: Queue,
    actor: Actor,
    state: State | None = None,
    priority: Priority | None = None,
    type: TicketType | None = None,
    owner: User | None = None,
    responsible: User | None = None,
    customer_user_id: str = "",
    customer_company_id: str = "",
    pending_until: datetime | None = None,
    lock: bool = False,
    article: ArticleInput | None = None,
    quiet: bool = False,
    dynamic_fields: Mapping[DynamicField, Any] | None = None,
    origin: Origin | None = None,
) -> Ticket:
    """Create a ticket (and its first article): one NewTicket row, one row for the article,
    one DynamicFieldUpdate row per ticket dynamic field given a value; where it came
    from (``origin``, else the actor's channel and the article's) for the statistics."""
    permissions.require(actor.user, "create", queue)
    _require_valid(queue, _("Queue %(name)s is not valid."))
    state = state or default_state()
    if state.type in (StateType.MERGED, StateType.REMOVED):
        raise InvalidInput(_("A new ticket cannot be in state %(name)s."), name=str(state))
    if state.is_pending and pending_until is None:
        raise InvalidInput(_("A pending state needs a pending time."))
    if owner is not None and owner.pk != actor.user.pk:
        _require_may_hold(owner, "owner", queue)
    if responsible is not None:
        _require_may_hold(responsible, "rw", queue)
    owner = owner or actor.user
    _require_valid(owner, _("Agent %(name)s is not active."))
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket(
            number=next_ticket_number(now),
            title=_fit_title(title),
            queue=queue,
            state=state,
            priority=priority or default_priority(),
            type=type or default_ticket_type(),
            lock=Lock.LOCK if lock else Lock.UNLOCK,
            owner=owner,
            responsible=responsible,
            customer_user_id=customer_user_id[:250],
            customer_company_id=customer_company_id[:150],
            pending_until=pending_until if state.is_pending else None,
            created=now,
            created_by=actor.user,
            changed=now,
            changed_by=actor.user,
        )
        _INSERT.save([ticket])
        record_origin(ticket, origin, actor=actor, article=article)
        # The ticket's history row and its first article's are written in one insert.
        history = [
            entry(
                ticket,
                HistoryType.NEW_TICKET,
                actor=actor,
                new=ticket.number,
                comment=f"{queue.full_name} / {state.name} / {ticket.priority.name}",
            )
        ]
        publish(
            events.TicketCreated(
                ticket_id=ticket.pk,
                actor_id=actor.user.pk,
                channel=actor.channel,
                queue_id=queue.pk,
                quiet=quiet,
            ),
            subject=ticket,
        )
        if article is not None:
            _add_article(ticket, article, actor=actor, number=1, quiet=quiet, history=history)
        record_all(history)
        if dynamic_fields:
            _store_dynamic_fields(ticket, dynamic_fields, actor=actor, article=None)
    return ticket


def _add_article(
    ticket: Ticket,
    data: ArticleInput,
    *,
    actor: Actor,
    number: int,
    quiet: bool = False,
    history: list[History] | None = None,
) -> Article:
    """Store the article and its history row (appended to ``history`` when given, for
    the caller to write with its own rows; else written now)."""
    article = store_article(ticket, data, number=number, created_by=actor.user)
    row = entry(
        ticket,
        data.history_type or article_history_type(data, is_first=number == 1),
        actor=actor,
        article=article,
        new=article.subject[:200],
        comment=data.history_comment,
    )
    rows = [row]
    if data.accounted_minutes:
        rows.append(account_time(ticket, article, data.accounted_minutes, actor=actor))
    if history is None:
        record_all(rows)
    else:
        history.extend(rows)
    publish(
        events.ArticleAdded(
            ticket_id=ticket.pk,
            actor_id=actor.user.pk,
            channel=actor.channel,
            article_id=article.pk,
            article_channel=article.channel,
            sender_type=article.sender_type,
            visible_for_customer=article.visible_for_customer,
            is_automatic=article.is_automatic,
            article_number=number,
            quiet=quiet,
        ),
        subject=ticket,
    )
    if data.dynamic_fields:
        _store_dynamic_fields(ticket, data.dynamic_fields, actor=actor, article=article)
    return article


def add_article(
    ticket: Ticket, data: ArticleInput, *, actor: Actor, quiet: bool = False
) -> Article:
    """Append an article (mail, note, phone call, web request) as the next number."""
    permission = "note" if data.sender_type == "agent" else "ro"
    with transaction.atomic():
        current = _locked_ticket(ticket, last_article=True)
        permissions.require(actor.user, permission, current.queue)
        if current.state.type == StateType.MERGED:
            raise Conflict(
                _("Ticket %(number)s was merged; add to its target instead."), number=current.number
            )
        last = getattr(current, "last_article", None) or 0
        # The due times the article moves are written with the change time: one UPDATE.
        with saved_after(current) as columns:
            article = _add_article(current, data, actor=actor, number=last + 1, quiet=quiet)
        current.last_article = article.number  # type: ignore[attr-defined]
        _touch(current, actor, *sorted(columns))
    return article
