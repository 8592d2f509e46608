"""Personal API tokens on the preferences page: created and shown once, listed without
their value, revoked only by their agent."""

from __future__ import annotations

from django.test import Client

from sportello.accounts.models import User
from sportello.api import tokens
from sportello.api.models import ApiToken


def _client(agent: User) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def test_create_shows_the_token_once(agent: User) -> None:
    client = _client(agent)
    created = client.post(
        "/preferences/api-tokens/", {"name": "monitoring", "scope": "write", "expires": "30"}
    )
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    token = ApiToken.objects.get()
    secret = created.context["secret"]
    assert tokens.digest(secret) == token.digest and token.scope == "write"
    assert secret in created.content.decode()
    listing = client.get("/preferences/api-tokens/").content.decode()
    assert "monitoring" in listing and secret not in listing and token.prefix in listing


def test_invalid_input_is_refused(agent: User) -> None:
    response = _client(agent).post("/preferences/api-tokens/", {"name": "", "scope": "root"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoke_only_own_tokens(agent: User, other_agent: User) -> None:
    mine = tokens.create_token(agent, name="mine").token
    theirs = tokens.create_token(other_agent, name="theirs").token
    client = _client(agent)
    assert client.post(f"/preferences/api-tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/preferences/api-tokens/{mine.pk}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked is not None and theirs.revoked is None
