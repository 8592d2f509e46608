from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from sportello.accounts.models import User
from sportello.customers.models import CustomerUser
from sportello.portal import auth, tokens
from sportello.portal.models import Attempt
from tests.portal.conftest import PASSWORD, Case, links_in_outbox, login

pytestmark = pytest.mark.django_db


def test_login_with_password_and_logout(client: Client, customer_a: CustomerUser) -> None:
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=%2Fportal%2F"
    page = client.get("/portal/login/")
    assert page.status_code == 200 and b"Log in to My requests" in page.content
    response = client.post("/portal/login/", {"login": "anna", "password": "wrong"})
    assert response.status_code == 200 and b"wrong" in response.content
    assert auth.SESSION_KEY not in client.session
    # Login or address, any case.
    response = client.post(
        "/portal/login/", {"login": "ANNA@uni.example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert client.session[auth.SESSION_KEY] == customer_a.pk
    customer_a.refresh_from_db()
    assert customer_a.last_login is not None
    assert client.get("/portal/").status_code == 200
    assert client.get("/portal/logout/").status_code == 405  # logging out is a POST
    assert client.post("/portal/logout/").status_code == 302
    assert client.get("/portal/").status_code == 302


def test_login_changes_the_session_key(client: Client, customer_a: CustomerUser) -> None:
    client.get("/portal/login/")
    client.session.save()
    before = client.session.session_key
    csrf_before = client.cookies["csrftoken"].value
    login(client, customer_a)
    assert client.session.session_key != before
    assert client.cookies["csrftoken"].value != csrf_before  # a new CSRF secret too


def test_next_stays_inside_the_portal(client: Client, customer_a: CustomerUser) -> None:
    for wanted, expected in [
        ("/portal/forms/", "/portal/forms/"),
        ("https://evil.example.com/portal/", "/portal/"),
        ("//evil.example.com/portal/", "/portal/"),
        ("/admin/", "/portal/"),
    ]:
        response = client.post(
            "/portal/login/", {"login": "anna", "password": PASSWORD, "next": wanted}
        )
        assert response["Location"] == expected
        client.post("/portal/logout/")


def test_invalid_customer_cannot_log_in_and_is_logged_out(
    client: Client, customer_a: CustomerUser
) -> None:
    login(client, customer_a)
    customer_a.valid = False
    customer_a.save()
    assert client.get("/portal/").status_code == 302
    response = client.post("/portal/login/", {"login": "anna", "password": PASSWORD})
    assert response.status_code == 200


def test_password_change_ends_other_sessions(client: Client, customer_a: CustomerUser) -> None:
    login(client, customer_a)
    customer_a.set_password("Another-Long-Secret-42")
    customer_a.save()
    assert client.get("/portal/").status_code == 302


def test_customers_and_agents_stay_apart(
    client: Client, customer_a: CustomerUser, agent: User
) -> None:
    login(client, customer_a)
    # A customer session is no agent login.
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session
    # An agent's login is no customer session.
    other = Client()
    other.force_login(agent)
    response = other.get("/portal/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    # Customer credentials do not work on the agent login, nor agent ones on the portal.
    response = Client().post("/login/", {"username": "anna", "password": PASSWORD})
    assert response.status_code == 200
    response = Client().post("/portal/login/", {"login": "agent1", "password": "pw-agent1-long"})
    assert response.status_code == 200 and b"wrong" in response.content


def test_throttling_per_account(client: Client, customer_a: CustomerUser, settings: Any) -> None:
    settings.SPORTELLO_PORTAL_LOGIN_FAILURES_PER_ACCOUNT = 3
    # Login and address count for the same account.
    for name in ["anna", "ANNA@uni.example.org", "Anna"]:
        assert client.post("/portal/login/", {"login": name, "password": "x"}).status_code == 200
    # Even the right password is refused now, from any address.
    response = Client(REMOTE_ADDR="10.9.9.9").post(
        "/portal/login/", {"login": "anna", "password": PASSWORD}
    )
    assert response.status_code == 429 and b"Too many failed logins" in response.content
    assert auth.SESSION_KEY not in client.session
    # After the window the account can log in again.
    Attempt.objects.update(created=timezone.now() - timedelta(minutes=16))
    login(client, customer_a)


def test_throttling_per_ip(client: Client, customer_a: CustomerUser, settings: Any) -> None:
    settings.SPORTELLO_PORTAL_LOGIN_FAILURES_PER_IP = 4
    for number in range(4):
        client.post("/portal/login/", {"login": f"nobody{number}", "password": "x"})
    response = client.post("/portal/login/", {"login": "anna", "password": PASSWORD})
    assert response.status_code == 429
    # Another address is not affected.
    login(Client(REMOTE_ADDR="10.1.2.3"), customer_a)


def test_success_clears_account_failures(
    client: Client, customer_a: CustomerUser, settings: Any
) -> None:
    settings.SPORTELLO_PORTAL_LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(2):
        client.post("/portal/login/", {"login": "anna", "password": "x"})
    login(client, customer_a)
    client.post("/portal/logout/")
    for _ in range(2):
        client.post("/portal/login/", {"login": "anna", "password": "x"})
    login(client, customer_a)


def _path(url: str) -> str:
    return urlsplit(url).path


def test_login_link_works_once_and_expires(client: Client, customer_a: CustomerUser) -> None:
    response = client.post("/portal/login/link/", {"email": "anna@uni.example.org"})
    assert response.status_code == 200 and b"Check your mail" in response.content
    [link] = links_in_outbox("anna@uni.example.org")
    path = _path(link)
    # Opening the link (a mail scanner does that) does not use it up.
    page = client.get(path)
    assert page.status_code == 200 and b"Log in now" in page.content
    assert client.post(path).status_code == 302
    assert client.session[auth.SESSION_KEY] == customer_a.pk
    client.post("/portal/logout/")
    # Single use: the login changed the state the token was signed with.
    assert Client().post(path).status_code == 400
    assert Client().get(path).status_code == 400


def test_login_link_expires_after_15_minutes(customer_a: CustomerUser, settings: Any) -> None:
    token = tokens.make_customer_token(customer_a, tokens.LOGIN)
    assert tokens.check_customer_token(token, tokens.LOGIN) == customer_a
    settings.SPORTELLO_PORTAL_LINK_MINUTES = 0
    assert tokens.check_customer_token(token, tokens.LOGIN) is None
    # Tokens of one purpose are no good for another.
    assert tokens.check_customer_token(token, tokens.RESET) is None
    assert tokens.check_customer_token(token + "x", tokens.LOGIN) is None


def test_link_for_unknown_address_says_the_same(client: Client, customer_a: CustomerUser) -> None:
    known = client.post("/portal/login/link/", {"email": "anna@uni.example.org"})
    unknown = client.post("/portal/login/link/", {"email": "nobody@uni.example.org"})
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')
    assert token.sub(b"", known.content) == token.sub(b"", unknown.content)
    assert links_in_outbox("nobody@uni.example.org") == []
    bad = client.post("/portal/login/link/", {"email": "not an address"})
    assert bad.status_code == 400


def test_mailed_links_are_rate_limited(
    client: Client, customer_a: CustomerUser, settings: Any
) -> None:
    settings.SPORTELLO_PORTAL_MAILS_PER_IP_HOUR = 2
    for _ in range(2):
        assert (
            client.post("/portal/login/link/", {"email": "anna@uni.example.org"}).status_code == 200
        )
    assert client.post("/portal/login/link/", {"email": "anna@uni.example.org"}).status_code == 429
    assert len(links_in_outbox("anna@uni.example.org")) == 2


def test_password_reset(client: Client, customer_a: CustomerUser, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert client.get("/portal/password/reset/").status_code == 200
    response = client.post("/portal/password/reset/", {"email": "anna@uni.example.org"})
    assert response.status_code == 200
    [link] = links_in_outbox("anna@uni.example.org")
    path = _path(link)
    assert client.get(path).status_code == 200
    response = client.post(path, {"password1": "short", "password2": "short"})
    assert response.status_code == 400 and b"too short" in response.content
    response = client.post(path, {"password1": "New-Long-Secret-99", "password2": "other"})
    assert response.status_code == 400 and b"differ" in response.content
    response = client.post(
        path, {"password1": "New-Long-Secret-99", "password2": "New-Long-Secret-99"}
    )
    assert response.status_code == 302
    customer_a.refresh_from_db()
    assert customer_a.check_password("New-Long-Secret-99")
    assert customer_a.password.startswith("argon2")
    assert Client().get(path).status_code == 400  # used


def test_session_cookie_flags(client: Client, customer_a: CustomerUser, settings: Any) -> None:
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = client.post("/portal/login/", {"login": "anna", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    page = client.get("/portal/login/")  # the CSRF cookie of the login forms
    assert page.status_code == 302  # already logged in
    anonymous = Client().get("/portal/login/")
    csrf = anonymous.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_csp_on_portal_pages(client_a: Client, case_a: Case) -> None:
    for path in ["/portal/", f"/portal/requests/{case_a.ticket.number}/", "/portal/forms/"]:
        response = client_a.get(path)
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
        assert b"<script" not in response.content and b"style=" not in response.content
        assert response["X-Frame-Options"] == "DENY"
    login_page = Client().get("/portal/login/")
    assert "default-src 'self'" in login_page["Content-Security-Policy"]


def test_language_choice(client: Client, customer_a: CustomerUser) -> None:
    response = client.post("/portal/language/", {"language": "it", "next": "/portal/forms/"})
    assert response.status_code == 302 and response["Location"] == "/portal/forms/"
    assert response.cookies["django_language"].value == "it"
    assert '<html lang="it">' in client.get("/portal/login/").content.decode()
    login(client, customer_a)
    client.post("/portal/language/", {"language": "de"})
    customer_a.refresh_from_db()
    assert customer_a.language == "de"
    # Unknown languages and outside targets are ignored.
    response = client.post("/portal/language/", {"language": "xx", "next": "https://evil.test/"})
    assert response["Location"] == "/portal/"
    customer_a.refresh_from_db()
    assert customer_a.language == "de"
