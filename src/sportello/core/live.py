"""Live fan-out: the domain events, after commit, to the open event streams of agents.

Each committed event becomes a small item (kind, ticket id, actor id) handed to every
``Listener`` of this process. With PostgreSQL the item travels through ``NOTIFY`` so the
streams of every web process see it (one ``LISTEN`` connection per process, opened with
the first listener); on the embedded default (SQLite) it stays in the process. Items
carry no ticket content: the stream asks the permission module before it passes one on.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection

from sportello.core import events

logger = logging.getLogger(__name__)

CHANNEL = "sportello_live"
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


_listeners: set[Listener] = set()
_lock = threading.Lock()
_pg_thread: threading.Thread | None = None
_pg_stop = threading.Event()


def deliver(item: LiveItem) -> None:
    """Hand ``item`` to every listener of this process."""
    with _lock:
        targets = list(_listeners)
    for listener in targets:
        listener.put(item)


def _uses_postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def listen() -> Iterator[Listener]:
    """A listener registered for the duration of the block."""
    listener = Listener()
    if _uses_postgres():
        _ensure_pg_listener(connection.get_connection_params())
    with _lock:
        _listeners.add(listener)
    try:
        yield listener
    finally:
        with _lock:
            _listeners.discard(listener)


@events.subscribe(events.DomainEvent)
def _on_event(event: events.DomainEvent) -> None:
    item = LiveItem(type(event).__name__, event.ticket_id, event.actor_id)
    if _uses_postgres():
        # Runs after commit, so the notification goes out at once.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, json.dumps(asdict(item))])
    else:
        deliver(item)


def _ensure_pg_listener(params: dict[str, Any]) -> None:
    global _pg_thread
    with _lock:
        if _pg_thread is not None and _pg_thread.is_alive():
            return
        ready = threading.Event()
        _pg_stop.clear()
        _pg_thread = threading.Thread(
            target=_pg_loop, args=(params, ready), name="live-listen", daemon=True
        )
        _pg_thread.start()
    # The first stream must not miss what is committed right after it opened.
    ready.wait(timeout=5)


def _pg_loop(params: dict[str, Any], ready: threading.Event) -> None:
    import psycopg

    params = {k: v for k, v in params.items() if k not in ("cursor_factory", "context")}
    while not _pg_stop.is_set():
        try:
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                ready.set()
                while not _pg_stop.is_set():
                    # The timeout only lets the loop notice ``stop``.
                    for note in conn.notifies(timeout=1.0):
                        try:
                            deliver(LiveItem(**json.loads(note.payload)))
                        except (TypeError, ValueError):
                            logger.warning("malformed live notification %r", note.payload)
        except Exception:
            logger.exception("live LISTEN connection lost; reconnecting")
            _pg_stop.wait(2)


def stop() -> None:
    """Close this process's LISTEN connection (tests, before dropping the database)."""
    global _pg_thread
    _pg_stop.set()
    if _pg_thread is not None:
        _pg_thread.join(timeout=5)
        _pg_thread = None
