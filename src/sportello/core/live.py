"""Live fan-out: the domain events, after commit, to the open event streams of agents.

Each committed event becomes a small item (kind, ticket id, actor id) handed to every
``Listener`` of this process; so does an agent's presence on a ticket (``PRESENCE``:
someone opened a dialog or started typing). This module alone chooses how items travel
between processes: with ``REDIS_URL`` through Redis pub/sub (every web node, whatever its
database), else with PostgreSQL through ``NOTIFY``, else (the embedded SQLite default)
inside the process only. Each process keeps one subscription, opened with its first
listener. Items carry no ticket content: the stream asks the permission module before it
passes one on.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from sportello.core import events

logger = logging.getLogger(__name__)

CHANNEL = "sportello_live"
# The item kind of a presence change (an agent started or stopped working on a ticket).
PRESENCE = "presence"
# A stream that falls this far behind loses items; its page then refreshes anyway.
_BACKLOG = 100


@dataclass(frozen=True)
class LiveItem:
    kind: str
    ticket_id: int | None
    actor_id: int | None


class Listener:
    """The items for one open stream, in order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[LiveItem] = queue.Queue(maxsize=_BACKLOG)

    def put(self, item: LiveItem) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            logger.warning("live listener is %d items behind; dropping one", _BACKLOG)

    def get(self, timeout: float) -> LiveItem | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


class Hub:
    """The listeners of one process and its one subscription to the shared transport."""

    def __init__(self) -> None:
        self.listeners: set[Listener] = set()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def deliver(self, item: LiveItem) -> None:
        with self.lock:
            targets = list(self.listeners)
        for listener in targets:
            listener.put(item)

    def deliver_payload(self, payload: str | bytes) -> None:
        try:
            self.deliver(LiveItem(**json.loads(payload)))
        except (TypeError, ValueError):
            logger.warning("malformed live message %r", payload)

    def subscribe(self, loop: Callable[[Hub, threading.Event], None]) -> None:
        """Start ``loop`` in a thread unless it runs; return once it is subscribed."""
        with self.lock:
            if self.thread is not None and self.thread.is_alive():
                return
            ready = threading.Event()
            self.stopping.clear()
            self.thread = threading.Thread(
                target=loop, args=(self, ready), name="live-subscribe", daemon=True
            )
            self.thread.start()
        # The first stream must not miss what is committed right after it opened.
        ready.wait(timeout=5)

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None


_hub = Hub()


def deliver(item: LiveItem) -> None:
    """Hand ``item`` to every listener of this process."""
    _hub.deliver(item)


def transport() -> str:
    """``redis``, ``postgresql`` or ``process``: how items reach the other processes."""
    if getattr(settings, "REDIS_URL", ""):
        return "redis"
    if connection.vendor == "postgresql":
        return "postgresql"
    return "process"


def publish(item: LiveItem) -> None:
    """Send ``item`` to the listeners of every process (call it after commit)."""
    kind = transport()
    payload = json.dumps(asdict(item))
    if kind == "redis":
        try:
            _redis().publish(redis_channel(), payload)
        except Exception:
            # Pages then learn of the change through their polling.
            logger.exception("live publish to Redis failed")
    elif kind == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])
    else:
        deliver(item)


def subscribe(hub: Hub) -> None:
    """Make sure ``hub`` receives what any process publishes."""
    kind = transport()
    if kind == "redis":
        hub.subscribe(_redis_loop)
    elif kind == "postgresql":
        params = connection.get_connection_params()
        hub.subscribe(lambda h, ready: _pg_loop(h, ready, params))


@contextmanager
def listen(hub: Hub | None = None) -> Iterator[Listener]:
    """A listener registered for the duration of the block."""
    hub = hub or _hub
    listener = Listener()
    subscribe(hub)
    with hub.lock:
        hub.listeners.add(listener)
    try:
        yield listener
    finally:
        with hub.lock:
            hub.listeners.discard(listener)


@events.subscribe(events.DomainEvent)
def _on_event(event: events.DomainEvent) -> None:
    # Runs after commit, so the item goes out at once.
    publish(LiveItem(type(event).__name__, event.ticket_id, event.actor_id))


def redis_channel() -> str:
    # The installation's name keeps two installations on one Redis apart.
    return f"{getattr(settings, 'SPORTELLO_REDIS_NAME', 'sportello')}:{CHANNEL}"


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def _redis_loop(hub: Hub, ready: threading.Event) -> None:
    while not hub.stopping.is_set():
        try:
            pubsub = _redis().pubsub()
            try:
                pubsub.subscribe(redis_channel())
                # Only once Redis confirms is the subscription in place.
                while not hub.stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "subscribe":
                        break
                ready.set()
                while not hub.stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message and message.get("type") == "message":
                        hub.deliver_payload(message["data"])
            finally:
                pubsub.close()
        except Exception:
            logger.exception("live Redis subscription lost; reconnecting")
            hub.stopping.wait(2)


def _pg_loop(hub: Hub, ready: threading.Event, params: dict[str, Any]) -> None:
    import psycopg

    params = {k: v for k, v in params.items() if k not in ("cursor_factory", "context")}
    while not hub.stopping.is_set():
        try:
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                ready.set()
                while not hub.stopping.is_set():
                    # The timeout only lets the loop notice ``stop``.
                    for note in conn.notifies(timeout=1.0):
                        hub.deliver_payload(note.payload)
        except Exception:
            logger.exception("live LISTEN connection lost; reconnecting")
            hub.stopping.wait(2)


def stop() -> None:
    """Close this process's subscription (tests, before dropping the database)."""
    _hub.stop()
