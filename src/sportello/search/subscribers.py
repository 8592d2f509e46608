"""The search app listens to new articles, merges and dynamic field changes (text
fields are in the index), and indexes their tickets.

The ticket is queued for indexing inside the action's transaction (``search.pending``),
and indexed after commit by a job queue task, never inside the transaction: a slow or
failing index write cannot block or roll back an article.
"""

from __future__ import annotations

from sportello.core.events import DomainEvent, subscribe, subscribe_in_transaction
from sportello.search import pending
from sportello.tickets.events import ArticleAdded, TicketDynamicFieldChanged, TicketMerged
from sportello.tickets.models import Ticket


def queue_ticket(event: DomainEvent, ticket: Ticket) -> None:
    pending.mark(ticket.pk)


def index_soon(event: DomainEvent) -> None:
    pending.wake()


# A merge moves articles: the text of both tickets changes.
for _event_type in (ArticleAdded, TicketMerged, TicketDynamicFieldChanged):
    subscribe_in_transaction(_event_type)(queue_ticket)
    subscribe(_event_type)(index_soon)
