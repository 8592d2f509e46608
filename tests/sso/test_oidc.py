"""OpenID Connect against a real provider (oidc-provider) on loopback, for agents and
customers: the whole code flow with PKCE, the claims and groups mapped, and refusals of
a changed ``state``, a changed ``nonce`` and an open redirect in ``next``."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from django.test import Client

from sportello.accounts.models import AgentGrant, AuthSource, Group, Role, User
from sportello.customers.models import CustomerSource, CustomerUser
from tests.sso.providers import ACCOUNTS, OidcProvider, oidc_client

pytestmark = pytest.mark.django_db
TESTSERVER = "http://testserver"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    server = OidcProvider(
        [
            oidc_client(
                "agents",
                [f"{TESTSERVER}/login/oidc/callback/"],
                [f"{TESTSERVER}/login/oidc/logged-out/"],
            ),
            oidc_client(
                "portal",
                [f"{TESTSERVER}/portal/login/oidc/callback/"],
                [f"{TESTSERVER}/portal/login/oidc/logged-out/"],
            ),
        ],
        ACCOUNTS,
    )
    server.start()
    yield server
    server.stop()


def rp_config(provider: OidcProvider, client_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "discovery_url": provider.discovery_url,
        "client_id": client_id,
        "client_secret": f"{client_id}-secret-for-tests",
        "scope": "openid email profile groups",
        **extra,
    }


@pytest.fixture
def oidc_settings(provider: OidcProvider, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the loopback provider is http
    settings.SPORTELLO_AGENT_OIDC = rp_config(provider, "agents", create_agents=True)
    settings.SPORTELLO_CUSTOMER_OIDC = rp_config(provider, "portal", create_customers=True)
    settings.SPORTELLO_SSO_GROUP_MAP = {
        "helpdesk-network": {"roles": ["Network"], "grants": {"netz": "rw"}}
    }
    Role.objects.create(name="Network")
    Group.objects.create(name="netz")
    return settings


def provider_dance(
    client: Client, start: str, login: str, browser: requests.Session | None = None
) -> str:
    """Our redirect, then the provider's log-in form as a browser would fill it; returns
    the callback URL the provider sends the browser back to."""
    response = client.get(start)
    assert response.status_code == 302
    location = response["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    browser = browser or requests.Session()
    page = browser.get(location, allow_redirects=False, timeout=10)
    for _step in range(10):
        if page.is_redirect:
            location = urljoin(page.url, page.headers["Location"])
            if location.startswith(TESTSERVER):
                return location
            page = browser.get(location, allow_redirects=False, timeout=10)
            continue
        action = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        assert action, page.text[:500]
        page = browser.post(
            urljoin(page.url, action.group(1)),
            data={"prompt": "login", "login": login, "password": "any"},
            allow_redirects=False,
            timeout=10,
        )
    raise AssertionError("the provider did not send the browser back")


def test_agent_signs_on_and_gets_mapped_roles(oidc_settings: Any) -> None:
    client = Client()
    page = client.get("/login/?next=/queues/").content.decode()
    assert 'href="/login/oidc/?next=%2Fqueues%2F"' in page
    before = client.session.session_key
    callback = provider_dance(client, "/login/oidc/?next=/queues/", "nina")
    response = client.get(callback.removeprefix(TESTSERVER))
    assert response.status_code == 302 and response["Location"] == "/queues/"
    nina = User.objects.get(username="nina")
    assert client.session["_auth_user_id"] == str(nina.pk)
    assert client.session.session_key != before
    assert (nina.email, nina.first_name, nina.last_name, nina.language) == (
        "nina@uni.example.org",
        "Nina",
        "Neri",
        "it",
    )
    assert nina.auth_source == AuthSource.OIDC and not nina.has_usable_password()
    assert list(nina.roles.values_list("name", flat=True)) == ["Network"]
    assert AgentGrant.objects.filter(agent=nina, group__name="netz", permission="rw").exists()
    assert client.get("/").status_code == 200


def test_customer_signs_on_to_the_portal(oidc_settings: Any) -> None:
    client = Client()
    callback = provider_dance(client, "/portal/login/oidc/", "stud42")
    response = client.get(callback.removeprefix(TESTSERVER))
    assert response.status_code == 302 and response["Location"] == "/portal/"
    customer = CustomerUser.objects.get(login="stud42")
    assert customer.email == "stud42@studenti.uni.example.org"
    assert (customer.first_name, customer.last_name, customer.language) == (
        "Sara",
        "Studente",
        "it",
    )
    assert customer.source == CustomerSource.SSO and not customer.has_usable_password()
    assert "_auth_user_id" not in client.session  # a customer is no agent
    assert client.get("/portal/").status_code == 200
    # A second sign-on updates the same record.
    CustomerUser.objects.filter(pk=customer.pk).update(email="old@example.org")
    client = Client()
    client.get(provider_dance(client, "/portal/login/oidc/", "stud42").removeprefix(TESTSERVER))
    customer.refresh_from_db()
    assert customer.email == "stud42@studenti.uni.example.org"
    assert CustomerUser.objects.count() == 1


def test_a_changed_state_is_refused(oidc_settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    callback = provider_dance(client, "/login/oidc/", "nina")
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "forged" + query["state"][6:]
    with caplog.at_level(logging.WARNING, logger="sportello.web.views.sso"):
        response = client.get(f"{parts.path}?{urlencode(query)}")
    assert response.status_code == 403
    assert "Sign-on refused" in response.content.decode()
    assert "agent sign-on refused (oidc)" in caplog.text and "state" in caplog.text
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="nina").exists()


def test_a_changed_nonce_is_refused(oidc_settings: Any, caplog: pytest.LogCaptureFixture) -> None:
    client = Client()
    callback = provider_dance(client, "/portal/login/oidc/", "stud42")
    session = client.session
    [key] = [k for k in session.keys() if k.startswith("_state_customer_")]  # noqa: SIM118
    stored = session[key]
    stored["data"]["nonce"] = "not-the-nonce-sent"
    session[key] = stored
    session.save()
    with caplog.at_level(logging.WARNING, logger="sportello.portal.views.sso"):
        response = client.get(callback.removeprefix(TESTSERVER))
    assert response.status_code == 403
    assert "customer sign-on refused (oidc)" in caplog.text and "nonce" in caplog.text
    assert not CustomerUser.objects.exists()


def test_agent_creation_can_be_off(oidc_settings: Any, provider: OidcProvider) -> None:
    oidc_settings.SPORTELLO_AGENT_OIDC = rp_config(provider, "agents")
    client = Client()
    response = client.get(provider_dance(client, "/login/oidc/", "nina").removeprefix(TESTSERVER))
    assert response.status_code == 403 and not User.objects.filter(username="nina").exists()


@pytest.mark.parametrize(
    "wanted",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http://testserver.evil/"],
)
def test_next_may_not_leave_the_site(oidc_settings: Any, wanted: str) -> None:
    client = Client()
    callback = provider_dance(client, f"/login/oidc/?{urlencode({'next': wanted})}", "nina")
    response = client.get(callback.removeprefix(TESTSERVER))
    assert response.status_code == 302 and response["Location"] == "/"


def test_without_configuration_the_urls_lead_to_the_login(settings: Any) -> None:
    settings.SPORTELLO_AGENT_OIDC = {}
    settings.SPORTELLO_CUSTOMER_OIDC = {}
    client = Client()
    for path in ("/login/oidc/", "/login/oidc/callback/", "/login/oidc/logged-out/"):
        assert client.get(path)["Location"] == "/login/"
    for path in (
        "/portal/login/oidc/",
        "/portal/login/oidc/callback/",
        "/portal/login/oidc/logged-out/",
    ):
        assert client.get(path)["Location"] == "/portal/login/"
    assert b"sso-methods" not in client.get("/login/").content


def logout_at_provider(browser: requests.Session, location: str) -> str:
    """The provider's sign-out question answered yes; the URL it sends the browser to."""
    page = browser.get(location, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text[:500]
    form = re.search(r'<form id="op.logoutForm"[^>]*action="([^"]+)"', page.text)
    assert form, page.text[:500]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    answer = browser.post(
        urljoin(page.url, form.group(1)),
        data={**fields, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.is_redirect, answer.text[:500]
    return urljoin(answer.url, answer.headers["Location"])


@pytest.mark.parametrize(
    ("start", "logout", "login_page", "home", "login"),
    [
        ("/login/oidc/", "/logout/", "/login/", "/", "nina"),
        ("/portal/login/oidc/", "/portal/logout/", "/portal/login/", "/portal/", "stud42"),
    ],
)
def test_logout_at_the_provider(
    oidc_settings: Any, start: str, logout: str, login_page: str, home: str, login: str
) -> None:
    client, browser = Client(), requests.Session()
    client.get(provider_dance(client, start, login, browser).removeprefix(TESTSERVER))
    assert client.get(home).status_code == 200
    response = client.post(logout)
    assert response.status_code == 302
    location = response["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert location.startswith(oidc_settings.SPORTELLO_AGENT_OIDC["discovery_url"].split("/.")[0])
    assert query["post_logout_redirect_uri"] == f"{TESTSERVER}{login_page}oidc/logged-out/"
    assert query["id_token_hint"].count(".") == 2 and query["state"]
    assert client.get(home)["Location"].startswith(login_page)  # ended here already
    back = logout_at_provider(browser, location)
    assert back == f"{TESTSERVER}{login_page}oidc/logged-out/?state={query['state']}"
    response = client.get(back.removeprefix(TESTSERVER))
    assert response.status_code == 302 and response["Location"] == login_page
    # The provider's session is over too: a new log-in asks for the password again.
    again = browser.get(client.get(start)["Location"], allow_redirects=False, timeout=10)
    while again.is_redirect and not again.headers["Location"].startswith(TESTSERVER):
        again = browser.get(urljoin(again.url, again.headers["Location"]), allow_redirects=False)
    assert 'name="password"' in again.text
    # The same return again is refused: the state was used.
    assert client.get(back.removeprefix(TESTSERVER)).status_code == 403


def test_a_changed_logout_state_is_refused(
    oidc_settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client, browser = Client(), requests.Session()
    client.get(provider_dance(client, "/login/oidc/", "nina", browser).removeprefix(TESTSERVER))
    back = logout_at_provider(browser, client.post("/logout/")["Location"])
    with caplog.at_level(logging.WARNING, logger="sportello.web.views.sso"):
        response = client.get(back.removeprefix(TESTSERVER).replace("state=", "state=forged"))
    assert response.status_code == 403
    assert "agent sign-on refused (oidc logout)" in caplog.text and "state" in caplog.text


def test_without_end_session_endpoint_logout_stays_local(
    oidc_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sportello.core import oidc

    client = Client()
    client.get(provider_dance(client, "/login/oidc/", "nina").removeprefix(TESTSERVER))
    real = oidc._client

    def without_end_session(name: str, config: dict[str, Any]) -> Any:
        found = real(name, config)
        found.server_metadata.pop("end_session_endpoint", None)
        return found

    monkeypatch.setattr(oidc, "_client", without_end_session)
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
