"""Agent log-in with a throttle, and password change.

The throttle counts failed log-ins in Django's cache (Redis in production, so every
worker and host shares the counts): per login name and client address, and per client
address alone (against guessing many names). Past the limit the form is refused with 429
until the window has passed; a successful log-in clears the name's count. The client
address is REMOTE_ADDR: a reverse proxy in front must set it (no X-Forwarded-For trust).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sportello.accounts import ldap
from sportello.web.views import sso

log = logging.getLogger(__name__)


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _keys(request: HttpRequest, username: str) -> tuple[str, str]:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    address = _address(request)
    return f"login-fail:{name}:{address}", f"login-fail-ip:{address}"


def _limits() -> tuple[int, int]:
    per_name = int(settings.SPORTELLO_LOGIN_FAILURES)
    return per_name, per_name * 4


def is_throttled(request: HttpRequest, username: str) -> bool:
    name_key, address_key = _keys(request, username)
    per_name, per_address = _limits()
    counts = cache.get_many([name_key, address_key])
    return counts.get(name_key, 0) >= per_name or counts.get(address_key, 0) >= per_address


def record_failure(request: HttpRequest, username: str) -> None:
    window = int(settings.SPORTELLO_LOGIN_LOCKOUT_MINUTES) * 60
    for key in _keys(request, username):
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)


def clear_failures(request: HttpRequest, username: str) -> None:
    cache.delete(_keys(request, username)[0])


def sign_on_methods(next_url: str) -> list[dict[str, str]]:
    """The single sign-on buttons of the log-in page, as configured."""
    methods = []
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    for config, url in (
        (settings.SPORTELLO_AGENT_SAML, "web:saml-begin"),
        (settings.SPORTELLO_AGENT_OIDC, "web:oidc-begin"),
    ):
        if config:
            provider = config.get("label") or _("your university account")
            methods.append(
                {
                    "url": reverse(url) + query,
                    "label": _("Log in with %(provider)s") % {"provider": provider},
                }
            )
    return methods


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_methods"] = sign_on_methods(context.get("next") or "")
        # Without local passwords and a directory the form is for break-glass logins only.
        context["break_glass_only"] = not (
            settings.SPORTELLO_AGENT_LOCAL_PASSWORDS or ldap.enabled()
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if is_throttled(request, username):
            form = self.get_form()
            context = self.get_context_data(form=form, throttled=True)
            context["throttle_minutes"] = settings.SPORTELLO_LOGIN_LOCKOUT_MINUTES
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        username = self.request.POST.get("username", "")
        log.warning("agent log-in refused for %r from %s", username[:150], _address(self.request))
        record_failure(self.request, username)
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        if getattr(form.get_user(), "is_system", False):
            form.add_error(None, _("This account cannot log in."))
            return self.form_invalid(form)
        clear_failures(self.request, self.request.POST.get("username", ""))
        return super().form_valid(form)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """End the session, and the one at the identity provider it began at."""
    return sso.views.logout(request, auth_logout)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:preferences")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response
