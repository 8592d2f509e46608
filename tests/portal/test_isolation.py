"""Customer A against customer B's tickets, articles and attachments on every portal URL.

Each URL pattern of the portal has a rule here; a new URL without one fails the test.
Someone else's ticket answers exactly like a ticket that does not exist (404).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.customers.models import CustomerUser
from sportello.portal import tokens
from tests.portal.conftest import Case, login

pytestmark = pytest.mark.django_db

MISSING = "2026010110999999"

Probe = Callable[[Client, Case, Case], None]


def _portal_names() -> set[str]:
    resolver = get_resolver()
    portal = next(p for p in resolver.url_patterns if getattr(p, "app_name", "") == "portal")
    return {p.name for p in portal.url_patterns if isinstance(p, URLPattern) and p.name}


def _same_as_missing(client: Client, method: str, path: str, missing_path: str) -> None:
    call = client.get if method == "get" else client.post
    response, missing = call(path), call(missing_path)
    assert response.status_code == 404, path
    assert missing.status_code == 404, missing_path
    assert response.content == missing.content


def probe_list(client: Client, a: Case, b: Case) -> None:
    assert a.ticket.number.encode() in client.get("/portal/").content
    for query in ["?status=closed", f"?q={b.ticket.number}", "?q=Bruno", "?q=secret"]:
        page = client.get("/portal/" + query).content.decode()
        # The search box echoes the query; no row may show B's ticket.
        assert f"/portal/requests/{b.ticket.number}/" not in page
        assert "secret laptop" not in page and "No requests found" in page


def probe_ticket(client: Client, a: Case, b: Case) -> None:
    _same_as_missing(
        client, "get", f"/portal/requests/{b.ticket.number}/", f"/portal/requests/{MISSING}/"
    )
    page = client.get(f"/portal/requests/{a.ticket.number}/").content
    assert b"Internal secret" not in page and b"internal.txt" not in page


def probe_reply(client: Client, a: Case, b: Case) -> None:
    before = b.ticket.articles.count()
    for path in [
        f"/portal/requests/{b.ticket.number}/reply/",
        f"/portal/requests/{MISSING}/reply/",
    ]:
        assert client.post(path, {"text": "hello"}).status_code == 404
    assert b.ticket.articles.count() == before


def probe_close(client: Client, a: Case, b: Case) -> None:
    _same_as_missing(
        client,
        "post",
        f"/portal/requests/{b.ticket.number}/close/",
        f"/portal/requests/{MISSING}/close/",
    )
    b.ticket.refresh_from_db()
    assert b.ticket.state.name == "new"


def probe_attachment(client: Client, a: Case, b: Case) -> None:
    mine = a.ticket.number
    for number, attachment_id in [
        (b.ticket.number, b.visible.pk),  # B's ticket, B's file
        (mine, b.visible.pk),  # my ticket, B's file
        (mine, a.internal.pk),  # my ticket, my internal file
        (b.ticket.number, b.internal.pk),
        (mine, 999_999_999),
    ]:
        path = f"/portal/requests/{number}/attachments/{attachment_id}/"
        assert client.get(path).status_code == 404, path
    assert client.get(f"/portal/requests/{mine}/attachments/{a.visible.pk}/").status_code == 200


def probe_form_done(client: Client, a: Case, b: Case) -> None:
    _same_as_missing(
        client,
        "get",
        f"/portal/forms/any/done/{b.ticket.number}/",
        f"/portal/forms/any/done/{MISSING}/",
    )


def _customer(case: Case) -> CustomerUser:
    return CustomerUser.objects.get(login=case.ticket.customer_user_id)


def probe_link_login(client: Client, a: Case, b: Case) -> None:
    # A token for another purpose, or tampered with, logs no one in.
    reset = tokens.make_customer_token(_customer(b), tokens.RESET)
    for token in [reset, "x", tokens.make_customer_token(_customer(b), tokens.LOGIN)[:-2]]:
        assert client.post(f"/portal/login/link/{token}/").status_code == 400


def probe_reset_confirm(client: Client, a: Case, b: Case) -> None:
    login_token = tokens.make_customer_token(_customer(b), tokens.LOGIN)
    path = f"/portal/password/reset/{login_token}/"
    assert (
        client.post(path, {"password1": "Xx-12345678", "password2": "Xx-12345678"}).status_code
        == 400
    )


def probe_form_confirm(client: Client, a: Case, b: Case) -> None:
    login_token = tokens.make_customer_token(_customer(b), tokens.LOGIN)
    for token in [login_token, "garbage"]:
        assert client.post(f"/portal/forms/confirm/{token}/").status_code == 400


def probe_api_tokens(client: Client, a: Case, b: Case) -> None:
    from sportello.api import tokens as api_tokens

    theirs = api_tokens.create_customer_token(_customer(b), name="bruno-app").token
    page = client.get("/portal/tokens/").content.decode()
    assert "bruno-app" not in page and theirs.prefix not in page


def probe_api_token_revoke(client: Client, a: Case, b: Case) -> None:
    from sportello.api import tokens as api_tokens
    from sportello.api.models import ApiToken

    theirs = api_tokens.create_customer_token(_customer(b), name="bruno-app").token
    assert client.post(f"/portal/tokens/{theirs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked is None


# Pages without ticket, article or attachment ids, as customer A reaches them (following
# redirects), and B's ticket data, which none of them may include.
NO_ID_PAGES: dict[str, tuple[str, str, dict[str, str]]] = {
    "login": ("get", "/portal/login/", {}),
    "logout": ("post", "/portal/logout/", {}),
    "language": ("post", "/portal/language/", {"language": "de", "next": "/portal/"}),
    "link-request": ("post", "/portal/login/link/", {"email": "bruno@uni.example.org"}),
    "password-reset": ("post", "/portal/password/reset/", {"email": "bruno@uni.example.org"}),
    "forms": ("get", "/portal/forms/", {}),
    "form": ("get", "/portal/forms/printing/", {}),
    "form-embed": ("get", "/portal/forms/printing/embed/", {}),
    # Single sign-on is off here (tests/sso): both lead to the log-in page.
    "oidc-begin": ("get", "/portal/login/oidc/", {}),
    "oidc-callback": ("get", "/portal/login/oidc/callback/?state=x&code=y", {}),
    "oidc-logged-out": ("get", "/portal/login/oidc/logged-out/?state=x", {}),
    "saml-begin": ("get", "/portal/login/saml/", {}),
    "saml-acs": ("post", "/portal/login/saml/acs/", {"SAMLResponse": "x", "RelayState": "y"}),
    "saml-metadata": ("get", "/portal/login/saml/metadata/", {}),
    "saml-sls": ("get", "/portal/login/saml/sls/?SAMLResponse=x&RelayState=y", {}),
}


def _b_data(b: Case) -> list[str]:
    """What identifies B's ticket: number, title, texts and file names."""
    return [
        b.ticket.number,
        "secret laptop",
        "Body of Bruno",
        "Internal secret",
        b.visible.filename,
        b.internal.filename,
    ]


def _shows_no_b_data(client: Client, b: Case, method: str, path: str, data: dict[str, str]) -> None:
    call = client.get if method == "get" else client.post
    response = call(path.format(b=b.ticket.number), data, follow=True)
    assert response.status_code == 200, path
    page = response.content.decode()
    assert "</html>" in page, path
    leaked = [item for item in _b_data(b) if item in page]
    assert leaked == [], (path, leaked)


def no_ticket_data(name: str) -> Probe:
    def probe(client: Client, a: Case, b: Case) -> None:
        _shows_no_b_data(client, b, *NO_ID_PAGES[name])

    return probe


def test_the_no_id_probe_finds_ticket_data(client_a: Client, case_a: Case, case_b: Case) -> None:
    """The check fails on a page that shows B's ticket: B's own view of it."""
    client_a.logout()
    login(client_a, CustomerUser.objects.get(login="bruno"))
    with pytest.raises(AssertionError):
        _shows_no_b_data(client_a, case_b, "get", "/portal/requests/{b}/", {})


RULES: dict[str, Probe] = {
    "my-requests": probe_list,
    "ticket": probe_ticket,
    "reply": probe_reply,
    "close": probe_close,
    "attachment": probe_attachment,
    "form-done": probe_form_done,
    "link-login": probe_link_login,
    "password-reset-confirm": probe_reset_confirm,
    "form-confirm": probe_form_confirm,
    "login": no_ticket_data("login"),
    "logout": no_ticket_data("logout"),
    "language": no_ticket_data("language"),
    "link-request": no_ticket_data("link-request"),
    "password-reset": no_ticket_data("password-reset"),
    "forms": no_ticket_data("forms"),
    "form": no_ticket_data("form"),
    "form-embed": no_ticket_data("form-embed"),
    "oidc-begin": no_ticket_data("oidc-begin"),
    "oidc-callback": no_ticket_data("oidc-callback"),
    "oidc-logged-out": no_ticket_data("oidc-logged-out"),
    "saml-begin": no_ticket_data("saml-begin"),
    "saml-acs": no_ticket_data("saml-acs"),
    "saml-metadata": no_ticket_data("saml-metadata"),
    "saml-sls": no_ticket_data("saml-sls"),
    "api-tokens": probe_api_tokens,
    "api-token-revoke": probe_api_token_revoke,
}


def test_every_portal_url_has_a_rule() -> None:
    # The FAQ's portal URLs have their rules in the permission matrix (customer, anonymous
    # and each visibility of the article).
    from tests.test_permission_matrix import PUBLIC_FAQ_RULES

    faq = {name.split(":", 1)[1] for name in PUBLIC_FAQ_RULES if name.startswith("portal:")}
    assert _portal_names() - faq == set(RULES)


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.usefixtures("request_form")
def test_customer_a_cannot_reach_customer_b(
    name: str, client_a: Client, case_a: Case, case_b: Case
) -> None:
    RULES[name](client_a, case_a, case_b)


@pytest.mark.parametrize(
    "path",
    [
        "/portal/requests/abc/",
        "/portal/requests/%00/",
        "/portal/requests/1%002/reply/",
        "/portal/requests/%C2%B2/",
        "/portal/requests/1/attachments/99999999999999999999999/",
        "/portal/forms/x/done/%00/",
        "/portal/?q=%00",
    ],
)
def test_odd_input_never_fails(client_a: Client, case_a: Case, path: str) -> None:
    response = client_a.get(path) if "reply" not in path else client_a.post(path, {"text": "x"})
    assert response.status_code in (200, 404)
    if "?q=" in path:
        assert response.status_code == 200


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(number=st.text(min_size=1, max_size=40), attachment=st.integers(min_value=0))
def test_any_guess_is_404_never_an_error(
    client_a: Client, case_b: Case, number: str, attachment: int
) -> None:
    quoted = quote(number, safe="")
    for path in [
        f"/portal/requests/{quoted}/",
        f"/portal/requests/{quoted}/attachments/{attachment}/",
        f"/portal/requests/{case_b.ticket.number}/attachments/{attachment}/",
    ]:
        assert client_a.get(path).status_code == 404, path
