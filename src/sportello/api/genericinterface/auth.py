"""Who calls an operation: a SessionID of SessionCreate, or ``UserLogin`` /
``CustomerUserLogin`` with ``Password`` in the request itself (Znuny's
``Operation::Common::Auth``). Failed log-ins count against the same throttles as the
agent web log-in and the portal log-in. SessionIDs are 32 random letters and digits;
only their SHA-256 digest is stored, with an expiry (``SPORTELLO_GI_SESSION_HOURS``)."""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Subquery
from django.http import HttpRequest
from django.utils import timezone

from sportello.accounts.models import User
from sportello.api.genericinterface.models import GenericInterfaceSession
from sportello.core import cache
from sportello.core.actor import Actor
from sportello.core.models import ConfigVersion
from sportello.core.statements import TEXT, TIME, Statement
from sportello.customers import backends
from sportello.customers.models import CustomerUser
from sportello.portal import throttle
from sportello.portal.auth import client_ip
from sportello.web.views import auth as web_auth

_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Caller:
    agent: User | None = None
    customer: CustomerUser | None = None

    @property
    def actor(self) -> Actor:
        if self.agent is not None:
            return Actor(user=self.agent, channel="api")
        assert self.customer is not None
        # Customers act through the system user, their address recorded (as the portal).
        return Actor.system(channel="api", name=(self.customer.email or self.customer.login))

    @property
    def login(self) -> str:
        if self.agent is not None:
            return self.agent.username
        assert self.customer is not None
        return self.customer.login


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _agent_login(request: HttpRequest, login: str, password: str) -> User | None:
    if web_auth.is_throttled(request, login):
        return None
    user = authenticate(request, username=login, password=password)
    if isinstance(user, User) and user.is_active and not user.is_system:
        web_auth.clear_failures(request, login)
        return user
    web_auth.record_failure(request, login)
    return None


def _customer_login(request: HttpRequest, login: str, password: str) -> CustomerUser | None:
    # The portal's counts: one per account (by login or address) and one per address.
    login = login.lower()
    known = backends.find(login)
    account = f"customer:{known.pk}" if known is not None else login
    ip = client_ip(request)
    window = timedelta(minutes=settings.SPORTELLO_PORTAL_LOGIN_WINDOW_MINUTES)
    per_account = settings.SPORTELLO_PORTAL_LOGIN_FAILURES_PER_ACCOUNT
    per_ip = settings.SPORTELLO_PORTAL_LOGIN_FAILURES_PER_IP
    if throttle.exceeded("login-account", account, limit=per_account, window=window):
        return None
    if throttle.exceeded("login-ip", ip, limit=per_ip, window=window):
        return None
    customer = backends.authenticate(login, password)
    if customer is not None:
        throttle.clear("login-account", account)
        return customer
    throttle.hit("login-account", account)
    throttle.hit("login-ip", ip)
    return None


def login(request: HttpRequest, data: dict[str, Any]) -> Caller | None:
    """The caller named by ``UserLogin`` or ``CustomerUserLogin`` and ``Password``."""
    password = data.get("Password")
    if not isinstance(password, str) or not password:
        return None
    user_login = _text(data.get("UserLogin"))
    if user_login:
        agent = _agent_login(request, user_login, password)
        return Caller(agent=agent) if agent is not None else None
    customer_login = _text(data.get("CustomerUserLogin"))
    if customer_login:
        customer = _customer_login(request, customer_login, password)
        return Caller(customer=customer) if customer is not None else None
    return None


def has_credentials(data: dict[str, Any]) -> bool:
    return any(_text(data.get(key)) for key in ("SessionID", "UserLogin", "CustomerUserLogin"))


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def create_session(caller: Caller) -> str:
    session_id = "".join(secrets.choice(_ALPHABET) for _ in range(32))
    now = timezone.now()
    # Whoever creates one clears a few expired ones.
    stale = GenericInterfaceSession.objects.filter(expires__lte=now).values_list("pk", flat=True)
    GenericInterfaceSession.objects.filter(pk__in=list(stale[:100])).delete()
    GenericInterfaceSession.objects.create(
        digest=_digest(session_id),
        agent=caller.agent,
        customer_login=caller.customer.login if caller.customer is not None else "",
        created=now,
        expires=now + timedelta(hours=settings.SPORTELLO_GI_SESSION_HOURS),
    )
    return session_id


# Read on every call with a SessionID: compiled once (``core.statements``), with the
# token of the configuration cache (as ``api.tokens``' lookup).
_SESSION = Statement(
    lambda digest, now: (
        GenericInterfaceSession.objects.select_related("agent")
        .annotate(
            config_token=Subquery(
                ConfigVersion.objects.filter(pk=ConfigVersion.SINGLETON).values("token")[:1]
            )
        )
        .filter(digest=digest, expires__gt=now)
    ),
    TEXT,
    TIME,
)


def session_caller(session_id: Any) -> Caller | None:
    """The caller of a valid, unexpired session whose account is still valid."""
    if not isinstance(session_id, str) or not session_id.strip():
        return None
    session = _SESSION.first(_digest(session_id.strip()), timezone.now())
    if session is None:
        return None
    cache.accept(getattr(session, "config_token", None) or "")
    if session.agent is not None:
        agent = session.agent
        return Caller(agent=agent) if agent.is_active and not agent.is_system else None
    customer = CustomerUser.objects.filter(login=session.customer_login, valid=True).first()
    return Caller(customer=customer) if customer is not None else None


def remove_session(session_id: Any) -> bool:
    if not isinstance(session_id, str) or not session_id.strip():
        return False
    deleted, _rows = GenericInterfaceSession.objects.filter(
        digest=_digest(session_id.strip())
    ).delete()
    return deleted > 0


def caller(request: HttpRequest, data: dict[str, Any]) -> Caller | None:
    """A SessionID wins over a login, as in Znuny."""
    if _text(data.get("SessionID")):
        return session_caller(data.get("SessionID"))
    return login(request, data)
