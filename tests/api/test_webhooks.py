"""Webhooks delivered to a real HTTP server on loopback: the signed body, a retry after
a 500 with a growing wait, the queue filter, and nothing sent inside the request."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from sportello.api import webhooks
from sportello.api.models import DeliveryStatus, Webhook, WebhookDelivery
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.sla.jobs import deliver
from sportello.sla.models import EscalationNotice
from sportello.tickets.models import Ticket
from tests.api.conftest import ApiClient

SECRET = "s3cr3t-key"


class Receiver:
    """An HTTP server on a free loopback port that records every POST and answers with
    the next status of ``statuses`` (200 once they run out)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def _hook(url: str, events: list[str], queues: list[Queue] = ()) -> Webhook:  # type: ignore[assignment]
    hook = Webhook.objects.create(name="monitor", url=url, secret=SECRET, events=events)
    hook.queues.set(queues)
    return hook


def _create(api: ApiClient, queue: Queue, capture: Any) -> str:
    with capture(execute=True):
        response = api.post("/tickets", {"title": "Disk full", "queue": queue.full_name,
                                         "article": {"body": "b"}})  # fmt: skip
    assert response.status_code == 201, response.content
    return str(response.json()["number"])


def test_signed_delivery_of_a_new_ticket(
    api: ApiClient, queue: Queue, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    _hook(receiver.url, ["ticket.created"])
    number = _create(api, queue, django_capture_on_commit_callbacks)
    [request] = receiver.received
    body = request["body"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert request["headers"]["X-Sportello-Signature"] == expected
    assert request["headers"]["X-Sportello-Event"] == "ticket.created"
    payload = json.loads(body)
    assert payload["event"] == "ticket.created" and payload["ticket"]["number"] == number
    assert payload["ticket"]["queue"] == queue.full_name
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    assert request["headers"]["X-Sportello-Delivery"] == str(delivery.pk)


def test_a_500_is_retried_with_a_growing_wait(
    api: ApiClient, queue: Queue, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    _hook(receiver.url, ["ticket.created", "ticket.priority_changed"])
    receiver.statuses = [500, 503]
    number = _create(api, queue, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert delivery.next_attempt is not None
    first_wait = delivery.next_attempt - timezone.now()
    assert timedelta(seconds=20) < first_wait <= timedelta(seconds=30)
    # Not due yet: the minute job leaves it.
    assert webhooks.deliver_due(timezone.now()) == 0
    later = delivery.next_attempt + timedelta(seconds=1)
    assert webhooks.deliver_due(later) == 0  # the 503
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_attempt == later + timedelta(minutes=1)
    assert webhooks.deliver_due(delivery.next_attempt) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    bodies = {r["body"] for r in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1  # the same bytes every time
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"/tickets/{number}", {"priority": "5 very high"})
    change = json.loads(receiver.received[-1]["body"])
    assert change["change"] == {"attribute": "priority", "old": "3 normal", "new": "5 very high"}


def test_gives_up_after_the_last_attempt(
    api: ApiClient, queue: Queue, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    _hook(receiver.url, ["ticket.created"])
    receiver.statuses = [500] * webhooks.MAX_ATTEMPTS
    _create(api, queue, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    while delivery.status == DeliveryStatus.PENDING:
        assert delivery.next_attempt is not None
        webhooks.deliver_due(delivery.next_attempt)
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS


def test_queue_filter_and_event_choice(
    api: ApiClient,
    queue: Queue,
    group: Any,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    other = ensure_queue("IT::Mail", group=group)
    _hook(receiver.url, ["ticket.created", "article.added"], queues=[other])
    _create(api, queue, django_capture_on_commit_callbacks)
    assert receiver.received == [] and not WebhookDelivery.objects.exists()
    _create(api, other, django_capture_on_commit_callbacks)
    assert sorted(json.loads(r["body"])["event"] for r in receiver.received) == [
        "article.added",
        "ticket.created",
    ]


def test_unreachable_receiver_is_logged_not_raised(
    api: ApiClient, queue: Queue, django_capture_on_commit_callbacks: Any
) -> None:
    closed = Receiver()
    url = closed.url
    closed.close()
    _hook(url, ["ticket.created"])
    _create(api, queue, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.response_status is None
    assert delivery.error


def test_nothing_is_sent_inside_the_request(
    api: ApiClient, queue: Queue, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    """The request stores the delivery and enqueues it; the consumer sends it later."""
    from huey.contrib.djhuey import HUEY

    _hook(receiver.url, ["ticket.created"])
    HUEY.immediate = False
    try:
        _create(api, queue, django_capture_on_commit_callbacks)
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, receiver.received) == ("pending", 0, [])
        assert [t.args for t in HUEY.pending() if t.name.endswith("deliver_webhook")] == [
            (delivery.pk,)
        ]
    finally:
        HUEY.flush()
        HUEY.immediate = True
    assert webhooks.attempt(delivery.pk) is True
    assert len(receiver.received) == 1


def test_escalations_and_merges_are_events(
    api: ApiClient, queue: Queue, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    number = _create(api, queue, django_capture_on_commit_callbacks)
    _hook(receiver.url, ["ticket.escalated", "ticket.escalation_warning", "ticket.merged"])
    ticket = Ticket.objects.get(number=number)
    notices = [EscalationNotice.objects.create(ticket=ticket, kind=kind)
               for kind in ("escalation_warning", "escalation")]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        deliver([notice.pk for notice in notices])
    other = _create(api, queue, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/tickets/{other}/merge", {"into": number}).status_code == 200
    names = [json.loads(r["body"])["event"] for r in receiver.received]
    assert names[:2] == ["ticket.escalation_warning", "ticket.escalated"]
    assert "ticket.merged" in names[2:]
