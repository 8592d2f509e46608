"""The agent's event stream (server-sent events): one line per committed change to a
ticket the agent may read (``ticket``), and one when another agent starts or stops
working on such a ticket (``presence``), so open pages refresh without polling.

The stream ends after ``STREAM_SECONDS``; the browser's EventSource reconnects by itself.
That keeps one request from holding a server thread for ever (see docs/live.md)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

from django.http import HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from sportello.accounts import permissions
from sportello.accounts.decorators import agent_required
from sportello.accounts.models import User
from sportello.core import live
from sportello.tickets.models import Ticket

STREAM_SECONDS = 25.0
HEARTBEAT_SECONDS = 10.0


def may_receive(user: User, item: live.LiveItem) -> bool:
    """Asked at delivery: grants may have changed since the stream opened."""
    if item.ticket_id is None:
        return False
    permissions.forget(user)
    return bool(
        permissions.visible_tickets(user, Ticket.objects.filter(pk=item.ticket_id)).exists()
    )


def _stream(user: User, seconds: float) -> Iterator[str]:
    with live.listen() as listener:
        yield "retry: 2000\n\n"
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            item = listener.get(timeout=min(left, HEARTBEAT_SECONDS))
            if item is None:
                yield ": ping\n\n"
            elif item.kind == live.PRESENCE and item.actor_id == user.pk:
                continue  # the agent's own presence changes nothing on their pages
            elif may_receive(user, item):
                data = {"kind": item.kind, "ticket": item.ticket_id}
                event = "presence" if item.kind == live.PRESENCE else "ticket"
                yield f"event: {event}\ndata: {json.dumps(data)}\n\n"


@require_GET
@agent_required
def events(request: HttpRequest) -> StreamingHttpResponse:
    assert isinstance(request.user, User)
    response = StreamingHttpResponse(
        _stream(request.user, STREAM_SECONDS), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    # Tells a buffering proxy (nginx) to pass each event on at once.
    response["X-Accel-Buffering"] = "no"
    return response
