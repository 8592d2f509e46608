"""Agent single sign-on through OpenID Connect: the redirect to the provider and its
answer. The protocol is ``core.oidc``, the agent ``accounts.sso``; a refusal shows one
page and writes one log line with the reason."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sportello.accounts import sso
from sportello.accounts.models import AuthSource
from sportello.core import oidc
from sportello.core.signon import SignOnRefused, safe_next

log = logging.getLogger(__name__)
NEXT_KEY = "_sso_next"
BACKEND = "django.contrib.auth.backends.ModelBackend"


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
        identity = oidc.mapped(oidc.complete(request, "agent", config), config)
        agent = sso.agent_for(
            identity, source=AuthSource.OIDC, create=bool(config.get("create_agents"))
        )
    except SignOnRefused as error:
        return refused(request, "oidc", error.reason)
    wanted = request.session.get(NEXT_KEY) or reverse("web:home")
    login(request, agent, backend=BACKEND)  # a new session id (no fixation)
    log.info("agent %s signed on (oidc)", agent.username)
    return redirect(wanted)
