"""Who calls the API: an agent's personal token (``Authorization: Bearer spt_…``) or the
agent's session cookie (the web UI's own calls, with Django's CSRF check on unsafe
methods). A read token may only read; writes need a write or admin token. A customer
user's token is accepted only by the customer routes (``/customer/…``), and only there."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle

from sportello.accounts.models import User
from sportello.api import tokens
from sportello.api.errors import ApiError
from sportello.api.models import ApiToken, Scope
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        # ninja's own version logs a malformed header, which may hold a token.
        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.check_token(token)
        if found is None:
            return None
        if found.scope == Scope.CUSTOMER:
            raise ApiError(
                403, _("A customer token may only use the customer routes."), code="scope"
            )
        if request.method not in SAFE_METHODS and found.scope == Scope.READ:
            raise ApiError(403, _("This token may only read."), code="scope")
        return found


class CustomerTokenAuth(TokenAuth):
    """The customer routes: a customer user's token, nothing else."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.check_token(token)
        if found is None:
            return None
        if found.scope != Scope.CUSTOMER:
            raise ApiError(403, _("These routes need a customer token."), code="scope")
        return found


class AgentSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if isinstance(user, User) and user.is_active and not user.is_system:
            return user
        return None


def agent(request: HttpRequest) -> User:
    """The agent behind the request (token or session)."""
    auth: Any = getattr(request, "auth", None)
    found = auth.agent if isinstance(auth, ApiToken) else auth
    assert isinstance(found, User)
    return found


def customer(request: HttpRequest) -> CustomerUser:
    """The customer user behind a request of the customer routes."""
    auth: Any = getattr(request, "auth", None)
    assert isinstance(auth, ApiToken) and auth.customer is not None
    return auth.customer


def actor(request: HttpRequest) -> Actor:
    return Actor(user=agent(request), channel="api")


class PerTokenThrottle(SimpleRateThrottle):
    """Requests per token (per agent for session calls) in Django's cache, which every
    process and host shares (Redis in production)."""

    scope = "api"

    def __init__(self) -> None:
        super().__init__(str(settings.SPORTELLO_API_RATE))

    def allow_request(self, request: HttpRequest) -> bool:
        # Read on every request, so a changed setting applies without a restart of ninja.
        self.rate = str(settings.SPORTELLO_API_RATE)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        auth: Any = getattr(request, "auth", None)
        if isinstance(auth, ApiToken):
            ident = f"token-{auth.pk}"
        elif isinstance(auth, User):
            ident = f"agent-{auth.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
