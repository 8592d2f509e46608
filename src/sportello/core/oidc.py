"""OpenID Connect relying party (Authlib), shared by the agents' and the customers' log-in.

A configuration is a dict (``SPORTELLO_AGENT_OIDC``, ``SPORTELLO_CUSTOMER_OIDC``):
``discovery_url`` (the provider's ``/.well-known/openid-configuration``), ``client_id``,
``client_secret``, ``scope`` (default ``openid email profile``) and ``claims`` (which
claim gives the login, names, email, language and groups; see ``DEFAULT_CLAIMS``).

Every flow uses the authorization code with PKCE (S256), a ``state`` and a ``nonce`` kept
in the session; the ID token's signature, issuer, audience, expiry and nonce are checked
by Authlib, and the user-info endpoint's answer is merged in when its ``sub`` matches.
Whatever fails raises ``SignOnRefused`` with a reason for the log; callers show one page.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any
from urllib.parse import urlencode

from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.crypto import constant_time_compare
from joserfc.errors import JoseError

from sportello.core.signon import SignOnRefused

log = logging.getLogger(__name__)

DEFAULT_CLAIMS = {
    "login": "preferred_username",
    "email": "email",
    "first_name": "given_name",
    "last_name": "family_name",
    "language": "locale",
    "groups": "groups",
}
_clients: dict[str, DjangoOAuth2App] = {}


def _client(name: str, config: dict[str, Any]) -> DjangoOAuth2App:
    # One client per configuration: the discovery document and keys are fetched once.
    key = f"{name}:{json.dumps(config, sort_keys=True)}"
    client = _clients.get(key)
    if client is None:
        registry = OAuth()
        client = registry.register(
            name,
            client_id=config["client_id"],
            client_secret=config.get("client_secret", ""),
            server_metadata_url=config["discovery_url"],
            client_kwargs={
                "scope": config.get("scope", "openid email profile"),
                "code_challenge_method": "S256",
                "timeout": 10,
            },
        )
        _clients[key] = client
    return client


def begin(
    request: HttpRequest, name: str, config: dict[str, Any], redirect_uri: str
) -> HttpResponseRedirect:
    """The redirect to the provider's authorization endpoint."""
    try:
        response: HttpResponseRedirect = _client(name, config).authorize_redirect(
            request, redirect_uri
        )
    except (OAuthError, OSError, ValueError) as error:
        raise SignOnRefused(f"provider unreachable: {error}") from None
    return response


def complete(request: HttpRequest, name: str, config: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The checked claims of the user the provider sends back, and the ID token (the
    hint of a later logout at the provider)."""
    client = _client(name, config)
    try:
        token = client.authorize_access_token(request)
    except OAuthError as error:
        raise SignOnRefused(f"{error.error}: {error.description}") from None
    except JoseError as error:
        raise SignOnRefused(f"ID token refused: {error}") from None
    except (OSError, ValueError) as error:
        raise SignOnRefused(f"token request failed: {error}") from None
    claims = token.get("userinfo")
    if not claims:  # no ID token, so no nonce was checked
        raise SignOnRefused("the provider returned no ID token")
    claims = dict(claims)
    if client.load_server_metadata().get("userinfo_endpoint"):
        try:
            extra = dict(client.userinfo(token=token))
        except (OAuthError, OSError, ValueError) as error:
            raise SignOnRefused(f"user info failed: {error}") from None
        if extra.get("sub") != claims.get("sub"):
            raise SignOnRefused("user info names another subject")
        claims = {**extra, **claims}
    # Portal tickets are found by address: an address the provider has not verified
    # would open someone else's tickets.
    if claims.get("email") and claims.get("email_verified") is False:
        raise SignOnRefused("the provider has not verified the email address")
    return claims, str(token.get("id_token", ""))


def logout_url(
    name: str, config: dict[str, Any], *, id_token: str, redirect_uri: str
) -> tuple[str, str] | None:
    """RP-initiated logout: the provider's ``end_session_endpoint`` with the ID token as
    hint, where to come back and a new ``state`` (returned, for the caller to keep);
    None when the discovery document names no such endpoint."""
    try:
        endpoint = _client(name, config).load_server_metadata().get("end_session_endpoint")
    except (OAuthError, OSError, ValueError) as error:
        log.warning("no logout at the OpenID provider: %s", error)
        return None
    if not endpoint or not id_token:
        return None
    state = secrets.token_urlsafe(24)
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": redirect_uri,
            "state": state,
            "client_id": config["client_id"],
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state


def logout_done(expected: str | None, state: str) -> None:
    """The provider's return after logout must carry the ``state`` sent (once)."""
    if not expected or not state or not constant_time_compare(expected, state):
        raise SignOnRefused("the logout state does not match (forged or replayed)")


def mapped(claims: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """The claims under Sportello's names (login, email, names, language, groups)."""
    names = {**DEFAULT_CLAIMS, **(config.get("claims") or {})}
    values: dict[str, Any] = {}
    for field, claim in names.items():
        value = claims.get(claim)
        if field == "groups":
            # None: the provider sent no groups, so the mapped roles are left as they are.
            values[field] = [str(v) for v in value] if isinstance(value, list) else None
        else:
            values[field] = str(value).strip() if value is not None else ""
    if not values["login"]:
        values["login"] = values["email"] or str(claims.get("sub", ""))
    return values
