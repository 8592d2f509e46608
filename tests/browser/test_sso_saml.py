"""Single sign-on in Chromium through the whole SAML 2.0 dance (HTTP-Redirect out,
HTTP-POST back from the IdP's page) with pysaml2's IdP on loopback: an agent and a
portal customer, and a tampered answer refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from sportello.accounts.models import User
from sportello.customers.models import CustomerUser
from tests.sso.saml_idp import SamlIdp


@pytest.fixture(scope="module")
def idp() -> Iterator[SamlIdp]:
    server = SamlIdp()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def saml_settings(idp: SamlIdp, settings: Any, live_server: Any) -> Any:
    idp.fault = ""
    common = {"idp_metadata_file": str(idp.metadata_file), "label": "IDEM"}
    settings.SPORTELLO_AGENT_SAML = {**common, "create_agents": True}
    settings.SPORTELLO_CUSTOMER_SAML = {**common, "create_customers": True}
    host = str(live_server.url).split("://", 1)[1]
    idp.sp_files.clear()
    for path in ("/login/saml/metadata/", "/portal/login/saml/metadata/"):
        idp.trust_sp(Client(HTTP_HOST=host).get(path).content.decode())
    return settings


def sign_in_at_idp(page: Any, idp: SamlIdp, login: str) -> None:
    page.wait_for_url(f"{idp.base}/sso/redirect**")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.click("text=Sign in")
    page.click("text=Continue")  # the IdP's page posting the answer back


def test_agent_signs_on_in_the_browser(
    saml_settings: Any, idp: SamlIdp, new_context: Callable[[], Any], url: Callable[[str], str]
) -> None:
    page = new_context().new_page()
    page.goto(url("/login/"))
    page.click("text=Log in with IDEM")
    sign_in_at_idp(page, idp, "paola")
    page.wait_for_url(url("/"))
    assert "Paola Rossi" in page.locator(".topbar").inner_text()
    assert User.objects.get(username="paola@uni.example.org").auth_source == "saml"


def test_customer_signs_on_and_a_tampered_answer_is_refused(
    saml_settings: Any, idp: SamlIdp, new_context: Callable[[], Any], url: Callable[[str], str]
) -> None:
    page = new_context().new_page()
    page.goto(url("/portal/login/"))
    page.click("text=Log in with IDEM")
    sign_in_at_idp(page, idp, "student")
    page.wait_for_url(url("/portal/"))
    assert CustomerUser.objects.filter(login="s1234@uni.example.org").exists()

    idp.fault = "tampered"
    page = new_context().new_page()
    page.goto(url("/portal/login/"))
    page.click("text=Log in with IDEM")
    sign_in_at_idp(page, idp, "student")
    page.locator(".error").wait_for(state="visible")
    assert "not accepted" in page.locator(".error").inner_text()
    assert page.url == url("/portal/login/saml/acs/")
