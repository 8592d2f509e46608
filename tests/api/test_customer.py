"""A customer user's token: only the customer routes, only their own tickets and the
articles visible for them; new requests and follow-ups through the portal's services."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.management import call_command

from sportello.accounts.models import User
from sportello.api import tokens
from sportello.api.models import ApiToken
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.portal.models import RequestForm
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Channel, SenderType, Ticket
from sportello.tickets.selectors import ticket_type_by_name
from tests.api.conftest import ApiClient, token_for


@pytest.fixture
def anna(db: None) -> CustomerUser:
    return CustomerUser.objects.create(login="anna", email="anna@example.org")


@pytest.fixture
def bruno(db: None) -> CustomerUser:
    return CustomerUser.objects.create(login="bruno", email="bruno@example.org")


def _client(customer: CustomerUser) -> ApiClient:
    return ApiClient(tokens.create_customer_token(customer, name="app").secret)


def _ticket_of(customer: CustomerUser, queue: Queue, agent: User) -> Ticket:
    ticket = actions.create_ticket(
        title=f"Request of {customer.login}",
        queue=queue,
        actor=_actor(agent),
        customer_user_id=customer.login,
        article=actions.ArticleInput(
            channel=Channel.PHONE,
            sender_type=SenderType.CUSTOMER,
            body="My screen is dark",
            visible_for_customer=True,
        ),
    )
    actions.note(ticket, actor=_actor(agent), body="internal remark")
    return ticket


def _actor(agent: User) -> Actor:
    return Actor(user=agent, channel="web")


def test_sees_only_own_tickets_and_visible_articles(
    anna: CustomerUser, bruno: CustomerUser, queue: Queue, agent: User
) -> None:
    mine = _ticket_of(anna, queue, agent)
    theirs = _ticket_of(bruno, queue, agent)
    client = _client(anna)
    listing = client.get("/customer/tickets").json()
    assert [t["number"] for t in listing["tickets"]] == [mine.number]
    detail = client.get(f"/customer/tickets/{mine.number}")
    assert detail.status_code == 200, detail.content
    assert [a["body"] for a in detail.json()["articles"]] == ["My screen is dark"]
    assert "internal remark" not in detail.content.decode()
    assert client.get(f"/customer/tickets/{theirs.number}").status_code == 404
    assert client.get(f"/customer/tickets/{theirs.number}/attachments/1").status_code == 404


def test_agent_routes_refuse_a_customer_token_and_back(anna: CustomerUser, agent: User) -> None:
    client = _client(anna)
    for path in ("/tickets", "/states", "/customers"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "scope"
    agent_client = ApiClient(token_for(agent, "write"))
    refused = agent_client.get("/customer/tickets")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "scope"


def test_creates_requests_and_follow_ups_as_the_customer(
    anna: CustomerUser, queue: Queue, agent: User
) -> None:
    RequestForm.objects.create(
        name="Printing", slug="printing", ticket_type=ticket_type_by_name("Incident"), queue=queue
    )
    client = _client(anna)
    assert client.get("/customer/forms").json() == [{"slug": "printing", "name": "Printing"}]
    unknown = client.post("/customer/tickets", {"form": "nope", "body": "x"})
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "form"
    content = base64.b64encode(b"photo").decode()
    created = client.post(
        "/customer/tickets",
        {"form": "printing", "title": "Paper jam", "body": "Tray 2",
         "attachments": [{"filename": "jam.jpg", "content_type": "image/jpeg",
                          "content": content}]},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    ticket = Ticket.objects.get(number=number)
    assert (ticket.customer_user_id, ticket.queue_id, ticket.type.name) == (
        "anna",
        queue.pk,
        "Incident",
    )
    article = ticket.articles.get()
    assert (article.channel, article.sender_type) == (Channel.WEB, SenderType.CUSTOMER)
    assert article.attachments.get().filename == "jam.jpg"
    reply = client.post(f"/customer/tickets/{number}/articles", {"body": "Still jammed"})
    assert reply.status_code == 201, reply.content
    assert [a["body"] for a in reply.json()["articles"]] == ["Tray 2", "Still jammed"]
    assert ticket.history.filter(type=HistoryType.FOLLOW_UP).exists()
    attachment_id = created.json()["articles"][0]["attachments"][0]["id"]
    download = client.get(f"/customer/tickets/{number}/attachments/{attachment_id}")
    assert b"".join(download.streaming_content) == b"photo"


def test_invalid_customer_revoked_and_expired_tokens_are_refused(anna: CustomerUser) -> None:
    new = tokens.create_customer_token(anna, name="app", expires_in_days=1)
    client = ApiClient(new.secret)
    assert client.get("/customer/tickets").status_code == 200
    CustomerUser.objects.filter(pk=anna.pk).update(valid=False)
    assert client.get("/customer/tickets").status_code == 401
    CustomerUser.objects.filter(pk=anna.pk).update(valid=True)
    tokens.revoke_token(new.token.pk)
    assert client.get("/customer/tickets").status_code == 401


def test_cli_creates_and_lists_customer_tokens(anna: CustomerUser, keep_connections: None) -> None:
    out = io.StringIO()
    call_command("token", "create", "anna", "--name", "app", "--scope", "customer",
                 stdout=out, stderr=io.StringIO())  # fmt: skip
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.customer, token.agent, token.scope) == (anna, None, "customer")
    assert ApiClient(secret).get("/customer/tickets").status_code == 200
    listing = io.StringIO()
    call_command("token", "list", "anna", "--customer", stdout=listing)
    assert "app" in listing.getvalue() and secret not in listing.getvalue()


def test_agents_cannot_choose_the_customer_scope(agent: User) -> None:
    from sportello.core.errors import InvalidInput
    from sportello.web.forms.api_tokens import ApiTokenForm

    form = ApiTokenForm({"name": "x", "scope": "customer"})
    assert not form.is_valid() and "scope" in form.errors
    with pytest.raises(InvalidInput):
        tokens.create_token(agent, name="x", scope="customer")
