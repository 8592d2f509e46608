"""The operations' rules through Django's test client: authentication (sessions kept as
digests, expiry, the log-in throttles), customers, Znuny's defaults and validation,
TicketGet's options, TicketSearch's parameters, the OTRS IDs of seeded rows."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from sportello.accounts.models import User
from sportello.api.genericinterface import names
from sportello.api.genericinterface.models import GenericInterfaceSession
from sportello.customers.models import CustomerUser
from sportello.tickets.models import DynamicField, State, Ticket
from tests.api.genericinterface.conftest import AGENT_PASSWORD, CUSTOMER_PASSWORD, WEBSERVICE

LOGIN = {"UserLogin": "gi-agent", "Password": AGENT_PASSWORD}
CUSTOMER = {"CustomerUserLogin": "jdoe", "Password": CUSTOMER_PASSWORD}
ARTICLE = {"Subject": "Help", "Body": "text", "MimeType": "text/plain", "Charset": "UTF8"}


def gi(method: str, route: str, body: dict[str, Any] | None = None, **query: Any) -> Any:
    client = Client()
    path = WEBSERVICE + route + ("?" + urlencode(query, doseq=True) if query else "")
    if method == "GET":
        response = client.get(path)
    else:
        response = client.generic(method, path, json.dumps(body or {}), "application/json")
    assert response.status_code == 200, response.content
    return response.json()


def create(credentials: dict[str, str] = LOGIN, **ticket: Any) -> dict[str, Any]:
    values = {"Title": "Printer", "Queue": "Raw", "State": "new", "Priority": "3 normal",
              "CustomerUser": "jdoe@example.com", **ticket}  # fmt: skip
    return gi("POST", "/Ticket", {**credentials, "Ticket": values, "Article": ARTICLE})  # type: ignore[no-any-return]


def code(answer: dict[str, Any]) -> str:
    return str(answer["Error"]["ErrorCode"])


def test_sessions_are_kept_as_digests_and_expire(gi_agent: User) -> None:
    session_id = gi("POST", "/Session", LOGIN)["SessionID"]
    stored = GenericInterfaceSession.objects.get()
    assert stored.digest != session_id and session_id not in stored.digest
    assert stored.agent == gi_agent
    assert "Ticket" not in gi("GET", "/TicketList", SessionID=session_id, TicketID="1")
    GenericInterfaceSession.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert code(gi("GET", f"/Session/{session_id}")) == "SessionGet.SessionInvalid"
    assert code(gi("GET", "/Ticket", SessionID=session_id)) == "TicketSearch.AuthFail"


def test_a_deactivated_agent_loses_the_session(gi_agent: User) -> None:
    session_id = gi("POST", "/Session", LOGIN)["SessionID"]
    User.objects.filter(pk=gi_agent.pk).update(is_active=False)
    assert code(gi("GET", "/Ticket", SessionID=session_id)) == "TicketSearch.AuthFail"


def test_failed_logins_are_throttled_like_the_web_login(gi_agent: User, settings: Any) -> None:
    settings.SPORTELLO_LOGIN_FAILURES = 2
    for _attempt in range(2):
        assert code(gi("POST", "/Session", {**LOGIN, "Password": "wrong"})) == (
            "SessionCreate.AuthFail"
        )
    # The right password no longer helps until the window has passed.
    assert code(gi("POST", "/Session", LOGIN)) == "SessionCreate.AuthFail"


def test_customer_logins_count_against_the_portal_throttle(
    customer_a: CustomerUser, settings: Any
) -> None:
    settings.SPORTELLO_PORTAL_LOGIN_FAILURES_PER_ACCOUNT = 2
    for _attempt in range(2):
        gi("POST", "/Session", {**CUSTOMER, "Password": "wrong"})
    assert code(gi("POST", "/Session", CUSTOMER)) == "SessionCreate.AuthFail"


def test_customer_creates_for_themselves_and_may_only_add_articles(
    gi_agent: User, customer_a: CustomerUser
) -> None:
    created = create(CUSTOMER, CustomerUser="someone-else@example.com")
    ticket = Ticket.objects.get(pk=created["TicketID"])
    assert ticket.customer_user_id == "jdoe"
    first = ticket.articles.get()
    assert first.sender_type == "customer" and first.from_address == "Jo Jdoe <jdoe@example.com>"
    assert ticket.history.get(type="NewTicket").actor_name == "jdoe@example.com"
    reply = gi("PATCH", f"/Ticket/{ticket.pk}", {**CUSTOMER, "Article": ARTICLE})
    assert reply["ArticleID"] == str(ticket.articles.get(number=2).pk)
    change = {**CUSTOMER, "Ticket": {"Priority": "5 very high"}}
    assert code(gi("PATCH", f"/Ticket/{ticket.pk}", change)) == "TicketUpdate.AccessDenied"
    assert code(create(CUSTOMER, Owner="gi-agent")) == "TicketCreate.AccessDenied"
    hidden = {**ARTICLE, "IsVisibleForCustomer": 0}
    gi("PATCH", f"/Ticket/{ticket.pk}", {**CUSTOMER, "Article": hidden})
    assert ticket.articles.get(number=3).visible_for_customer


def test_create_defaults_and_validation(gi_agent: User) -> None:
    created = create(StateID=4, PriorityID=5, QueueID=4, Owner="gi-agent")
    ticket = Ticket.objects.get(pk=created["TicketID"])
    assert (ticket.state.name, ticket.priority.name, ticket.queue.full_name) == (
        "open", "5 very high", "Misc"
    )  # fmt: skip
    assert ticket.lock == "lock"  # an explicit owner locks, as in Znuny
    article = ticket.articles.get()
    assert (article.channel, article.sender_type, article.visible_for_customer) == (
        "internal", "agent", True
    )  # fmt: skip
    assert code(create(CustomerUser="not an address")) == "TicketCreate.InvalidParameter"
    assert code(create(StateID=77)) == "TicketCreate.InvalidParameter"
    assert code(create(State="")) == "TicketCreate.MissingParameter"
    assert code(create(PendingTime={"Year": 2026})) == "TicketCreate.InvalidParameter"
    only_mime = {**LOGIN, "Ticket": {"Title": "t", "Queue": "Raw", "State": "new",
                 "Priority": "3 normal", "CustomerUser": "a@example.org"},
                 "Article": {"Subject": "s", "Body": "b", "Charset": "utf-8"}}  # fmt: skip
    answer = gi("POST", "/Ticket", only_mime)
    assert answer["Error"]["ErrorMessage"] == "TicketCreate: Article->MimeType is required!"


def test_pending_by_diff_and_html_articles(gi_agent: User) -> None:
    created = create()
    html = {**ARTICLE, "MimeType": "text/html", "Body": "<p>Hello <b>there</b></p>"}
    body = {**LOGIN, "Ticket": {"State": "pending reminder", "PendingTime": {"Diff": 120}},
            "Article": html}  # fmt: skip
    gi("PATCH", f"/Ticket/{created['TicketID']}", body)
    ticket = Ticket.objects.get(pk=created["TicketID"])
    assert ticket.state.name == "pending reminder"
    assert ticket.pending_until is not None
    remaining = ticket.pending_until - timezone.now()
    assert timedelta(minutes=118) < remaining <= timedelta(minutes=120)
    article = ticket.articles.get(number=2)
    assert "Hello" in article.body and "<b>" not in article.body
    assert article.body_html == "<p>Hello <b>there</b></p>"


def test_ticket_get_options(gi_agent: User) -> None:
    attachment = {"Content": base64.b64encode(b"data").decode(), "ContentType": "text/plain",
                  "Filename": "../a.txt"}  # fmt: skip
    created = create()
    ticket_id = created["TicketID"]
    note = {**LOGIN, "Article": {**ARTICLE, "Subject": "Second"}, "Attachment": attachment}
    gi("PATCH", f"/Ticket/{ticket_id}", note)
    query = {**LOGIN, "AllArticles": 1, "ArticleOrder": "DESC", "ArticleLimit": 1,
             "Attachments": 1, "GetAttachmentContents": 0}  # fmt: skip
    got = gi("GET", f"/Ticket/{ticket_id}", **query)["Ticket"][0]
    [article] = got["Article"]
    assert article["Subject"] == "Second"
    assert article["Attachment"][0]["Filename"] == "a.txt"
    assert article["Attachment"][0]["Content"] == ""
    assert article["Attachment"][0]["FilesizeRaw"] == "4"
    assert all(isinstance(got[key], str) for key in ("TicketID", "StateID", "QueueID"))
    only = gi("GET", f"/Ticket/{ticket_id}", **LOGIN, AllArticles=1, ArticleSenderType="customer")
    assert only["Ticket"][0]["Article"] == []


def test_search_parameters(gi_agent: User, external_ref: DynamicField) -> None:
    DynamicField.objects.create(
        name="Cost", object_type="ticket", field_type="integer", labels={"en": "Cost"}
    )
    cheap = create(Title="Cheap")
    dear = create(Title="Dear", State="open")
    body = {**LOGIN, "DynamicField": [{"Name": "Cost", "Value": 10}]}
    gi("PATCH", f"/Ticket/{cheap['TicketID']}", body)
    gi(
        "PATCH",
        f"/Ticket/{dear['TicketID']}",
        {**body, "DynamicField": {"Name": "Cost", "Value": 90}},
    )
    search = {**LOGIN, "DynamicField_Cost": {"GreaterThan": 10}}
    assert gi("POST", "/Ticket/Search", search) == {"TicketID": [dear["TicketID"]]}
    search = {**LOGIN, "DynamicField": {"Name": "Cost", "SmallerThanEquals": 10}}
    assert gi("POST", "/Ticket/Search", search) == {"TicketID": [cheap["TicketID"]]}
    assert code(gi("POST", "/Ticket/Search", {**LOGIN, "DynamicField_Cost": {"Like": "x"}})) == (
        "TicketSearch.InvalidParameter"
    )
    numbers = [cheap["TicketNumber"], dear["TicketNumber"]]
    assert gi("GET", "/Ticket", **LOGIN, TicketNumber=numbers, SortBy="Title", OrderBy="Up") == {
        "TicketID": [cheap["TicketID"], dear["TicketID"]]
    }
    assert gi("GET", "/Ticket", **LOGIN, StateType="Open", Limit=1) == {
        "TicketID": [dear["TicketID"]]
    }
    assert gi("GET", "/Ticket", **LOGIN, StateType="Closed") == {}
    assert gi("GET", "/Ticket", **LOGIN, Title="Ch%") == {"TicketID": [cheap["TicketID"]]}
    assert gi("GET", "/Ticket", **LOGIN, OwnerIDs=gi_agent.pk, Locks="lock") == {}


@pytest.mark.parametrize(
    ("name", "otrs_id"),
    [("new", "1"), ("open", "4"), ("closed successful", "2"), ("pending reminder", "6")],
)
def test_seeded_states_carry_znuny_ids(name: str, otrs_id: str, transactional_db: None) -> None:
    state = State.objects.get(name=name)
    assert names.gi_id(state) == otrs_id
    assert names.by_id(State, otrs_id) == state


def test_other_rows_carry_their_id_plus_the_offset(transactional_db: None) -> None:
    spam = State.objects.get(name="closed spam")
    assert names.gi_id(spam) == str(spam.pk + names.OFFSET)
    assert names.by_id(State, spam.pk + names.OFFSET) == spam
    assert names.by_id(State, 99) is None


def test_ticket_get_reads_a_fixed_number_of_queries(gi_agent: User) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    DynamicField.objects.create(
        name="Mood", object_type="article", field_type="text", labels={"en": "Mood"}
    )
    counts = []
    for articles in (2, 6):
        ticket_id = create()["TicketID"]
        for _n in range(articles - 1):
            body = {**LOGIN, "Article": ARTICLE, "DynamicField": {"Name": "Mood", "Value": "ok"}}
            gi("PATCH", f"/Ticket/{ticket_id}", body)
        # The fields and catalogs come from the configuration cache: read on the first call.
        gi("GET", f"/Ticket/{ticket_id}", **LOGIN, AllArticles=1, DynamicFields=1)
        with CaptureQueriesContext(connection) as queries:
            got = gi("GET", f"/Ticket/{ticket_id}", **LOGIN, AllArticles=1, DynamicFields=1)
        assert len(got["Ticket"][0]["Article"]) == articles
        assert got["Ticket"][0]["Article"][1]["DynamicField"] == [{"Name": "Mood", "Value": "ok"}]
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_body_over_the_limit_is_refused_with_413(gi_agent: User, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({**LOGIN, "Ticket": {"Title": "x" * 2000}})
    response = Client().post(WEBSERVICE + "/Ticket", body, "application/json")
    assert response.status_code == 413
    assert not Ticket.objects.exists()
