"""Live refresh in real Chromium: an agent watching a ticket sees another agent's note
appear in the article list without reloading the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from tests.tickets.factories import make_ticket


@pytest.fixture
def wlan(transactional_db: None) -> Queue:
    return ensure_queue("IT::WLAN", group=Group.objects.get(name="users"))


def test_a_note_appears_on_the_other_agents_zoom(
    wlan: Queue,
    make_agent: Callable[..., Any],
    login: Callable[..., Any],
    url: Callable[[str], str],
) -> None:
    from playwright.sync_api import expect

    erika = make_agent("erika", first_name="Erika", last_name="Muster")
    paolo = make_agent("paolo", first_name="Paolo", last_name="Verdi")
    ticket = make_ticket(wlan, Actor.system("mail"))
    zoom = url(f"/ticket/{ticket.number}/")

    watcher = login(paolo)
    watcher.goto(zoom)
    expect(watcher.locator("body")).to_have_attribute("data-live", "on")
    rows = watcher.locator("table.article-list tbody tr")
    expect(rows).to_have_count(1)

    writer = login(erika)
    writer.goto(zoom)
    writer.locator("nav.ticket-actions").get_by_role("link", name="Note", exact=True).click()
    writer.locator(".field-body [contenteditable=true]").fill("Router wurde getauscht.")
    writer.locator("form.dialog-form button[name=submit]").click()
    writer.wait_for_url(zoom)

    # No reload on the watcher's side: the stream brings the change within 2 s.
    expect(rows).to_have_count(2, timeout=2000)
    assert watcher.url == zoom
