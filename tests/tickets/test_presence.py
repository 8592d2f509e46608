"""Presence records: who works on a ticket, for how long, and what the watchers are told."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts.models import User
from sportello.core import live
from sportello.tickets import presence

T0 = 1_800_000_000.0


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[live.LiveItem]:
    items: list[live.LiveItem] = []
    monkeypatch.setattr(presence.live, "publish", items.append)
    return items


def test_announce_is_published_once_and_renewed_quietly(
    agent: User, published: list[live.LiveItem]
) -> None:
    assert presence.announce(7, agent, "answer", now=T0)
    assert published == [live.LiveItem(live.PRESENCE, 7, agent.pk)]
    # A heartbeat renews without telling anyone; a moment later it is not even written.
    assert not presence.announce(7, agent, "answer", now=T0 + 2)
    assert not presence.announce(7, agent, "answer", now=T0 + 30)
    assert len(published) == 1
    (shown,) = presence.current(7, now=T0 + 30 + presence.TTL - 1)
    assert shown.text == "Erika Muster is answering"
    # Another activity is news.
    assert presence.announce(7, agent, "note", now=T0 + 40)
    assert presence.current(7, now=T0 + 41)[0].text == "Erika Muster is writing a note"
    assert len(published) == 2


def test_it_expires_without_a_heartbeat(agent: User, published: list[Any]) -> None:
    presence.announce(7, agent, "phone", now=T0)
    assert presence.current(7, now=T0 + presence.TTL - 1)
    assert presence.current(7, now=T0 + presence.TTL) == []
    # Expired is gone: announcing again is news.
    assert presence.announce(7, agent, "phone", now=T0 + presence.TTL + 1)


def test_leave_ends_it_at_once(agent: User, other_agent: User, published: list[Any]) -> None:
    presence.announce(7, agent, "answer", now=T0)
    presence.announce(7, other_agent, "note", now=T0 + 1)
    assert [p.agent_id for p in presence.current(7, now=T0 + 2)] == [agent.pk, other_agent.pk]
    assert presence.leave(7, agent.pk, now=T0 + 3)
    assert not presence.leave(7, agent.pk, now=T0 + 3)
    assert [p.agent_id for p in presence.current(7, now=T0 + 4)] == [other_agent.pk]
    assert published[-1] == live.LiveItem(live.PRESENCE, 7, agent.pk)
    assert len(published) == 3


def test_the_viewer_is_left_out_and_many_tickets_are_read_at_once(
    agent: User, other_agent: User, published: list[Any]
) -> None:
    presence.announce(1, agent, "answer", now=T0)
    presence.announce(2, other_agent, "forward", now=T0)
    assert presence.current(1, exclude=agent.pk, now=T0) == []
    busy = presence.for_tickets([1, 2, 3], exclude=agent.pk, now=T0)
    assert list(busy) == [2]
    assert busy[2][0].text == "Paolo Verdi is forwarding"


def test_unknown_activity_is_refused(agent: User) -> None:
    with pytest.raises(ValueError):
        presence.announce(1, agent, "dancing")


def test_rate_limit_per_agent_and_minute(agent: User) -> None:
    assert all(presence.allowed(agent, now=T0) for _ in range(presence.RATE_LIMIT))
    assert not presence.allowed(agent, now=T0 + 1)
    assert presence.allowed(agent, now=T0 + 60)
