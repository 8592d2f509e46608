"""The wire contract with raw HTTP (requests) and pyznuny: the Znuny 7 Ready2Adopt route
set, an admin-defined webservice with otobo-znuny's routes, the error envelope, the
transport's data rules."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from pyznuny import TicketClient
from pyznuny.ticket.exceptions import TicketClientError

from sportello.accounts.models import User
from sportello.api.genericinterface.models import OperationType, Webservice, WebserviceOperation
from sportello.api.genericinterface.transport import query_data
from sportello.tickets.models import DynamicField
from sportello.tickets.models import Ticket as TicketRow
from tests.api.genericinterface.conftest import AGENT_PASSWORD, WEBSERVICE

LOGIN = {"UserLogin": "gi-agent", "Password": AGENT_PASSWORD}
NEW = {
    "Ticket": {
        "Title": "Printer broken",
        "Queue": "Raw",
        "State": "new",
        "Priority": "3 normal",
        "CustomerUser": "jdoe@example.com",
    },
    "Article": {"Subject": "Help", "Body": "text", "ContentType": "text/plain; charset=utf8"},
}


def call(method: str, url: str, **kwargs: Any) -> Any:
    response = requests.request(method, url, timeout=10, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    return response.json()


def test_pyznuny_session_create_update_get(base: str, gi_agent: User) -> None:
    znuny = TicketClient(base + WEBSERVICE, username="gi-agent", password=AGENT_PASSWORD)
    assert znuny.session_id
    created = znuny.ticket.create(
        Ticket=NEW["Ticket"],
        Article={"Subject": "Help", "Body": "text", "ContentType": "text/plain; charset=utf8"},
    ).json()
    ticket_id = created["TicketID"]
    assert isinstance(ticket_id, str) and isinstance(created["ArticleID"], str)
    znuny.ticket.update(ticket_id, Ticket={"State": "open", "Queue": "Misc"})
    got = znuny.ticket.get(ticket_id, all_articles=1).json()["Ticket"][0]
    assert (got["State"], got["StateID"], got["Queue"], got["QueueID"]) == (
        "open",
        "4",
        "Misc",
        "4",
    )
    assert got["Article"][0]["Subject"] == "Help"
    with pytest.raises(TicketClientError):
        znuny.ticket.get("999999")


def test_ready2adopt_routes(base: str, gi_agent: User, external_ref: DynamicField) -> None:
    url = base + "/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
    session = call("POST", url + "/Session", json=LOGIN)["SessionID"]
    body = {**NEW, "SessionID": session, "DynamicField": {"Name": "ExternalRef", "Value": "R-1"}}
    created = call("POST", url + "/Ticket", json=body)
    other = call("POST", url + "/Ticket", json={**NEW, "SessionID": session})
    search = {"SessionID": session, "DynamicField_ExternalRef": {"Equals": "R-1"}}
    assert call("POST", url + "/Ticket/Search", json=search) == {"TicketID": [created["TicketID"]]}
    like = {"SessionID": session, "DynamicField_ExternalRef": {"Like": "R*"}, "Limit": 5}
    assert call("POST", url + "/Ticket/Search", json=like)["TicketID"] == [created["TicketID"]]
    empty = {"SessionID": session, "DynamicField_ExternalRef": {"Empty": 1}}
    assert call("POST", url + "/Ticket/Search", json=empty)["TicketID"] == [other["TicketID"]]
    history = call("GET", url + f"/Ticket/History/{created['TicketID']}?SessionID={session}")
    assert history["TicketHistory"][0]["History"][0]["HistoryType"] == "NewTicket"
    assert call("DELETE", url + f"/Session/{session}") == {"Success": 1}
    error = call("GET", url + f"/Session/{session}")["Error"]
    assert error["ErrorCode"] == "SessionGet.SessionInvalid"


def test_custom_webservice_with_otobo_znuny_routes(base: str, gi_agent: User) -> None:
    service = Webservice.objects.create(name="OtoboZnuny")
    for name, kind, method, route in (
        ("ticket-create", OperationType.TICKET_CREATE, "POST", "/ticket-create"),
        ("ticket-get", OperationType.TICKET_GET, "POST", "/ticket-get"),
        ("ticket-search", OperationType.TICKET_SEARCH, "POST", "/ticket-search"),
        ("ticket-update", OperationType.TICKET_UPDATE, "PUT", "/ticket-update"),
    ):
        WebserviceOperation.objects.create(
            webservice=service, name=name, type=kind, methods=method, route=route,
            include_ticket_data=kind != OperationType.TICKET_SEARCH,
        )  # fmt: skip
    url = base + "/znuny/nph-genericinterface.pl/Webservice/OtoboZnuny"
    created = call("POST", url + "/ticket-create", json={**NEW, **LOGIN})
    assert created["Ticket"]["Title"] == "Printer broken"
    ticket_id = int(created["TicketID"])
    got = call("POST", url + "/ticket-get", json={"TicketID": ticket_id, "AllArticles": 1, **LOGIN})
    assert got["Ticket"][0]["Article"][0]["Body"] == "text"
    found = call(
        "POST", url + "/ticket-search", json={"Title": "Printer*", "Queues": ["Raw"], **LOGIN}
    )
    assert found == {"TicketID": [str(ticket_id)]}
    updated = call(
        "PUT", url + "/ticket-update",
        json={"TicketID": ticket_id, "Ticket": {"Priority": "5 very high"}, **LOGIN},
    )  # fmt: skip
    assert updated["Ticket"]["Priority"] == "5 very high"
    assert TicketRow.objects.get(pk=ticket_id).priority.name == "5 very high"
    # The built-in routes are not part of a defined webservice.
    response = requests.get(url + f"/Ticket/{ticket_id}", timeout=10)
    assert response.status_code == 500 and response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("method", "route", "body", "code"),
    [
        ("POST", "/Session", {"UserLogin": "gi-agent"}, "SessionCreate.MissingParameter"),
        ("POST", "/Session", {"UserLogin": "gi-agent", "Password": "x"}, "SessionCreate.AuthFail"),
        ("POST", "/Ticket", {"Ticket": {}}, "TicketCreate.MissingParameter"),
        ("POST", "/Ticket", {**NEW, "UserLogin": "gi-agent", "Password": "x"},
         "TicketCreate.AuthFail"),
        ("POST", "/Ticket", {**LOGIN, "Ticket": {**NEW["Ticket"], "Title": ""},
                             "Article": NEW["Article"]}, "TicketCreate.MissingParameter"),
        ("POST", "/Ticket", {**LOGIN, "Ticket": {**NEW["Ticket"], "Queue": "Nope"},
                             "Article": NEW["Article"]}, "TicketCreate.InvalidParameter"),
        ("POST", "/Ticket", {**LOGIN, "Ticket": NEW["Ticket"], "Article": {
            "Subject": "s", "Body": "b", "MimeType": "text/plain"}},
         "TicketCreate.MissingParameter"),
        ("GET", "/Ticket/999999", None, "TicketGet.AccessDenied"),
        ("PATCH", "/Ticket/999999", {"Ticket": {"Title": "x"}}, "TicketUpdate.AccessDenied"),
        ("GET", "/TicketHistory/abc", None, "TicketHistoryGet.NotValidTicketID"),
    ],
)  # fmt: skip
def test_error_envelope(
    base: str, gi_agent: User, method: str, route: str, body: Any, code: str
) -> None:
    params = LOGIN if method == "GET" or route.startswith("/Ticket/9") else None
    data = call(method, base + WEBSERVICE + route, json=body, params=params)
    assert set(data) == {"Error"}
    assert data["Error"]["ErrorCode"] == code
    assert data["Error"]["ErrorMessage"].startswith(code.split(".")[0] + ": ")


def test_no_route_and_bad_json_answer_as_znuny(base: str, gi_agent: User) -> None:
    response = requests.put(base + WEBSERVICE + "/Ticket", timeout=10)
    assert response.status_code == 500
    assert "Error while determine Operation" in response.text
    response = requests.post(base + WEBSERVICE + "/Ticket", data=b"{broken", timeout=10)
    assert response.status_code == 500 and '"faultcode": "Server"' in response.text
    assert requests.get(base + "/otrs/nph-genericinterface.pl/Webservice/Nope/Ticket/1",
                        timeout=10).status_code == 500  # fmt: skip


def test_empty_search_is_an_empty_object_and_get_ignores_bodies(base: str, gi_agent: User) -> None:
    # A GET's body is ignored: the credentials in it do not count.
    data = call("GET", base + WEBSERVICE + "/Ticket", json=LOGIN)
    assert data["Error"]["ErrorCode"] == "TicketSearch.MissingParameter"
    assert call("GET", base + WEBSERVICE + "/Ticket", params={**LOGIN, "Title": "none"}) == {}
    # Route parameters win over the query, the query over the body; headers log in.
    headers = {"X-OTRS-Header-UserLogin": "gi-agent", "X-OTRS-Header-Password": AGENT_PASSWORD}
    created = call("POST", base + WEBSERVICE + "/Ticket", json=NEW, headers=headers)
    got = call(
        "GET",
        base + WEBSERVICE + f"/Ticket/{created['TicketID']}",
        params={**LOGIN, "TicketID": "1"},
    )
    assert got["Ticket"][0]["TicketID"] == created["TicketID"]


def test_query_string_rules() -> None:
    data = query_data("States=open&States=new+one;Title=a%2Bb&Limit=0&Empty=")
    assert data == {"States": ["open", "new one"], "Title": "a+b", "Limit": "", "Empty": ""}
