"""Live items through Redis pub/sub (``REDIS_URL``): every web node's subscription gets
an item published after commit, and the stream still passes it only to readers.

Against the Redis on 127.0.0.1:6379 (``SPORTELLO_TEST_REDIS_URL`` names another); the
tests are skipped when none answers, except under ``CI=true``. Each test uses a channel
of its own, so parallel runs on one Redis do not meet."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from sportello.accounts.models import User
from sportello.core import live
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.web.views import live as live_view

REDIS_URL = os.environ.get("SPORTELLO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_live(settings: Any) -> Iterator[None]:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Redis at {REDIS_URL}: {error}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings.REDIS_URL = REDIS_URL
    settings.SPORTELLO_REDIS_NAME = f"test-{uuid.uuid4().hex}"
    yield
    live.stop()


def test_transport_is_chosen_in_one_place(settings: Any) -> None:
    settings.REDIS_URL = ""
    assert live.transport() in ("process", "postgresql")
    settings.REDIS_URL = REDIS_URL
    assert live.transport() == "redis"


@pytest.mark.django_db(transaction=True)
def test_two_nodes_receive_an_item_published_after_commit(
    redis_live: None, agent: User, queue: Queue
) -> None:
    # Two hubs stand for two web nodes: each subscribes in a thread of its own.
    nodes = [live.Hub(), live.Hub()]
    with live.listen(nodes[0]) as first, live.listen(nodes[1]) as second:
        assert all(node.thread is not None and node.thread.is_alive() for node in nodes)
        assert nodes[0].thread is not nodes[1].thread
        with transaction.atomic():
            ticket = actions.create_ticket(
                title="WLAN down", queue=queue, actor=Actor(user=agent, channel="web")
            )
            # Nothing leaves before the commit.
            assert first.get(timeout=0.3) is None
        for listener in (first, second):
            item = listener.get(timeout=5)
            assert item is not None
            assert (item.ticket_id, item.actor_id) == (ticket.pk, agent.pk)
    for node in nodes:
        node.stop()


def test_a_malformed_message_is_skipped(redis_live: None) -> None:
    import redis

    node = live.Hub()
    with live.listen(node) as listener:
        client = redis.Redis.from_url(REDIS_URL)
        client.publish(live.redis_channel(), b"not json")
        live.publish(live.LiveItem("ArticleAdded", 5, None))
        item = listener.get(timeout=5)
        assert item == live.LiveItem("ArticleAdded", 5, None)
    node.stop()


def test_the_stream_filters_what_redis_brings(
    redis_live: None,
    agent: User,
    queue: Queue,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(live_view, "STREAM_SECONDS", 1.5)
    monkeypatch.setattr(live_view, "HEARTBEAT_SECONDS", 1.5)
    stranger = User.objects.create_user("nogrant", password="pw-nogrant-long")
    streams = []
    for user in (agent, stranger):
        client = Client()
        client.force_login(user)
        response: Any = client.get("/events/")
        stream = iter(response.streaming_content)
        assert next(stream) == b"retry: 2000\n\n"
        streams.append(stream)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.create_ticket(
            title="WLAN down", queue=queue, actor=Actor(user=agent, channel="web")
        )
    reader, strangers = (b"".join(s).decode() for s in streams)
    assert f'"ticket": {ticket.pk}' in reader
    assert "event: ticket" not in strangers
