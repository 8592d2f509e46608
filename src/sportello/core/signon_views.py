"""The single sign-on views (OpenID Connect and SAML), written once for every interface.

The agents' pages (``web``) and the portal (``portal``) each describe their side in a
``Scope`` — configuration, URL names, session keys, how an identity becomes an account,
how one logs in, what a refusal shows — and take their views from ``SignOnViews(scope)``;
their URL modules stay their own. The protocols are ``core.oidc`` and ``core.saml``; a
refusal shows one page and writes one log line with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.core import oidc, saml
from sportello.core.signon import SignOnRefused, safe_next

Account = TypeVar("Account")
View = Callable[[HttpRequest], HttpResponse]


@dataclass(frozen=True)
class Scope(Generic[Account]):
    """One interface's side of single sign-on."""

    name: str  # "agent", "customer": the OIDC client, the SAML scope, the log lines
    namespace: str  # the URL namespace of the sign-on routes and the log-in page
    oidc_setting: str  # the settings holding the OIDC and SAML configurations
    saml_setting: str
    home: str  # the URL name a sign-on without a ``next`` ends on
    next_root: str | None  # the URL name a ``next`` must lie under (None: the whole site)
    next_key: str  # session keys: the ``next`` across the OIDC round trip, the logout
    oidc_hint_key: str  # hint and state of the provider's logout, the SAML logout
    oidc_state_key: str
    saml_logout_key: str
    # The account an identity stands for (``method`` is "oidc" or "saml"), refused with
    # ``SignOnRefused``; how it logs in (a new session id: no fixation); its name in logs.
    account_for: Callable[[dict[str, Any], str, dict[str, Any]], Account]
    login: Callable[[HttpRequest, Account], None]
    account_name: Callable[[Account], str]
    refused_page: Callable[[HttpRequest, str], HttpResponse]  # the method: oidc, saml …
    client_ip: Callable[[HttpRequest], str]
    # Ends the sessions a logout from the SAML IdP names; the browser's own, too.
    end_sessions: Callable[[HttpRequest, list[str]], None]
    log: logging.Logger


class SignOnViews(Generic[Account]):
    """The views of one scope, as attributes the URL modules route to."""

    def __init__(self, scope: Scope[Account]) -> None:
        self.scope = scope
        self.oidc_begin: View = never_cache(require_GET(self._oidc_begin))
        self.oidc_callback: View = never_cache(require_GET(self._oidc_callback))
        self.oidc_logged_out: View = never_cache(require_GET(self._oidc_logged_out))
        self.saml_metadata: View = require_GET(self._saml_metadata)
        self.saml_begin: View = never_cache(require_GET(self._saml_begin))
        # Posted by the IdP's page; the signed response and RelayState protect it.
        self.saml_acs: View = never_cache(csrf_exempt(require_POST(self._saml_acs)))
        # The IdP's page posts here; only signed SAML messages are acted upon.
        self.saml_sls: View = never_cache(
            csrf_exempt(require_http_methods(["GET", "POST"])(self._saml_sls))
        )

    def urls(self) -> list[URLPattern]:
        """The routes, the same under each interface's prefix; the names are those the
        views reverse in the scope's namespace."""
        return [
            path("login/oidc/", self.oidc_begin, name="oidc-begin"),
            path("login/oidc/callback/", self.oidc_callback, name="oidc-callback"),
            path("login/oidc/logged-out/", self.oidc_logged_out, name="oidc-logged-out"),
            path("login/saml/", self.saml_begin, name="saml-begin"),
            path("login/saml/acs/", self.saml_acs, name="saml-acs"),
            path("login/saml/sls/", self.saml_sls, name="saml-sls"),
            path("login/saml/metadata/", self.saml_metadata, name="saml-metadata"),
        ]

    # -- helpers ---------------------------------------------------------------------

    def _url(self, name: str) -> str:
        return reverse(f"{self.scope.namespace}:{name}")

    def _absolute(self, request: HttpRequest, name: str) -> str:
        return request.build_absolute_uri(self._url(name))

    def _oidc_config(self) -> dict[str, Any]:
        config: dict[str, Any] = getattr(settings, self.scope.oidc_setting)
        return config

    def _saml_config(self) -> dict[str, Any]:
        config: dict[str, Any] = getattr(settings, self.scope.saml_setting)
        return config

    def _to_login(self) -> HttpResponse:
        return redirect(f"{self.scope.namespace}:login")

    def refused(self, request: HttpRequest, method: str, reason: str) -> HttpResponse:
        self.scope.log.warning(
            "%s sign-on refused (%s) from %s: %s",
            self.scope.name,
            method,
            self.scope.client_ip(request),
            reason,
        )
        return self.scope.refused_page(request, method)

    def next_url(self, request: HttpRequest) -> str:
        home = self._url(self.scope.home)
        root = "/" if self.scope.next_root is None else self._url(self.scope.next_root)
        return safe_next(request, request.GET.get("next", ""), root=root, default=home)

    def _signed_on(self, request: HttpRequest, account: Account, method: str) -> None:
        self.scope.login(request, account)  # a new session id (no fixation)
        name = self.scope.account_name(account)
        self.scope.log.info("%s %s signed on (%s)", self.scope.name, name, method)

    # -- OpenID Connect --------------------------------------------------------------

    def _oidc_begin(self, request: HttpRequest) -> HttpResponse:
        config = self._oidc_config()
        if not config:  # not configured: the log-in page shows the methods there are
            return self._to_login()
        request.session[self.scope.next_key] = self.next_url(request)
        callback = self._absolute(request, "oidc-callback")
        try:
            return oidc.begin(request, self.scope.name, config, callback)
        except SignOnRefused as error:
            return self.refused(request, "oidc", error.reason)

    def _oidc_callback(self, request: HttpRequest) -> HttpResponse:
        config = self._oidc_config()
        if not config:
            return self._to_login()
        try:
            claims, id_token = oidc.complete(request, self.scope.name, config)
            account = self.scope.account_for(oidc.mapped(claims, config), "oidc", config)
        except SignOnRefused as error:
            return self.refused(request, "oidc", error.reason)
        wanted = request.session.get(self.scope.next_key) or self._url(self.scope.home)
        self._signed_on(request, account, "oidc")
        request.session[self.scope.oidc_hint_key] = id_token
        return HttpResponseRedirect(wanted)

    def oidc_logout_url(self, request: HttpRequest, id_token: str) -> str | None:
        """The provider's end-session URL for a session that began there (None: the
        provider offers none); called after the local logout, its ``state`` kept in the
        new session."""
        config = self._oidc_config()
        if not config:
            return None
        back = self._absolute(request, "oidc-logged-out")
        found = oidc.logout_url(self.scope.name, config, id_token=id_token, redirect_uri=back)
        if found is None:
            return None
        request.session[self.scope.oidc_state_key] = found[1]
        return found[0]

    def _oidc_logged_out(self, request: HttpRequest) -> HttpResponse:
        """The provider's return after its logout: the ``state`` sent must come back."""
        if not self._oidc_config():
            return self._to_login()
        expected = request.session.pop(self.scope.oidc_state_key, None)
        try:
            oidc.logout_done(expected, request.GET.get("state", ""))
        except SignOnRefused as error:
            return self.refused(request, "oidc logout", error.reason)
        return self._to_login()

    # -- SAML ------------------------------------------------------------------------

    def _saml_sp(self, request: HttpRequest) -> saml.SPConfig:
        return saml.sp_config(
            self._saml_config(),
            metadata_url=self._absolute(request, "saml-metadata"),
            acs_url=self._absolute(request, "saml-acs"),
            sls_url=self._absolute(request, "saml-sls"),
        )

    def _saml_metadata(self, request: HttpRequest) -> HttpResponse:
        if not self._saml_config():
            return self._to_login()
        try:
            sp = self._saml_sp(request)
        except SignOnRefused as error:
            return self.refused(request, "saml metadata", error.reason)
        return HttpResponse(saml.metadata_xml(sp), content_type="application/xml")

    def _saml_begin(self, request: HttpRequest) -> HttpResponse:
        config = self._saml_config()
        if not config:
            return self._to_login()
        try:
            location = saml.begin(
                self._saml_sp(request),
                config,
                scope=self.scope.name,
                next_url=self.next_url(request),
            )
        except SignOnRefused as error:
            return self.refused(request, "saml", error.reason)
        return HttpResponseRedirect(location)

    def _saml_acs(self, request: HttpRequest) -> HttpResponse:
        config = self._saml_config()
        if not config:
            return self._to_login()
        try:
            signed_on = saml.complete(
                self._saml_sp(request),
                scope=self.scope.name,
                saml_response=request.POST.get("SAMLResponse", ""),
                relay_state=request.POST.get("RelayState", ""),
            )
            identity = saml.mapped(signed_on.attributes, config)
            account = self.scope.account_for(identity, "saml", config)
        except SignOnRefused as error:
            return self.refused(request, "saml", error.reason)
        self._signed_on(request, account, "saml")
        request.session[self.scope.saml_logout_key] = signed_on.logout
        saml.remember_session(self.scope.name, signed_on.logout, request.session.session_key)
        return HttpResponseRedirect(signed_on.next_url)

    def saml_logout_url(self, request: HttpRequest, logout: dict[str, str]) -> str | None:
        """The IdP's single logout for a session that began there (None: not offered)."""
        if not self._saml_config():
            return None
        after = self._url("login")
        try:
            return saml.logout_url(
                self._saml_sp(request), logout, scope=self.scope.name, after=after
            )
        except Exception as error:  # a logout must never fail: the local session is over
            self.scope.log.warning("no SAML single logout: %s", error)
            return None

    def _saml_sls(self, request: HttpRequest) -> HttpResponse:
        """The IdP's answer to our single logout request, or a logout the IdP starts (by
        HTTP-Redirect or HTTP-POST): the sessions it names end, the IdP gets a signed
        answer."""
        if not self._saml_config():
            return self._to_login()
        params = request.GET if request.method == "GET" else request.POST
        binding = saml.REDIRECT if request.method == "GET" else saml.POST
        try:
            if "SAMLRequest" in params:
                started = saml.idp_logout(
                    self._saml_sp(request),
                    scope=self.scope.name,
                    binding=binding,
                    params=params.dict(),
                )
                self.scope.end_sessions(request, started.session_keys)
                self.scope.log.info(
                    "SAML single logout from the IdP ended %d %s session(s)",
                    len(started.session_keys),
                    self.scope.name,
                )
                return HttpResponseRedirect(started.location or self._url("login"))
            after = saml.logout_done(
                self._saml_sp(request),
                scope=self.scope.name,
                saml_response=params.get("SAMLResponse", ""),
                relay_state=params.get("RelayState", ""),
                binding=binding,
            )
        except SignOnRefused as error:
            return self.refused(request, "saml logout", error.reason)
        return HttpResponseRedirect(after)

    # -- the local logout ------------------------------------------------------------

    def logout(
        self, request: HttpRequest, end_session: Callable[[HttpRequest], None]
    ) -> HttpResponse:
        """End the local session (``end_session``); one that began at a SAML IdP offering
        single logout goes on to the IdP, which ends its own session and sends the browser
        back; one that began at an OpenID provider with an end-session endpoint likewise
        goes there."""
        saml_logout = request.session.pop(self.scope.saml_logout_key, None)
        id_token = request.session.pop(self.scope.oidc_hint_key, None)
        end_session(request)
        url = None
        if saml_logout:
            url = self.saml_logout_url(request, saml_logout)
        elif id_token:
            url = self.oidc_logout_url(request, id_token)
        if url:
            return HttpResponseRedirect(url)
        return self._to_login()
