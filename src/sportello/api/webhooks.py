"""Webhooks: domain events delivered to outside systems as signed JSON.

The bus hands committed events to the subscribers here; when a valid webhook wants the
event (and the ticket's queue, if it names queues), one ``WebhookDelivery`` row is stored
with the exact body, and a Huey task sends it. Nothing is sent inside a web request: the
request only stores rows and enqueues. A body is signed with HMAC-SHA256 over its bytes
under the webhook's secret (``X-Sportello-Signature: sha256=<hex>``). A failed attempt
(no answer, or not 2xx) is tried again later, doubling the wait each time up to
``MAX_ATTEMPTS``; the minute job sends what is due. Each attempt first claims its row
with a conditional update, so several consumers never send the same attempt twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.utils import timezone

from sportello.api import render
from sportello.api.models import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent
from sportello.core import cache
from sportello.core.events import DomainEvent, subscribe
from sportello.sla.events import EscalationNotified
from sportello.tickets import events
from sportello.tickets.models import Ticket

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sportello-Signature"
TIMEOUT = 10  # seconds per attempt
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
# A claimed attempt that never reported back (a killed consumer) is due again after this.
LEASE = timedelta(minutes=5)
BATCH = 100


@dataclass(frozen=True)
class Subscription:
    webhook_id: int
    events: frozenset[str]
    queue_ids: frozenset[int]  # empty: every queue


def subscriptions() -> list[Subscription]:
    """The valid webhooks, from the configuration cache (``cache.watch`` in the app)."""

    def load() -> list[Subscription]:
        rows = Webhook.objects.filter(valid=True).prefetch_related("queues")
        return [
            Subscription(w.pk, frozenset(w.events or []), frozenset(q.pk for q in w.queues.all()))
            for w in rows
        ]

    return cache.get("api.webhooks", load)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _event_name(event: DomainEvent) -> str | None:
    if isinstance(event, EscalationNotified):
        warning = event.kind == "escalation_warning"
        return WebhookEvent.ESCALATION_WARNING if warning else WebhookEvent.ESCALATED
    for kind, name in _EVENTS:
        if isinstance(event, kind):
            return name
    return None


_EVENTS: list[tuple[type[DomainEvent], str]] = [
    (events.TicketCreated, WebhookEvent.TICKET_CREATED),
    (events.ArticleAdded, WebhookEvent.ARTICLE_ADDED),
    (events.TicketStateChanged, WebhookEvent.STATE_CHANGED),
    (events.TicketMoved, WebhookEvent.QUEUE_CHANGED),
    (events.TicketOwnerChanged, WebhookEvent.OWNER_CHANGED),
    (events.TicketPriorityChanged, WebhookEvent.PRIORITY_CHANGED),
    (events.TicketMerged, WebhookEvent.MERGED),
]


def _payload(name: str, event: DomainEvent, ticket: Ticket) -> dict[str, Any]:
    data: dict[str, Any] = {
        "event": name,
        "occurred_at": event.occurred_at,
        "channel": event.channel,
        "ticket": render.summary(ticket),
    }
    if isinstance(event, events.TicketAttributeChanged):
        data["change"] = {"attribute": event.attribute, "old": event.old, "new": event.new}
    elif isinstance(event, events.ArticleAdded):
        data["article"] = {
            "number": event.article_number,
            "channel": event.article_channel,
            "sender_type": event.sender_type,
            "visible_for_customer": event.visible_for_customer,
        }
    return data


def on_event(event: DomainEvent) -> None:
    """Store one delivery per interested webhook and enqueue its sending."""
    name = _event_name(event)
    if name is None or event.quiet or event.ticket_id is None:
        return
    wanted = [s for s in subscriptions() if name in s.events]
    if not wanted:
        return  # the common case: no query at all
    ticket = (
        Ticket.objects.select_related(*render.SUMMARY_RELATIONS).filter(pk=event.ticket_id).first()
    )
    if ticket is None:
        return
    wanted = [s for s in wanted if not s.queue_ids or ticket.queue_id in s.queue_ids]
    if not wanted:
        return
    body = json.dumps(_payload(name, event, ticket), cls=DjangoJSONEncoder, sort_keys=True)
    now = timezone.now()
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook_id=s.webhook_id,
            event=name,
            ticket_number=ticket.number,
            body=body,
            created=now,
            next_attempt=now,
        )
        for s in wanted
    )
    from sportello.api.tasks import deliver_webhook

    for row in rows:
        deliver_webhook(row.pk)


for _kind, _name in _EVENTS:
    subscribe(_kind)(on_event)
subscribe(EscalationNotified)(on_event)


def wait_after(attempts: int) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: 30 s, 1 min, 2 min,
    … at most six hours."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def attempt(pk: int, now: datetime | None = None) -> bool:
    """Send delivery ``pk`` once if it is due and nobody else holds it; True when the
    receiver took it."""
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=pk, status=DeliveryStatus.PENDING, next_attempt__lte=now
    ).update(next_attempt=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return False
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
    status, error = _post(delivery)
    delivery.response_status = status
    delivery.error = error[:500]
    if status is not None and 200 <= status < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered = timezone.now()
        delivery.next_attempt = None
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt = None
    else:
        delivery.next_attempt = now + wait_after(delivery.attempts)
    delivery.save(update_fields=["response_status", "error", "status", "delivered", "next_attempt"])
    return delivery.status == DeliveryStatus.DELIVERED


def _post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = delivery.body.encode()
    if not delivery.webhook.url.lower().startswith(("http://", "https://")):
        return None, "only http and https URLs are delivered to"
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        delivery.webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Sportello-Webhooks/1",
            "X-Sportello-Event": delivery.event,
            "X-Sportello-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(delivery.webhook.secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return int(response.status), ""
    except urllib.error.HTTPError as failure:
        return failure.code, f"HTTP {failure.code}"
    except (urllib.error.URLError, OSError, ValueError) as failure:
        logger.info("webhook delivery %s failed: %s", delivery.pk, failure)
        return None, str(failure)


def deliver_due(now: datetime) -> int:
    """Attempt every delivery whose time has come (retries, and first attempts whose
    task did not run); returns how many were delivered."""
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt__lte=now)
    ids = list(due.order_by("next_attempt").values_list("pk", flat=True)[:BATCH])
    return sum(attempt(pk, now) for pk in ids)
