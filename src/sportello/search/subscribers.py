"""The search app listens to new articles and indexes their ticket.

Indexing runs after commit (a domain event), never inside the action's transaction: a
slow or failing index write cannot block or roll back an article. It is handed to a
Huey task (run at once in tests); a lost task leaves the ticket unindexed until the
next article or ``sportello search_index --rebuild``.
"""

from __future__ import annotations

from sportello.core.events import subscribe
from sportello.tickets.events import ArticleAdded


@subscribe(ArticleAdded)
def index_article(event: ArticleAdded) -> None:
    _enqueue(event.ticket_id)


def _enqueue(ticket_id: int | None) -> None:
    from sportello.search.tasks import index_ticket

    if ticket_id is not None:
        index_ticket(ticket_id)
