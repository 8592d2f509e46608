from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from tests.tickets.factories import make_ticket
from tests.web.test_actions import version

pytestmark = pytest.mark.django_db


def test_home_redirects_to_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_page_and_login(client: Client, agent: User) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    assert b"<title>Log in \xc2\xb7 Sportello helpdesk</title>" in response.content
    assert "script-src 'self'" in response["Content-Security-Policy"]
    response = client.post("/login/", {"username": "agent1", "password": "wrong"})
    assert response.status_code == 200 and b"wrong" in response.content
    response = client.post("/login/", {"username": "agent1", "password": "pw-agent1-long"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_system_user_cannot_use_the_agent_pages(client: Client) -> None:
    client.force_login(User.objects.get(username="system"))
    assert client.get("/").status_code == 403


def test_ticket_list_and_zoom(client: Client, agent: User, queue: Queue, actor: Actor) -> None:
    ticket = make_ticket(queue, actor, title="<script>alert(1)</script>")
    client.force_login(agent)
    response = client.get("/")
    assert ticket.number.encode() in response.content
    assert b"<script>alert(1)</script>" not in response.content
    response = client.get(f"/ticket/{ticket.number}/")
    assert response.status_code == 200
    assert b"Das WLAN geht nicht." in response.content
    assert b"New ticket" in response.content
    assert client.get("/ticket/0000/").status_code == 404


def test_german_and_italian_pages(client: Client, agent: User) -> None:
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="de")
    assert b"Anmelden" in response.content
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="it")
    assert b"Accedi" in response.content


def test_answer_from_the_zoom_is_sent_and_shown(
    client: Client,
    agent: User,
    queue: Queue,
    actor: Actor,
    settings: object,
    django_capture_on_commit_callbacks: object,
) -> None:
    from sportello.mail.models import OutboxMessage
    from sportello.queues.models import SystemAddress

    queue.system_address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue.save()
    ticket = make_ticket(queue, actor, customer_user_id="max@example.org")
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.number}/")
    assert b'value="max@example.org"' in page.content
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(
            f"/ticket/{ticket.number}/answer/",
            {"to": "max@example.org", "text": "Bitte neu starten.", "changed": version(ticket)},
        )
    assert response.status_code == 302
    outgoing = OutboxMessage.objects.get()
    assert outgoing.status == "sent"  # written as .eml: no SMTP server configured
    eml = list((settings.SPORTELLO_HOME / "outbox-sent").glob("*.eml"))  # type: ignore[attr-defined]
    assert len(eml) == 1 and b"Bitte neu starten." in eml[0].read_bytes()
    page = client.get(f"/ticket/{ticket.number}/")
    assert "Bitte neu starten." in page.content.decode()
    assert '<div class="delivery delivery-sent">Delivery: sent</div>' in page.content.decode()
    bad = client.post(
        f"/ticket/{ticket.number}/answer/",
        {"to": "no address", "text": "x", "changed": version(ticket)},
    )
    assert bad.status_code == 400 and b"Invalid email address" in bad.content
    assert client.get(f"/ticket/{ticket.number}/answer/").status_code == 405


def test_zoom_answer_carries_article_dynamic_fields(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    from sportello.queues.models import SystemAddress
    from sportello.tickets import dynamic_fields as df
    from sportello.tickets.models import DynamicField

    DynamicField.objects.create(
        name="channel-used", object_type="article", field_type="dropdown",
        labels={"en": "Contact path"}, choices=[{"key": "mail"}, {"key": "fax"}], required=True,
    )  # fmt: skip
    queue.system_address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue.save()
    ticket = make_ticket(queue, actor, customer_user_id="max@example.org")
    client.force_login(agent)
    assert "Contact path" in client.get(f"/ticket/{ticket.number}/").content.decode()
    url = f"/ticket/{ticket.number}/answer/"
    bad = client.post(
        url, {"to": "max@example.org", "text": "Hallo", "changed": version(ticket)}
    )  # required, missing
    assert bad.status_code == 400 and ticket.articles.count() == 1
    response = client.post(
        url,
        {
            "to": "max@example.org",
            "text": "Hallo",
            "adf_channel-used": "fax",
            "changed": version(ticket),
        },
    )
    assert response.status_code == 302
    assert df.current_values(ticket.articles.get(number=2)) == {"channel-used": "fax"}
