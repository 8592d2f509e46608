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
