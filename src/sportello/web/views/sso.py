"""Agent single sign-on through OpenID Connect and SAML: the agents' side of the views in
``core.signon_views`` — their configuration, URLs and session keys, the agent from
``accounts.sso``, Django's log-in and the refusal page."""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sportello.accounts import sso
from sportello.accounts.backends import SESSION_BACKEND
from sportello.accounts.models import AuthSource, User
from sportello.core.signon_views import Scope, SignOnViews

log = logging.getLogger(__name__)
SOURCES = {"oidc": AuthSource.OIDC, "saml": AuthSource.SAML}


def _agent_for(identity: dict[str, Any], method: str, config: dict[str, Any]) -> User:
    return sso.agent_for(identity, source=SOURCES[method], create=bool(config.get("create_agents")))


def _login(request: HttpRequest, agent: User) -> None:
    login(request, agent, backend=SESSION_BACKEND)


def _refused_page(request: HttpRequest, method: str) -> HttpResponse:
    return render(request, "web/sso_refused.html", {"method": method}, status=403)


def end_sessions(request: HttpRequest, keys: list[str]) -> None:
    """End agent sessions by key (a logout the IdP started); the browser's own, too."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        if key == request.session.session_key:
            auth_logout(request)
        else:
            store(session_key=key).delete()


views = SignOnViews(
    Scope(
        name="agent",
        namespace="web",
        oidc_setting="SPORTELLO_AGENT_OIDC",
        saml_setting="SPORTELLO_AGENT_SAML",
        home="home",
        next_root=None,
        next_key="_sso_next",
        oidc_hint_key="_oidc_logout_hint",
        oidc_state_key="_oidc_logout_state",
        saml_logout_key="_saml_logout",
        account_for=_agent_for,
        login=_login,
        account_name=lambda agent: agent.username,
        refused_page=_refused_page,
        client_ip=lambda request: str(request.META.get("REMOTE_ADDR")),
        end_sessions=end_sessions,
        log=log,
    )
)
