"""Who is working on a ticket right now: an agent with an answer, note, phone or other
ticket dialog open, or typing in the zoom's answer form.

A presence is a record in the shared cache (Redis, or files shared by the processes of
one host), not in process memory: the agent's page and the pages watching the ticket
are served by different processes. It lasts ``TTL`` seconds unless the page renews it
(a heartbeat); submitting, cancelling or leaving the page ends it at once. Each change
goes out as a live item (``core.live.PRESENCE``), which the event stream passes only to
agents who may read the ticket. The clock is a parameter for tests.

Two agents announcing on one ticket in the same instant may overwrite each other's
record; the next heartbeat puts it back.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.core import live

TTL = 60
# A renewal within this many seconds of the last one is not written again.
_RENEW_AFTER = 5
# At most this many announcements per agent and minute (each is a cache write).
RATE_LIMIT = 60

# The activity, the permission it needs on the ticket's queue, and its sentence.
ACTIVITIES = {
    "answer": ("rw", _("%(name)s is answering")),
    "note": ("note", _("%(name)s is writing a note")),
    "phone": ("note", _("%(name)s is recording a phone call")),
    "forward": ("rw", _("%(name)s is forwarding")),
    "edit": ("rw", _("%(name)s is working on this ticket")),
}

Record = dict[str, tuple[str, str, float, float]]  # agent id → (activity, name, since, until)


@dataclass(frozen=True)
class Presence:
    agent_id: int
    name: str
    activity: str
    expires: float

    @property
    def text(self) -> str:
        return str(ACTIVITIES[self.activity][1] % {"name": self.name})


def _key(ticket_id: int) -> str:
    return f"presence:{ticket_id}"


def _load(ticket_id: int, now: float) -> Record:
    stored = cache.get(_key(ticket_id)) or {}
    return {agent: entry for agent, entry in stored.items() if entry[3] > now}


def _save(ticket_id: int, record: Record) -> None:
    if record:
        cache.set(_key(ticket_id), record, TTL + _RENEW_AFTER)
    else:
        cache.delete(_key(ticket_id))


def allowed(agent: User, *, now: float | None = None) -> bool:
    """Count one announcement of ``agent``; False once over ``RATE_LIMIT`` this minute."""
    minute = int((time.time() if now is None else now) // 60)
    key = f"presence-rate:{agent.pk}:{minute}"
    cache.add(key, 0, 120)
    try:
        return cache.incr(key) <= RATE_LIMIT
    except ValueError:  # expired between add and incr
        return True


def announce(ticket_id: int, agent: User, activity: str, *, now: float | None = None) -> bool:
    """``agent`` works on the ticket (opened a dialog, typed, or is still there). Returns
    True when that is news to the watchers (then it was published)."""
    if activity not in ACTIVITIES:
        raise ValueError(activity)
    now = time.time() if now is None else now
    record = _load(ticket_id, now)
    key = str(agent.pk)
    previous = record.get(key)
    news = previous is None or previous[0] != activity
    if previous is not None and not news:
        if now - (previous[3] - TTL) < _RENEW_AFTER:
            return False  # renewed a moment ago
        since = previous[2]
    else:
        since = now
    record[key] = (activity, agent.display_name, since, now + TTL)
    _save(ticket_id, record)
    if news:
        live.publish(live.LiveItem(live.PRESENCE, ticket_id, agent.pk))
    return news


def leave(ticket_id: int, agent_id: int, *, now: float | None = None) -> bool:
    """``agent`` submitted, cancelled or left the page. True if they were present."""
    now = time.time() if now is None else now
    record = _load(ticket_id, now)
    if record.pop(str(agent_id), None) is None:
        return False
    _save(ticket_id, record)
    live.publish(live.LiveItem(live.PRESENCE, ticket_id, agent_id))
    return True


def current(
    ticket_id: int, *, exclude: int | None = None, now: float | None = None
) -> list[Presence]:
    """The agents working on the ticket, less ``exclude`` (the viewer), oldest first."""
    return for_tickets([ticket_id], exclude=exclude, now=now).get(ticket_id, [])


def for_tickets(
    ticket_ids: Iterable[int], *, exclude: int | None = None, now: float | None = None
) -> dict[int, list[Presence]]:
    """``current`` for many tickets at once (an overview page), in one cache read."""
    now = time.time() if now is None else now
    ids = list(ticket_ids)
    stored = cache.get_many([_key(i) for i in ids])
    result: dict[int, list[Presence]] = {}
    for ticket_id in ids:
        entries = [
            (entry[2], Presence(int(agent), entry[1], entry[0], entry[3]))
            for agent, entry in (stored.get(_key(ticket_id)) or {}).items()
            if entry[3] > now and int(agent) != exclude
        ]
        if entries:
            result[ticket_id] = [p for _since, p in sorted(entries, key=lambda e: e[0])]
    return result
