"""The API's full-text pages are looked for among the newest tickets first (as the agent
search's, ``search.services.newest_rows``): whatever the window, every cursor page holds
what the plain newest-first query gives."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.search import services
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import Channel, SenderType
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _titles(api: ApiClient, query: str) -> list[str]:
    titles: list[str] = []
    cursor = ""
    while True:
        response = api.get(f"/tickets?{query}&limit=2" + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.content
        data = response.json()
        titles += [t["title"] for t in data["tickets"]]
        if not data["next_cursor"]:
            return titles
        cursor = data["next_cursor"]


def test_cursor_pages_whatever_the_window(
    api: ApiClient,
    agent: User,
    queue: Queue,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    actor = Actor(user=agent, channel="web")
    for n in range(7):
        word = "Drucker" if n % 3 == 0 else "VPN"
        article = ArticleInput(
            channel=Channel.PHONE,
            sender_type=SenderType.CUSTOMER,
            subject=f"{word} {n}",
            body=f"{word} geht nicht.",
        )
        with django_capture_on_commit_callbacks(execute=True):  # indexed after commit
            actions.create_ticket(title=f"{word} {n}", queue=queue, actor=actor, article=article)
    for window in (1, 2, 3, 10_000):
        monkeypatch.setattr(services, "RECENT_WINDOW", window)
        assert _titles(api, "fulltext=VPN") == ["VPN 5", "VPN 4", "VPN 2", "VPN 1"]
        assert _titles(api, "fulltext=Drucker") == ["Drucker 6", "Drucker 3", "Drucker 0"]
