"""The error envelope: codes of the domain errors, statuses, translated messages, and
never a 500 for malformed input."""

from __future__ import annotations

import pytest

from sportello.accounts.models import User
from sportello.tickets.models import Ticket
from tests.api.conftest import ApiClient


def _error(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]  # type: ignore[no-any-return]


def test_unknown_ticket_is_404_with_code(api: ApiClient, db: None) -> None:
    error = _error(api.get("/tickets/2026010110000019"), 404)
    assert error["code"] == "not_found"
    assert "2026010110000019" in str(error["message"])


@pytest.mark.parametrize(
    "body",
    ["{not json", "[1, 2", b"\xff\xfe", '"just a string"', "[]", "null"],
)
def test_malformed_bodies_get_400(api: ApiClient, ticket: Ticket, body: str) -> None:
    error = _error(api.patch(f"/tickets/{ticket.number}", body), 400)
    assert error["code"] in {"malformed", "invalid"}


def test_wrong_types_and_unknown_fields_get_400_with_field(api: ApiClient, ticket: Ticket) -> None:
    error = _error(api.patch(f"/tickets/{ticket.number}", {"title": 5}), 400)
    assert (error["code"], error["field"]) == ("invalid", "title")
    error = _error(api.patch(f"/tickets/{ticket.number}", {"titel": "x"}), 400)
    assert (error["code"], error["field"]) == ("invalid", "titel")
    error = _error(api.get("/tickets?limit=abc"), 400)
    assert error["field"] == "limit"


def test_unknown_names_are_invalid_input(api: ApiClient, ticket: Ticket) -> None:
    error = _error(api.patch(f"/tickets/{ticket.number}", {"queue": "Nowhere"}), 400)
    assert error["code"] == "invalid" and "Nowhere" in str(error["message"])
    assert error["field"] == "queue"


def test_bad_cursor_is_400(api: ApiClient, db: None) -> None:
    for cursor in ("%%%", "bm90LWEtY3Vyc29y", "dDE6LTE"):
        error = _error(api.get(f"/tickets?cursor={cursor}"), 400)
        assert error["field"] == "cursor"


def test_conflict_is_409(agent: User, other_agent: User, ticket: Ticket) -> None:
    from tests.api.conftest import token_for

    assert ApiClient(token_for(agent)).post(f"/tickets/{ticket.number}/lock").status_code == 200
    error = _error(ApiClient(token_for(other_agent)).post(f"/tickets/{ticket.number}/lock"), 409)
    assert error["code"] == "conflict" and "locked" in str(error["message"])


def test_messages_follow_accept_language(agent: User, db: None) -> None:
    from tests.api.conftest import token_for

    secret = token_for(agent)
    german = ApiClient(secret, **{"Accept-Language": "de"}).get("/tickets?cursor=x")
    assert _error(german, 400)["message"] == "Der Cursor ist ungültig."
    italian = ApiClient(**{"Accept-Language": "it"}).get("/states")
    assert _error(italian, 401)["message"].startswith("Autenticazione")  # type: ignore[union-attr]


def test_huge_body_is_413(api: ApiClient, ticket: Ticket, settings: object) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # type: ignore[attr-defined]
    body = {"kind": "note", "body": "x" * 5000}
    error = _error(api.post(f"/tickets/{ticket.number}/articles", body), 413)
    assert error["code"] == "too_large"


@pytest.mark.parametrize("path", ["/nope", "/tickets/1/nope/deeper", "/customer/nope"])
def test_unknown_paths_get_the_envelope(api: ApiClient, path: str) -> None:
    error = _error(api.get(path), 404)
    assert error["code"] == "not_found"
    german = ApiClient(**{"Accept-Language": "de"}).get(path)
    assert _error(german, 404)["message"] == "Diese API-Route gibt es nicht."


def test_wrong_method_gets_405_in_the_envelope(api: ApiClient, db: None) -> None:
    response = api.call("put", "/states", "{}")
    error = _error(response, 405)
    assert error["code"] == "method_not_allowed" and "PUT" in str(error["message"])
    assert response["Allow"] == "GET"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("created_after=yesterday", "created_after"),
        ("locked=perhaps", "locked"),
        ("archive=all", "archive"),
        ("queue=Nowhere", "queue"),
    ],
)
def test_bad_query_values_name_their_field(api: ApiClient, query: str, field: str) -> None:
    assert _error(api.get(f"/tickets?{query}"), 400)["field"] == field


def test_huge_attachment_in_a_small_limit_is_413_before_decoding(
    api: ApiClient, ticket: Ticket, settings: object
) -> None:
    settings.SPORTELLO_MAX_ATTACHMENT_SIZE = 10  # type: ignore[attr-defined]
    body = {"body": "x", "attachments": [{"filename": "a", "content": "QUFB" * 1000}]}
    error = _error(api.post(f"/tickets/{ticket.number}/articles", body), 413)
    assert (error["code"], error["field"]) == ("too_large", "attachments")
