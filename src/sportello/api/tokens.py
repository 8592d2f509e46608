"""Creating, listing, revoking and checking personal API tokens.

A token is ``spt_`` + 43 URL-safe characters (32 random bytes); the prefix makes a leaked
token recognizable to secret scanners. Only its SHA-256 digest is stored, so a database
dump reveals no usable token, and a lookup by digest needs no slow password hash: the
secret has 256 bits of entropy.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.api.models import ApiToken, Scope
from sportello.core import cache
from sportello.core.errors import InvalidInput, NotFound
from sportello.core.models import ConfigVersion
from sportello.core.statements import TEXT, Statement
from sportello.customers.models import CustomerUser

PREFIX = "spt_"
# last_used is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# Read on every API request: compiled once (``core.statements``), with the token of the
# configuration cache, so each request sees committed configuration changes (states,
# queues, fields …) at no extra round trip.
_BY_DIGEST = Statement(
    lambda value: (
        ApiToken.objects.select_related("agent", "customer__company")
        .annotate(
            config_token=Subquery(
                ConfigVersion.objects.filter(pk=ConfigVersion.SINGLETON).values("token")[:1]
            )
        )
        .filter(digest=value)
    ),
    TEXT,
)


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    agent: User, *, name: str, scope: str = Scope.READ, expires_in_days: int | None = None
) -> NewToken:
    if scope not in Scope.values or scope == Scope.CUSTOMER:
        raise InvalidInput(_("Unknown token scope %(scope)s."), scope=scope)
    if not agent.is_active or agent.is_system:
        raise InvalidInput(_("Agent %(name)s is not active."), name=agent.username)
    return _create(name, scope, expires_in_days, agent=agent)


def create_customer_token(
    customer: CustomerUser, *, name: str, expires_in_days: int | None = None
) -> NewToken:
    """A token acting as ``customer``: their tickets, their customer-visible articles."""
    if not customer.valid:
        raise InvalidInput(_("Customer user %(name)s is not valid."), name=customer.login)
    return _create(name, Scope.CUSTOMER, expires_in_days, customer=customer)


def _create(name: str, scope: str, expires_in_days: int | None, **owner: object) -> NewToken:
    name = name.strip()
    if not name:
        raise InvalidInput(_("A token needs a name."))
    if expires_in_days is not None and expires_in_days < 1:
        raise InvalidInput(_("A token must be valid for at least one day."))
    secret = PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        **owner,
        name=name[:100],
        prefix=secret[: len(PREFIX) + 4],
        digest=digest(secret),
        scope=scope,
        created=now,
        expires=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    return NewToken(token=token, secret=secret)


def tokens_of(owner: User | CustomerUser) -> list[ApiToken]:
    tokens = ApiToken.objects.filter(
        **({"customer": owner} if isinstance(owner, CustomerUser) else {"agent": owner})
    )
    return list(tokens.order_by("-created", "-id"))


def revoke_token(
    token_id: int, *, agent: User | None = None, customer: CustomerUser | None = None
) -> ApiToken:
    """Revoke a token; with ``agent`` (``customer``) only one of their own."""
    tokens = ApiToken.objects.filter(pk=token_id)
    if agent is not None:
        tokens = tokens.filter(agent=agent)
    if customer is not None:
        tokens = tokens.filter(customer=customer)
    token = tokens.first()
    if token is None:
        raise NotFound(_("No API token with id %(id)s."), id=token_id)
    if token.revoked is None:
        token.revoked = timezone.now()
        token.save(update_fields=["revoked"])
    return token


def check_token(secret: str) -> ApiToken | None:
    """The valid token ``secret`` names, with its agent or customer user; None when it is
    unknown, revoked, expired or its owner is inactive (the caller answers all alike: no
    oracle)."""
    if not secret.startswith(PREFIX):
        return None
    token = _BY_DIGEST.first(digest(secret))
    if token is not None:
        cache.accept(getattr(token, "config_token", None) or "")
    now = timezone.now()
    if token is None or token.revoked is not None:
        return None
    if token.expires is not None and token.expires <= now:
        return None
    if token.customer is not None:
        if not token.customer.valid:
            return None
    elif token.agent is None or not token.agent.is_active or token.agent.is_system:
        return None
    if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token
