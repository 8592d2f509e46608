from __future__ import annotations

from typing import Any

from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import Channel, SenderType, Ticket


def customer_mail(**overrides: Any) -> ArticleInput:
    values: dict[str, Any] = {
        "channel": Channel.EMAIL,
        "sender_type": SenderType.CUSTOMER,
        "visible_for_customer": True,
        "from_address": "Max Muster <max@example.org>",
        "to_address": "wlan@helpdesk.example.org",
        "subject": "WLAN kaputt",
        "body": "Das WLAN geht nicht.",
    }
    values.update(overrides)
    return ArticleInput(**values)


def make_ticket(queue: Queue, actor: Actor, **overrides: Any) -> Ticket:
    values: dict[str, Any] = {
        "title": "WLAN kaputt",
        "queue": queue,
        "actor": actor,
        "article": customer_mail(),
    }
    values.update(overrides)
    return actions.create_ticket(**values)
