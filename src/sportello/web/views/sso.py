"""Agent single sign-on through OpenID Connect and SAML: the redirect to the provider and
its answer, and the SAML metadata. The protocols are ``core.oidc`` and ``core.saml``, the
agent ``accounts.sso``; a refusal shows one page and writes one log line with the reason."""

from __future__ import annotations

import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts import sso
from sportello.accounts.backends import SESSION_BACKEND
from sportello.accounts.models import AuthSource
from sportello.core import oidc, saml
from sportello.core.signon import SignOnRefused, safe_next

log = logging.getLogger(__name__)
SAML_LOGOUT_KEY = "_saml_logout"
OIDC_HINT_KEY = "_oidc_logout_hint"
OIDC_STATE_KEY = "_oidc_logout_state"
NEXT_KEY = "_sso_next"
BACKEND = SESSION_BACKEND


def refused(request: HttpRequest, method: str, reason: str) -> HttpResponse:
    log.warning(
        "agent sign-on refused (%s) from %s: %s", method, request.META.get("REMOTE_ADDR"), reason
    )
    return render(request, "web/sso_refused.html", {"method": method}, status=403)


def next_url(request: HttpRequest) -> str:
    home = reverse("web:home")
    return safe_next(request, request.GET.get("next", ""), root="/", default=home)


@never_cache
@require_GET
def oidc_begin(request: HttpRequest) -> HttpResponse:
    config = settings.SPORTELLO_AGENT_OIDC
    if not config:  # not configured: the log-in page shows the methods there are
        return redirect("web:login")
    request.session[NEXT_KEY] = next_url(request)
    callback = request.build_absolute_uri(reverse("web:oidc-callback"))
    try:
        return oidc.begin(request, "agent", config, callback)
    except SignOnRefused as error:
        return refused(request, "oidc", error.reason)


@never_cache
@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    config = settings.SPORTELLO_AGENT_OIDC
    if not config:
        return redirect("web:login")
    try:
        claims, id_token = oidc.complete(request, "agent", config)
        identity = oidc.mapped(claims, config)
        agent = sso.agent_for(
            identity, source=AuthSource.OIDC, create=bool(config.get("create_agents"))
        )
    except SignOnRefused as error:
        return refused(request, "oidc", error.reason)
    wanted = request.session.get(NEXT_KEY) or reverse("web:home")
    login(request, agent, backend=BACKEND)  # a new session id (no fixation)
    request.session[OIDC_HINT_KEY] = id_token
    log.info("agent %s signed on (oidc)", agent.username)
    return redirect(wanted)


def oidc_logout_url(request: HttpRequest, id_token: str) -> str | None:
    """The provider's end-session URL for a session that began there (None: the provider
    offers none); called after the local logout, its ``state`` kept in the new session."""
    config = settings.SPORTELLO_AGENT_OIDC
    if not config:
        return None
    back = request.build_absolute_uri(reverse("web:oidc-logged-out"))
    found = oidc.logout_url("agent", config, id_token=id_token, redirect_uri=back)
    if found is None:
        return None
    request.session[OIDC_STATE_KEY] = found[1]
    return found[0]


@never_cache
@require_GET
def oidc_logged_out(request: HttpRequest) -> HttpResponse:
    """The provider's return after its logout: the ``state`` sent must come back."""
    if not settings.SPORTELLO_AGENT_OIDC:
        return redirect("web:login")
    try:
        oidc.logout_done(request.session.pop(OIDC_STATE_KEY, None), request.GET.get("state", ""))
    except SignOnRefused as error:
        return refused(request, "oidc logout", error.reason)
    return redirect("web:login")


def _saml_sp(request: HttpRequest) -> saml.SPConfig:
    return saml.sp_config(
        settings.SPORTELLO_AGENT_SAML,
        metadata_url=request.build_absolute_uri(reverse("web:saml-metadata")),
        acs_url=request.build_absolute_uri(reverse("web:saml-acs")),
        sls_url=request.build_absolute_uri(reverse("web:saml-sls")),
    )


@require_GET
def saml_metadata(request: HttpRequest) -> HttpResponse:
    if not settings.SPORTELLO_AGENT_SAML:
        return redirect("web:login")
    try:
        sp = _saml_sp(request)
    except SignOnRefused as error:
        return refused(request, "saml metadata", error.reason)
    return HttpResponse(saml.metadata_xml(sp), content_type="application/xml")


@never_cache
@require_GET
def saml_begin(request: HttpRequest) -> HttpResponse:
    config = settings.SPORTELLO_AGENT_SAML
    if not config:
        return redirect("web:login")
    try:
        location = saml.begin(_saml_sp(request), config, scope="agent", next_url=next_url(request))
    except SignOnRefused as error:
        return refused(request, "saml", error.reason)
    return HttpResponseRedirect(location)


@never_cache
@csrf_exempt  # posted by the IdP's page; the signed response and RelayState protect it
@require_POST
def saml_acs(request: HttpRequest) -> HttpResponse:
    config = settings.SPORTELLO_AGENT_SAML
    if not config:
        return redirect("web:login")
    try:
        signed_on = saml.complete(
            _saml_sp(request),
            scope="agent",
            saml_response=request.POST.get("SAMLResponse", ""),
            relay_state=request.POST.get("RelayState", ""),
        )
        agent = sso.agent_for(
            saml.mapped(signed_on.attributes, config),
            source=AuthSource.SAML,
            create=bool(config.get("create_agents")),
        )
    except SignOnRefused as error:
        return refused(request, "saml", error.reason)
    login(request, agent, backend=BACKEND)  # a new session id (no fixation)
    request.session[SAML_LOGOUT_KEY] = signed_on.logout
    saml.remember_session("agent", signed_on.logout, request.session.session_key)
    log.info("agent %s signed on (saml)", agent.username)
    return redirect(signed_on.next_url)


def saml_logout_url(request: HttpRequest, logout: dict[str, str]) -> str | None:
    """The IdP's single logout for a session that began there (None: not offered)."""
    if not settings.SPORTELLO_AGENT_SAML:
        return None
    after = reverse("web:login")
    try:
        return saml.logout_url(_saml_sp(request), logout, scope="agent", after=after)
    except Exception as error:  # a logout must never fail: the local session is over
        log.warning("no SAML single logout: %s", error)
        return None


@never_cache
@csrf_exempt  # the IdP's page posts here; only signed SAML messages are acted upon
@require_http_methods(["GET", "POST"])
def saml_sls(request: HttpRequest) -> HttpResponse:
    """The IdP's answer to our single logout request, or a logout the IdP starts (by
    HTTP-Redirect or HTTP-POST): the sessions it names end, the IdP gets a signed answer."""
    if not settings.SPORTELLO_AGENT_SAML:
        return redirect("web:login")
    params = request.GET if request.method == "GET" else request.POST
    binding = saml.REDIRECT if request.method == "GET" else saml.POST
    try:
        if "SAMLRequest" in params:
            started = saml.idp_logout(
                _saml_sp(request), scope="agent", binding=binding, params=params.dict()
            )
            end_sessions(request, started.session_keys)
            log.info(
                "SAML single logout from the IdP ended %d agent session(s)",
                len(started.session_keys),
            )
            return HttpResponseRedirect(started.location or reverse("web:login"))
        after = saml.logout_done(
            _saml_sp(request),
            scope="agent",
            saml_response=params.get("SAMLResponse", ""),
            relay_state=params.get("RelayState", ""),
            binding=binding,
        )
    except SignOnRefused as error:
        return refused(request, "saml logout", error.reason)
    return HttpResponseRedirect(after)


def end_sessions(request: HttpRequest, keys: list[str]) -> None:
    """End agent sessions by key (a logout the IdP started); the browser's own, too."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        if key == request.session.session_key:
            auth_logout(request)
        else:
            store(session_key=key).delete()
