"""SAML 2.0 against a real IdP (pysaml2's, signing with xmlsec1) on loopback, for agents
and customers: metadata, the redirect and the posted answer, attributes and entitlements
mapped; refused: tampered, unsigned, replayed, for another audience, expired."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from sportello.accounts.models import AgentGrant, AuthSource, Group, Role, User
from sportello.customers.models import CustomerSource, CustomerUser
from tests.sso.saml_idp import (
    SamlIdp,
    check_logout_answer,
    idp_logout_request,
    logout_answer,
)

pytestmark = pytest.mark.django_db
ENTITLEMENT = "urn:mace:uni.example.org:helpdesk:network"


@pytest.fixture(scope="module")
def idp() -> Iterator[SamlIdp]:
    server = SamlIdp()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def saml_settings(idp: SamlIdp, settings: Any) -> Any:
    idp.fault = ""
    settings.SPORTELLO_AGENT_SAML = {
        "idp_metadata_file": str(idp.metadata_file),
        "create_agents": True,
    }
    settings.SPORTELLO_CUSTOMER_SAML = {
        "idp_metadata_file": str(idp.metadata_file),
        "create_customers": True,
    }
    settings.SPORTELLO_SSO_GROUP_MAP = {
        ENTITLEMENT: {"roles": ["Network"], "grants": {"netz": "rw"}}
    }
    Role.objects.create(name="Network")
    Group.objects.create(name="netz")
    idp.sp_files.clear()
    client = Client()
    for path in ("/login/saml/metadata/", "/portal/login/saml/metadata/"):
        response = client.get(path)
        assert response.status_code == 200 and response["Content-Type"] == "application/xml"
        idp.trust_sp(response.content.decode())
    return settings


def answer(client: Client, start: str, idp: SamlIdp, login: str) -> tuple[str, dict[str, str]]:
    response = client.get(start)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{idp.base}/sso/redirect?SAMLRequest=")
    acs, saml_response, relay_state = idp.respond(location, login)
    return urlsplit(acs).path, {"SAMLResponse": saml_response, "RelayState": relay_state}


def test_sp_metadata_names_the_acs(saml_settings: Any) -> None:
    xml = Client().get("/login/saml/metadata/").content.decode()
    assert 'entityID="http://testserver/login/saml/metadata/"' in xml
    assert 'Location="http://testserver/login/saml/acs/"' in xml


def test_agent_signs_on_with_attributes_and_entitlements(saml_settings: Any, idp: SamlIdp) -> None:
    client = Client()
    client.get("/login/")
    before = client.session.session_key
    acs, form = answer(client, "/login/saml/?next=/queues/", idp, "paola")
    assert acs == "/login/saml/acs/"
    response = Client(enforce_csrf_checks=True).post(acs, form)  # the IdP's page posts it
    assert response.status_code == 302 and response["Location"] == "/queues/"
    paola = User.objects.get(username="paola@uni.example.org")
    assert (paola.email, paola.first_name, paola.last_name, paola.language) == (
        "paola.rossi@uni.example.org",
        "Paola",
        "Rossi",
        "it",
    )
    assert paola.auth_source == AuthSource.SAML
    assert list(paola.roles.values_list("name", flat=True)) == ["Network"]
    assert AgentGrant.objects.filter(agent=paola, group__name="netz", permission="rw").exists()
    assert client.session.session_key == before  # the ACS made a new session of its own


def test_customer_signs_on_to_the_portal(saml_settings: Any, idp: SamlIdp) -> None:
    client = Client()
    acs, form = answer(client, "/portal/login/saml/", idp, "student")
    response = client.post(acs, form)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    customer = CustomerUser.objects.get(login="s1234@uni.example.org")
    assert customer.email == "s1234@studenti.uni.example.org"
    assert customer.source == CustomerSource.SSO
    assert client.get("/portal/").status_code == 200


def refused(
    client: Client, acs: str, form: dict[str, str], caplog: pytest.LogCaptureFixture
) -> str:
    with caplog.at_level(logging.WARNING):
        response = client.post(acs, form)
    assert response.status_code == 403
    assert "sign-on refused (saml)" in caplog.text
    assert "_auth_user_id" not in client.session
    return caplog.text


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("tampered", "SignatureError: Failed to verify signature"),
        ("unsigned", "Neither the response nor the assertions are signed"),
        ("audience", "AudienceRestrictions conditions not satisfied"),
        ("expired", "VerificationError: Condition not OK"),
    ],
)
def test_bad_responses_are_refused(
    saml_settings: Any, idp: SamlIdp, caplog: pytest.LogCaptureFixture, fault: str, reason: str
) -> None:
    client = Client()
    idp.fault = fault
    acs, form = answer(client, "/login/saml/", idp, "paola")
    assert reason in refused(client, acs, form, caplog)
    assert not User.objects.filter(username="paola@uni.example.org").exists()


def test_a_replayed_response_is_refused(
    saml_settings: Any, idp: SamlIdp, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    acs, form = answer(client, "/portal/login/saml/", idp, "student")
    assert client.post(acs, form).status_code == 302
    text = refused(Client(), acs, form, caplog)
    assert "replay" in text
    # Nor as an answer to a new request of the same browser.
    acs, fresh = answer(client, "/portal/login/saml/", idp, "student")
    refused(Client(), acs, {**form, "RelayState": fresh["RelayState"]}, caplog)


def test_a_customer_answer_does_not_log_in_an_agent(
    saml_settings: Any, idp: SamlIdp, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    _acs, form = answer(client, "/portal/login/saml/", idp, "paola")
    refused(client, "/login/saml/acs/", form, caplog)


def test_without_configuration_the_urls_lead_to_the_login(settings: Any) -> None:
    settings.SPORTELLO_AGENT_SAML = {}
    settings.SPORTELLO_CUSTOMER_SAML = {}
    client = Client()
    assert client.get("/login/saml/")["Location"] == "/login/"
    assert client.get("/login/saml/metadata/")["Location"] == "/login/"
    assert client.post("/login/saml/acs/")["Location"] == "/login/"
    assert client.get("/login/saml/sls/")["Location"] == "/login/"
    assert client.get("/portal/login/saml/")["Location"] == "/portal/login/"


@pytest.mark.parametrize(
    ("start", "logout", "login_page"),
    [
        ("/login/saml/", "/logout/", "/login/"),
        ("/portal/login/saml/", "/portal/logout/", "/portal/login/"),
    ],
)
def test_single_logout_through_the_idp(
    saml_settings: Any, idp: SamlIdp, start: str, logout: str, login_page: str
) -> None:
    client = Client()
    acs, form = answer(client, start, idp, "paola")
    assert client.post(acs, form).status_code == 302
    response = client.post(logout)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{idp.base}/slo/redirect?SAMLRequest=")
    assert "_auth_user_id" not in client.session and "_portal_customer_id" not in client.session
    name_id, back = logout_answer(idp, response["Location"])
    assert name_id == "transient-paola"
    assert back.startswith(f"http://testserver{login_page}saml/sls/?SAMLResponse=")
    response = client.get(back.removeprefix("http://testserver"))
    assert response.status_code == 302 and response["Location"] == login_page
    # The same answer again is no answer to anything.
    assert client.get(back.removeprefix("http://testserver")).status_code == 403


def test_logout_without_saml_stays_local(saml_settings: Any, idp: SamlIdp) -> None:
    user = User.objects.create_user("local", email="l@example.org")
    client = Client()
    client.force_login(user)
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_idp_metadata_from_a_url_with_its_signature_checked(
    saml_settings: Any, idp: SamlIdp, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    saml_settings.SPORTELLO_AGENT_SAML = {
        "idp_metadata_url": f"{idp.base}/metadata",
        "idp_metadata_cert": str(idp.cert),
        "create_agents": True,
    }
    client = Client()
    acs, form = answer(client, "/login/saml/", idp, "paola")
    assert client.post(acs, form).status_code == 302
    # Metadata signed by someone else is not believed.
    from tests.customers.slapd import _write_certificate

    saml_settings.SPORTELLO_AGENT_SAML = {
        **saml_settings.SPORTELLO_AGENT_SAML,
        "idp_metadata_cert": str(_write_certificate(tmp_path, rsa=True)),
    }
    with caplog.at_level(logging.WARNING):
        response = Client().get("/login/saml/")
    assert response.status_code == 403
    assert "IdP metadata not usable" in caplog.text


@pytest.fixture
def signing_sp(saml_settings: Any, idp: SamlIdp, tmp_path: Any) -> str:
    """The SP with its own key pair (signed logout answers); the IdP trusts its metadata."""
    from tests.customers.slapd import _write_certificate

    cert = str(_write_certificate(tmp_path, rsa=True))
    keys = {"key_file": str(tmp_path / "server.key"), "cert_file": cert}
    for name in ("SPORTELLO_AGENT_SAML", "SPORTELLO_CUSTOMER_SAML"):
        setattr(saml_settings, name, {**getattr(saml_settings, name), **keys})
    idp.sp_files.clear()
    for path in ("/login/saml/metadata/", "/portal/login/saml/metadata/"):
        idp.trust_sp(Client().get(path).content.decode())
    return cert


def signed_on(start: str, idp: SamlIdp, login: str) -> Client:
    client = Client()
    acs, form = answer(client, start, idp, login)
    assert client.post(acs, form).status_code == 302
    return client


def test_idp_started_logout_ends_the_agents_sessions(
    signing_sp: str, idp: SamlIdp, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = signed_on("/login/saml/", idp, "paola"), signed_on("/login/saml/", idp, "paola")
    other = signed_on("/login/saml/", idp, "student")
    customer = signed_on("/portal/login/saml/", idp, "paola")  # the portal's is apart
    for client in (first, second, other):
        assert client.get("/").status_code == 200
    location, _form = idp_logout_request(
        idp, "http://testserver/login/saml/sls/", "transient-paola"
    )
    with caplog.at_level(logging.INFO):
        response = first.get(location.removeprefix("http://testserver"))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{idp.base}/slo/redirect?SAMLResponse=")
    answered, relay_state = check_logout_answer(response["Location"], signing_sp)
    assert answered.status.status_code.value == "urn:oasis:names:tc:SAML:2.0:status:Success"
    assert answered.issuer.text == "http://testserver/login/saml/metadata/"
    assert relay_state == "idp-state"
    assert "ended 2 agent session(s)" in caplog.text
    for client in (first, second):
        assert client.get("/")["Location"].startswith("/login/")
    assert other.get("/").status_code == 200
    assert customer.get("/portal/").status_code == 200


def test_idp_started_logout_by_post_ends_the_customers_session(
    signing_sp: str, idp: SamlIdp
) -> None:
    customer = signed_on("/portal/login/saml/", idp, "student")
    sls, form = idp_logout_request(
        idp, "http://testserver/portal/login/saml/sls/", "transient-student", binding="post"
    )
    # Posted by the IdP's page from another site: no session cookie, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(sls.removeprefix("http://testserver"), form)
    assert response.status_code == 302
    check_logout_answer(response["Location"], signing_sp)
    assert customer.get("/portal/")["Location"].startswith("/portal/login/")


def test_idp_started_logout_keeps_other_session_indexes(signing_sp: str, idp: SamlIdp) -> None:
    client = signed_on("/login/saml/", idp, "paola")
    location, _form = idp_logout_request(
        idp, "http://testserver/login/saml/sls/", "transient-paola", session_index="other"
    )
    assert Client().get(location.removeprefix("http://testserver")).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("forgery", ["unsigned", "relay-state changed", "unsigned post", "replay"])
def test_forged_idp_logout_is_refused(
    signing_sp: str, idp: SamlIdp, caplog: pytest.LogCaptureFixture, forgery: str
) -> None:
    agent = signed_on("/login/saml/", idp, "paola")
    customer = signed_on("/portal/login/saml/", idp, "paola")
    if forgery == "unsigned post":
        sls, form = idp_logout_request(
            idp,
            "http://testserver/portal/login/saml/sls/",
            "transient-paola",
            binding="post",
            sign=False,
        )
        with caplog.at_level(logging.WARNING):
            response = Client().post(sls.removeprefix("http://testserver"), form)
    else:
        location, _form = idp_logout_request(
            idp,
            "http://testserver/login/saml/sls/",
            "transient-paola",
            sign=forgery != "unsigned",
        )
        path = location.removeprefix("http://testserver")
        if forgery == "relay-state changed":
            path = path.replace("RelayState=idp-state", "RelayState=other-state")
            assert "other-state" in path
        if forgery == "replay":
            assert Client().get(path).status_code == 302
            agent = signed_on("/login/saml/", idp, "paola")
        with caplog.at_level(logging.WARNING):
            response = Client().get(path)
    assert response.status_code == 403
    assert "sign-on refused (saml logout)" in caplog.text
    assert agent.get("/").status_code == 200
    assert customer.get("/portal/").status_code == 200
