from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from sportello.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def login(client: Client, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_passwords_are_hashed_with_argon2(agent: User) -> None:
    assert agent.password.startswith("argon2$")


def test_login_is_throttled_per_name_and_address(client: Client, agent: User) -> None:
    limit = settings.SPORTELLO_LOGIN_FAILURES
    for _ in range(limit):
        assert login(client, "agent1", "wrong").status_code == 200
    refused = login(client, "agent1", "pw-agent1-long")  # even the right password
    assert refused.status_code == 429 and b"Too many failed log-ins" in refused.content
    assert "_auth_user_id" not in client.session
    # Another address, or another name from this one, is not affected.
    assert login(client, "agent1", "pw-agent1-long", address="10.0.0.2").status_code == 302
    client.logout()
    assert login(client, "AGENT1 ", "x").status_code == 429  # same name, other spelling


def test_success_clears_the_count_and_guessing_many_names_is_throttled(
    client: Client, agent: User
) -> None:
    limit = settings.SPORTELLO_LOGIN_FAILURES
    for _ in range(limit - 1):
        login(client, "agent1", "wrong")
    assert login(client, "agent1", "pw-agent1-long").status_code == 302
    client.logout()
    for _ in range(limit - 1):
        login(client, "agent1", "wrong")
    assert login(client, "agent1", "wrong").status_code == 200  # count restarted at zero
    for n in range(limit * 4):
        login(client, f"guess{n}", "wrong", address="10.9.9.9")
    assert login(client, "agent1", "pw-agent1-long", address="10.9.9.9").status_code == 429


def test_system_user_cannot_log_in(client: Client) -> None:
    system = User.objects.get(username="system")
    system.set_password("system-pw-long-1")
    system.save()
    response = login(client, "system", "system-pw-long-1")
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_logout_needs_post_with_csrf(agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 403
    page = client.get("/")
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert client.post("/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_password_change(client: Client, agent: User) -> None:
    client.force_login(agent)
    assert client.get("/password/").status_code == 200
    bad = client.post(
        "/password/",
        {
            "old_password": "wrong",
            "new_password1": "Tr1cky-Pass-42",
            "new_password2": "Tr1cky-Pass-42",
        },
    )
    assert bad.status_code == 200 and b"incorrectly" in bad.content
    good = client.post(
        "/password/",
        {
            "old_password": "pw-agent1-long",
            "new_password1": "Tr1cky-Pass-42",
            "new_password2": "Tr1cky-Pass-42",
        },
    )
    assert good.status_code == 302 and good["Location"] == "/preferences/"
    agent.refresh_from_db()
    assert agent.check_password("Tr1cky-Pass-42")
    assert client.get("/").status_code == 200  # the session survives the change


def test_every_page_has_a_strict_policy_and_no_inline_script(client: Client, agent: User) -> None:
    client.force_login(agent)
    for path in ("/", "/tickets/new/phone/", "/tickets/new/email/", "/preferences/", "/password/"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "style-src 'self'" in policy and "object-src 'none'" in policy
        html = response.content.decode()
        assert "<script>" not in html and " style=" not in html and "<style" not in html
        assert "https://" not in html.split("<body")[0]  # nothing from other origins


def test_session_cookie_flags() -> None:
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"
    # Secure cookies follow SPORTELLO_TLS, which is on unless demo, debug or tests.
    assert settings.SESSION_COOKIE_SECURE == settings.SECURE_TLS
