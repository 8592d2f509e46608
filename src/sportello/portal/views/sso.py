"""Customer single sign-on through OpenID Connect and SAML for the portal: the same
protocol code as the agents' (``core.oidc``, ``core.saml``), its own configuration; the
record from ``customers.sso``."""

from __future__ import annotations

import logging
from importlib import import_module

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.core import oidc, saml
from sportello.core.signon import SignOnRefused, safe_next
from sportello.customers import sso
from sportello.portal import auth
from sportello.portal.views.common import error_page

log = logging.getLogger(__name__)
SAML_LOGOUT_KEY = "_saml_logout"
OIDC_HINT_KEY = "_portal_oidc_logout_hint"
OIDC_STATE_KEY = "_portal_oidc_logout_state"
NEXT_KEY = "_portal_sso_next"


def refused(request: HttpRequest, method: str, reason: str) -> HttpResponse:
    log.warning(
        "customer sign-on refused (%s) from %s: %s", method, auth.client_ip(request), reason
    )
    message = _(
        "The answer of the identity provider was not accepted. Please try again, or log in "
        "another way."
    )
    return error_page(request, message, 403)


def next_url(request: HttpRequest) -> str:
    root = reverse("portal:my-requests")
    return safe_next(request, request.GET.get("next", ""), root=root, default=root)


@never_cache
@require_GET
def oidc_begin(request: HttpRequest) -> HttpResponse:
    config = settings.SPORTELLO_CUSTOMER_OIDC
    if not config:  # not configured: the log-in page shows the methods there are
        return redirect("portal:login")
    request.session[NEXT_KEY] = next_url(request)
    callback = request.build_absolute_uri(reverse("portal:oidc-callback"))
    try:
        return oidc.begin(request, "customer", config, callback)
    except SignOnRefused as error:
        return refused(request, "oidc", error.reason)


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    config = settings.SPORTELLO_CUSTOMER_OIDC
    if not config:
        return redirect("portal:login")
    try:
        claims, id_token = oidc.complete(request, "customer", config)
        identity = oidc.mapped(claims, config)
        customer = sso.customer_for(identity, create=bool(config.get("create_customers")))
    except SignOnRefused as error:
        return refused(request, "oidc", error.reason)
    wanted = request.session.get(NEXT_KEY) or reverse("portal:my-requests")
    auth.login(request, customer)  # a new session id (no fixation)
    request.session[OIDC_HINT_KEY] = id_token
    log.info("customer %s signed on (oidc)", customer.login)
    return HttpResponseRedirect(wanted)


def oidc_logout_url(request: HttpRequest, id_token: str) -> str | None:
    """The provider's end-session URL for a session that began there (None: the provider
    offers none); called after the local logout, its ``state`` kept in the new session."""
    config = settings.SPORTELLO_CUSTOMER_OIDC
    if not config:
        return None
    back = request.build_absolute_uri(reverse("portal:oidc-logged-out"))
    found = oidc.logout_url("customer", config, id_token=id_token, redirect_uri=back)
    if found is None:
        return None
    request.session[OIDC_STATE_KEY] = found[1]
    return found[0]


@never_cache
@require_GET
def oidc_logged_out(request: HttpRequest) -> HttpResponse:
    """The provider's return after its logout: the ``state`` sent must come back."""
    if not settings.SPORTELLO_CUSTOMER_OIDC:
        return redirect("portal:login")
    try:
        oidc.logout_done(request.session.pop(OIDC_STATE_KEY, None), request.GET.get("state", ""))
    except SignOnRefused as error:
        return refused(request, "oidc logout", error.reason)
    return redirect("portal:login")


def _saml_sp(request: HttpRequest) -> saml.SPConfig:
    return saml.sp_config(
        settings.SPORTELLO_CUSTOMER_SAML,
        metadata_url=request.build_absolute_uri(reverse("portal:saml-metadata")),
        acs_url=request.build_absolute_uri(reverse("portal:saml-acs")),
        sls_url=request.build_absolute_uri(reverse("portal:saml-sls")),
    )


@require_GET
def saml_metadata(request: HttpRequest) -> HttpResponse:
    if not settings.SPORTELLO_CUSTOMER_SAML:
        return redirect("portal:login")
    try:
        sp = _saml_sp(request)
    except SignOnRefused as error:
        return refused(request, "saml metadata", error.reason)
    return HttpResponse(saml.metadata_xml(sp), content_type="application/xml")


@never_cache
@require_GET
def saml_begin(request: HttpRequest) -> HttpResponse:
    config = settings.SPORTELLO_CUSTOMER_SAML
    if not config:
        return redirect("portal:login")
    try:
        location = saml.begin(
            _saml_sp(request), config, scope="customer", next_url=next_url(request)
        )
    except SignOnRefused as error:
        return refused(request, "saml", error.reason)
    return HttpResponseRedirect(location)


@never_cache
@csrf_exempt  # posted by the IdP's page; the signed response and RelayState protect it
@require_POST
def saml_acs(request: HttpRequest) -> HttpResponse:
    config = settings.SPORTELLO_CUSTOMER_SAML
    if not config:
        return redirect("portal:login")
    try:
        signed_on = saml.complete(
            _saml_sp(request),
            scope="customer",
            saml_response=request.POST.get("SAMLResponse", ""),
            relay_state=request.POST.get("RelayState", ""),
        )
        customer = sso.customer_for(
            saml.mapped(signed_on.attributes, config), create=bool(config.get("create_customers"))
        )
    except SignOnRefused as error:
        return refused(request, "saml", error.reason)
    auth.login(request, customer)  # a new session id (no fixation)
    request.session[SAML_LOGOUT_KEY] = signed_on.logout
    saml.remember_session("customer", signed_on.logout, request.session.session_key)
    log.info("customer %s signed on (saml)", customer.login)
    return HttpResponseRedirect(signed_on.next_url)


def saml_logout_url(request: HttpRequest, logout: dict[str, str]) -> str | None:
    """The IdP's single logout for a session that began there (None: not offered)."""
    if not settings.SPORTELLO_CUSTOMER_SAML:
        return None
    after = reverse("portal:login")
    try:
        return saml.logout_url(_saml_sp(request), logout, scope="customer", after=after)
    except Exception as error:  # a logout must never fail: the local session is over
        log.warning("no SAML single logout: %s", error)
        return None


@never_cache
@csrf_exempt  # the IdP's page posts here; only signed SAML messages are acted upon
@require_http_methods(["GET", "POST"])
def saml_sls(request: HttpRequest) -> HttpResponse:
    """The IdP's answer to our single logout request, or a logout the IdP starts (by
    HTTP-Redirect or HTTP-POST): the sessions it names end, the IdP gets a signed answer."""
    if not settings.SPORTELLO_CUSTOMER_SAML:
        return redirect("portal:login")
    params = request.GET if request.method == "GET" else request.POST
    binding = saml.REDIRECT if request.method == "GET" else saml.POST
    try:
        if "SAMLRequest" in params:
            started = saml.idp_logout(
                _saml_sp(request), scope="customer", binding=binding, params=params.dict()
            )
            end_sessions(request, started.session_keys)
            log.info(
                "SAML single logout from the IdP ended %d customer session(s)",
                len(started.session_keys),
            )
            return HttpResponseRedirect(started.location or reverse("portal:login"))
        after = saml.logout_done(
            _saml_sp(request),
            scope="customer",
            saml_response=params.get("SAMLResponse", ""),
            relay_state=params.get("RelayState", ""),
            binding=binding,
        )
    except SignOnRefused as error:
        return refused(request, "saml logout", error.reason)
    return HttpResponseRedirect(after)


def end_sessions(request: HttpRequest, keys: list[str]) -> None:
    """End the customer in sessions by key (a logout the IdP started); an agent logged
    in with the same browser stays."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        if key == request.session.session_key:
            request.session.pop(SAML_LOGOUT_KEY, None)
            auth.logout(request)
            continue
        session = store(session_key=key)
        if not session.exists(key):
            continue
        for name in (auth.SESSION_KEY, auth.HASH_KEY, SAML_LOGOUT_KEY):
            session.pop(name, None)
        session.save()
