"""The agents' log-in page with single sign-on: local passwords switched off except for
break-glass logins, the methods shown, an open redirect refused, the throttle kept and a
log line for each refusal."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from sportello.accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "Local-secret-4711-x"


@pytest.fixture
def agents(settings: Any) -> tuple[User, User]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin = User.objects.create_user("root-admin", email="a@example.org", password=PASSWORD)
    agent = User.objects.create_user("erika", email="e@example.org", password=PASSWORD)
    return admin, agent


def log_in(client: Client, username: str, **extra: str) -> Any:
    return client.post("/login/", {"username": username, "password": PASSWORD, **extra})


def test_local_passwords_off_except_break_glass(settings: Any, agents: tuple[User, User]) -> None:
    settings.SPORTELLO_AGENT_LOCAL_PASSWORDS = False
    settings.SPORTELLO_AGENT_BREAK_GLASS = ["Root-Admin"]
    assert log_in(Client(), "erika").status_code == 200
    assert log_in(Client(), "root-admin").status_code == 302
    settings.SPORTELLO_AGENT_LOCAL_PASSWORDS = True
    assert log_in(Client(), "erika").status_code == 302


def test_the_page_shows_the_configured_methods(settings: Any) -> None:
    settings.SPORTELLO_AGENT_LOCAL_PASSWORDS = False
    settings.SPORTELLO_AGENT_SAML = {"idp_metadata_file": "/nonexistent", "label": "DFN-AAI"}
    settings.SPORTELLO_AGENT_OIDC = {"discovery_url": "http://127.0.0.1:1/x", "client_id": "c"}
    page = Client(HTTP_ACCEPT_LANGUAGE="de").get("/login/?next=/queues/").content.decode()
    assert 'href="/login/saml/?next=%2Fqueues%2F">Anmelden mit DFN-AAI</a>' in page
    assert ">Anmelden mit Ihr Hochschulkonto</a>" in page
    assert "<summary>Notfall-Anmeldung für Administratoren</summary>" in page
    settings.SPORTELLO_AGENT_SAML = settings.SPORTELLO_AGENT_OIDC = {}
    settings.SPORTELLO_AGENT_LOCAL_PASSWORDS = True
    page = Client().get("/login/").content.decode()
    assert "sso-methods" not in page and "<details" not in page


@pytest.mark.parametrize(
    "wanted",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "http://testserver.evil/"],
)
def test_next_may_not_leave_the_site(agents: tuple[User, User], wanted: str) -> None:
    response = log_in(Client(), "erika", next=wanted)
    assert response.status_code == 302 and response["Location"] == "/"


def test_next_on_the_site_is_kept(agents: tuple[User, User]) -> None:
    assert log_in(Client(), "erika", next="/queues/")["Location"] == "/queues/"


def test_refusals_are_logged_and_throttled(
    settings: Any, agents: tuple[User, User], caplog: pytest.LogCaptureFixture
) -> None:
    settings.SPORTELLO_LOGIN_FAILURES = 2
    client = Client()
    with caplog.at_level(logging.WARNING, logger="sportello.web.views.auth"):
        for _attempt in range(2):
            client.post("/login/", {"username": "erika", "password": "wrong"})
    assert caplog.text.count("agent log-in refused for 'erika' from 127.0.0.1") == 2
    assert log_in(client, "erika").status_code == 429
