"""Presence over HTTP: the dialog page announces, the zoom and the overviews of the
others show it, submit and undo end it; the endpoints ask the permission module, want
the CSRF token and are rate-limited; the stream tells only the ticket's readers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.core import live
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets import presence
from sportello.tickets.models import Ticket
from sportello.web.views import live as live_view
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(queue: Queue, actor: Actor) -> Ticket:
    return make_ticket(queue, actor)


def _client(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def _announce(client: Client, ticket: Ticket, **data: str) -> Any:
    return client.post(f"/ticket/{ticket.number}/presence/announce/", data)


def test_the_others_zoom_and_overview_show_who_is_answering(
    agent: User, other_agent: User, ticket: Ticket
) -> None:
    assert _announce(_client(agent), ticket, activity="answer").status_code == 204
    watcher = _client(other_agent)
    zoom = watcher.get(f"/ticket/{ticket.number}/").content.decode()
    assert 'aria-live="polite"' in zoom
    assert "Erika Muster is answering" in zoom
    region = watcher.get(f"/ticket/{ticket.number}/presence/").content.decode()
    assert "Erika Muster is answering" in region
    assert 'data-expires-in="60"' in region
    overview = watcher.get("/overview/status/?type=new").content.decode()
    assert f"/ticket/{ticket.number}/" in overview
    assert "Erika Muster is answering" in overview
    # Not to the agent herself.
    assert "is answering" not in _client(agent).get(f"/ticket/{ticket.number}/").content.decode()


def test_in_german_and_italian(agent: User, other_agent: User, ticket: Ticket) -> None:
    presence.announce(ticket.pk, agent, "note")
    watcher = _client(other_agent)
    for language, text in (("de", "Erika Muster schreibt eine Notiz"), ("it", "Erika Muster")):
        html = watcher.get(
            f"/ticket/{ticket.number}/presence/", HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
        assert text in html
    assert "sta scrivendo una nota" in html


def test_leave_submit_and_undo_end_it(agent: User, other_agent: User, ticket: Ticket) -> None:
    client = _client(agent)
    _announce(client, ticket, activity="note")
    assert _announce(client, ticket, leave="1").status_code == 204
    assert presence.current(ticket.pk) == []
    # Submitting the dialog ends it on the server (the page's beacon may come too late).
    presence.announce(ticket.pk, agent, "note")
    changed = Ticket.objects.get(pk=ticket.pk).changed.isoformat()
    response = client.post(
        f"/ticket/{ticket.number}/action/note/",
        {"changed": changed, "subject": "Stand", "body": "Router getauscht"},
    )
    assert response.status_code == 302
    assert presence.current(ticket.pk) == []
    presence.announce(ticket.pk, agent, "edit")
    client.post(f"/ticket/{ticket.number}/undo/")
    assert presence.current(ticket.pk) == []


def test_the_dialog_page_announces_itself(agent: User, ticket: Ticket) -> None:
    html = _client(agent).get(f"/ticket/{ticket.number}/action/note/").content.decode()
    assert f'data-presence-announce="/ticket/{ticket.number}/presence/announce/"' in html
    assert 'data-presence-activity="note"' in html
    # A dialog that writes nothing worth a warning does not.
    html = _client(agent).get(f"/ticket/{ticket.number}/action/priority/").content.decode()
    assert "data-presence-announce" not in html


def test_bad_input_permissions_csrf_and_rate(
    agent: User, queue: Queue, ticket: Ticket, settings: Any
) -> None:
    client = _client(agent)
    assert _announce(client, ticket, activity="dancing").status_code == 400
    assert _announce(client, ticket).status_code == 400
    assert _announce(_client(agent, csrf=True), ticket, activity="note").status_code == 403
    # A reader with "note" may say they write a note, not that they answer.
    group, _created = provisioning.add_group("notes-only")
    noted = ensure_queue("Notes", group=group)
    reader = User.objects.create_user("reader", password="pw-reader-long")
    for permission in ("ro", "note"):
        provisioning.grant(group, permission, agent=reader)
    other = make_ticket(noted, Actor.system("mail"))
    reader_client = _client(reader)
    assert _announce(reader_client, other, activity="note").status_code == 204
    assert _announce(reader_client, other, activity="answer").status_code == 403
    assert _announce(reader_client, ticket, activity="note").status_code == 404
    for _ in range(presence.RATE_LIMIT):
        presence.allowed(agent)
    assert _announce(client, ticket, activity="note").status_code == 429


@pytest.mark.skipif(connection.vendor == "postgresql", reason="in-process path (SQLite)")
def test_the_stream_tells_readers_only(
    agent: User, other_agent: User, ticket: Ticket, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_view, "STREAM_SECONDS", 0.5)
    monkeypatch.setattr(live_view, "HEARTBEAT_SECONDS", 0.5)
    stranger = User.objects.create_user("nogrant", password="pw-nogrant-long")
    streams = []
    for user in (other_agent, stranger, agent):
        response: Any = _client(user).get("/events/")
        stream = iter(response.streaming_content)
        assert next(stream) == b"retry: 2000\n\n"
        streams.append(stream)
    presence.announce(ticket.pk, agent, "answer")
    watcher, strangers, own = (b"".join(s).decode() for s in streams)
    assert f'event: presence\ndata: {{"kind": "presence", "ticket": {ticket.pk}}}' in watcher
    assert "presence" not in strangers
    assert "presence" not in own
    live.stop()
