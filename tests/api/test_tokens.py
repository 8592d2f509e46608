"""Personal API tokens: stored hashed, shown once, refused when expired, revoked, of an
inactive agent or of the wrong scope; the ``sportello token`` command."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from sportello.accounts.models import User
from sportello.api import tokens
from sportello.api.models import ApiToken
from tests.api.conftest import ApiClient, token_for


def test_only_the_digest_is_stored(agent: User) -> None:
    new = tokens.create_token(agent, name="monitoring", scope="read")
    assert new.secret.startswith("spt_") and len(new.secret) > 40
    row = ApiToken.objects.get(pk=new.token.pk)
    assert new.secret not in {row.digest, row.prefix, row.name}
    assert row.digest == tokens.digest(new.secret)
    assert new.secret.startswith(row.prefix)


def test_a_valid_token_authenticates_and_records_last_use(agent: User) -> None:
    secret = token_for(agent, "read")
    response = ApiClient(secret).get("/states")
    assert response.status_code == 200, response.content
    assert ApiToken.objects.get().last_used is not None


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer spt_unknown", "Bearer not-a-token", "Basic YWdlbnQ6cHc="],
)
def test_missing_or_unknown_credentials_get_401(agent: User, header: str) -> None:
    client = ApiClient(**({"Authorization": header} if header else {}))
    response = client.get("/states")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_revoked_token_is_refused(agent: User) -> None:
    new = tokens.create_token(agent, name="old", scope="read")
    tokens.revoke_token(new.token.pk)
    assert ApiClient(new.secret).get("/states").status_code == 401


def test_expired_token_is_refused(agent: User) -> None:
    secret = token_for(agent, "read", expires_in_days=1)
    client = ApiClient(secret)
    assert client.get("/states").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert client.get("/states").status_code == 401


def test_token_of_an_inactive_agent_is_refused(agent: User) -> None:
    secret = token_for(agent, "read")
    User.objects.filter(pk=agent.pk).update(is_active=False)
    assert ApiClient(secret).get("/states").status_code == 401


def test_read_token_may_not_write(agent: User, ticket: object) -> None:
    client = ApiClient(token_for(agent, "read"))
    number = ticket.number  # type: ignore[attr-defined]
    response = client.post(f"/tickets/{number}/lock")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "scope"
    assert ApiClient(token_for(agent, "write")).post(f"/tickets/{number}/lock").status_code == 200


def test_token_value_is_never_logged(agent: User, caplog: pytest.LogCaptureFixture) -> None:
    secret = token_for(agent, "read")
    caplog.set_level(logging.DEBUG)
    ApiClient(secret).get("/tickets/123")
    ApiClient(**{"Authorization": f"Token {secret}"}).get("/states")
    assert secret not in caplog.text


def test_cli_creates_lists_and_revokes(agent: User, keep_connections: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "token", "create", "agent1", "--name", "ci", "--scope", "write", "--expires", "30",
        stdout=out, stderr=err,
    )  # fmt: skip
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert token.digest == tokens.digest(secret) and token.scope == "write"
    assert token.expires is not None
    listing = io.StringIO()
    call_command("token", "list", "agent1", stdout=listing)
    assert "ci" in listing.getvalue() and secret not in listing.getvalue()
    call_command("token", "revoke", str(token.pk), stdout=io.StringIO())
    assert ApiToken.objects.get().revoked is not None
    assert ApiClient(secret).get("/states").status_code == 401


def test_cli_refuses_unknown_agent_and_bad_values(db: None, agent: User) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nobody"):
        call_command("token", "create", "nobody", "--name", "x", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("token", "create", "agent1", "--name", " ", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command(
            "token", "create", "agent1", "--name", "x", "--expires", "0", stdout=io.StringIO()
        )
    with pytest.raises(CommandError):
        call_command("token", "revoke", "999", stdout=io.StringIO())


def test_session_calls_need_csrf_on_unsafe_methods(agent: User, ticket: object) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    number = ticket.number  # type: ignore[attr-defined]
    assert client.get(f"/api/v1/tickets/{number}").status_code == 200
    refused = client.post(f"/api/v1/tickets/{number}/lock")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf"
    client.get("/")  # the agent UI sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    allowed = client.post(f"/api/v1/tickets/{number}/lock", headers={"X-CSRFToken": csrf})
    assert allowed.status_code == 200, allowed.content


def test_rate_limit_per_token(agent: User, settings: object) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.SPORTELLO_API_RATE = "3/m"  # type: ignore[attr-defined]
    first, second = ApiClient(token_for(agent, "read")), ApiClient(token_for(agent, "read"))
    assert [first.get("/states").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/states")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert second.get("/states").status_code == 200  # another token has its own budget
    cache.clear()


def test_token_value_is_never_in_logs_or_history(
    agent: User, ticket: object, caplog: pytest.LogCaptureFixture
) -> None:
    from sportello.tickets.models import History

    secret = token_for(agent, "write")
    caplog.set_level(logging.DEBUG)
    client = ApiClient(secret)
    number = ticket.number  # type: ignore[attr-defined]
    assert client.patch(f"/tickets/{number}", {"title": "Renamed"}).status_code == 200
    assert client.post(f"/tickets/{number}/articles", {"body": "note"}).status_code == 201
    assert client.patch(f"/tickets/{number}", {"title": 5}).status_code == 400
    assert client.get("/no/such/route").status_code == 404
    rows = History.objects.filter(ticket__number=number)
    assert rows.filter(channel="api").exists()
    stored = " ".join(" ".join(map(str, row)) for row in rows.values_list())
    assert secret not in stored and secret not in caplog.text


def test_wrong_scope_tokens_are_refused(agent: User, ticket: object) -> None:
    from sportello.customers.models import CustomerUser

    number = ticket.number  # type: ignore[attr-defined]
    customer = CustomerUser.objects.create(login="max", email="max@example.org")
    customer_secret = tokens.create_customer_token(customer, name="c").secret
    refused = ApiClient(customer_secret).get(f"/tickets/{number}")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "scope"
    read = ApiClient(token_for(agent, "read"))
    assert read.post(f"/tickets/{number}/watch").json()["error"]["code"] == "scope"
    assert ApiClient(token_for(agent, "write")).get("/customer/tickets").status_code == 403
