"""Single sign-on in Chromium through the whole OpenID Connect redirect dance, with a real
provider (oidc-provider) on loopback: an agent and a portal customer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sportello.accounts.models import Group, User
from sportello.customers.models import CustomerUser
from tests.sso.providers import ACCOUNTS, OidcProvider, oidc_client


@pytest.fixture(scope="module")
def provider(live_server: Any) -> Iterator[OidcProvider]:
    base = str(live_server.url)
    server = OidcProvider(
        [
            oidc_client("agents", [f"{base}/login/oidc/callback/"]),
            oidc_client("portal", [f"{base}/portal/login/oidc/callback/"]),
        ],
        ACCOUNTS,
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def oidc_settings(provider: OidcProvider, settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the loopback provider is http
    for name, client_id, create in (
        ("SPORTELLO_AGENT_OIDC", "agents", "create_agents"),
        ("SPORTELLO_CUSTOMER_OIDC", "portal", "create_customers"),
    ):
        setattr(
            settings,
            name,
            {
                "discovery_url": provider.discovery_url,
                "client_id": client_id,
                "client_secret": f"{client_id}-secret-for-tests",
                "scope": "openid email profile groups",
                "label": "Uni IdM",
                create: True,
            },
        )
    settings.SPORTELLO_SSO_GROUP_MAP = {"helpdesk-network": {"grants": {"users": "rw"}}}
    return settings


def provider_login(page: Any, login: str) -> None:
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")


def test_agent_signs_on_in_the_browser(
    oidc_settings: Any, new_context: Callable[[], Any], url: Callable[[str], str]
) -> None:
    page = new_context().new_page()
    page.goto(url("/login/"))
    page.click("text=Log in with Uni IdM")
    page.wait_for_url("http://127.0.0.1:*/interaction/**")
    provider_login(page, "nina")
    page.wait_for_url(url("/"))
    assert "Nina Neri" in page.locator(".topbar").inner_text()
    nina = User.objects.get(username="nina")
    assert nina.grants.filter(group=Group.objects.get(name="users"), permission="rw").exists()


def test_customer_signs_on_in_the_browser(
    oidc_settings: Any, new_context: Callable[[], Any], url: Callable[[str], str]
) -> None:
    page = new_context().new_page()
    page.goto(url("/portal/"))
    page.wait_for_url(url("/portal/login/") + "**")
    page.click("text=Log in with Uni IdM")
    provider_login(page, "stud42")
    page.wait_for_url(url("/portal/"))
    assert CustomerUser.objects.get(login="stud42").email == "stud42@studenti.uni.example.org"
    assert page.locator("h1").first.is_visible()
