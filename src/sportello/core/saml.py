"""SAML 2.0 service provider (pysaml2, signatures by xmlsec1), shared by the agents' and
the customers' log-in.

A configuration is a dict (``SPORTELLO_AGENT_SAML``, ``SPORTELLO_CUSTOMER_SAML``):
``idp_metadata_file`` or ``idp_metadata_url`` (with ``idp_metadata_cert`` to check the
metadata's signature, as DFN-AAI and IDEM sign theirs), ``idp_entity_id`` (which IdP of
the metadata; needed when it lists several), ``entity_id`` (default: the metadata URL),
``key_file``/``cert_file`` (the SP's key pair: signed requests, encrypted assertions),
``attributes`` (see ``DEFAULT_ATTRIBUTES``).

The request goes out by HTTP-Redirect and the answer comes back by HTTP-POST from the
IdP's site, where the browser does not send our Lax session cookie: the outstanding
request is therefore kept in the shared cache under a random ``RelayState`` and used
once. pysaml2 checks the signature (the response's or every assertion's; unsigned is
refused), the audience, the destination, the validity window and ``InResponseTo``; an
assertion ID seen before is refused as a replay.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import name_id_from_string
from saml2.sigver import RSACrypto, verify_redirect_signature

from sportello.core.signon import SignOnRefused

log = logging.getLogger(__name__)

DEFAULT_ATTRIBUTES: dict[str, Any] = {
    "login": "eduPersonPrincipalName",
    "email": "mail",
    "first_name": "givenName",
    "last_name": "sn",
    "language": "preferredLanguage",
    "groups": ["eduPersonEntitlement", "eduPersonScopedAffiliation", "eduPersonAffiliation"],
}
REDIRECT, POST = BINDING_HTTP_REDIRECT, BINDING_HTTP_POST
REQUEST_SECONDS = 15 * 60
# The IdP metadata (a federation's file runs to many megabytes) is read once per process
# and again after this long, so rolled-over IdP keys are picked up.
METADATA_SECONDS = 6 * 3600
_KEY = "saml-request:"
_configs: dict[str, tuple[float, SPConfig]] = {}


def sp_config(config: dict[str, Any], *, metadata_url: str, acs_url: str, sls_url: str) -> SPConfig:
    """The SP's pysaml2 configuration with the IdP metadata loaded (and its signature
    checked when ``idp_metadata_cert`` is given); ``SignOnRefused`` when that fails."""
    key = json.dumps([config, metadata_url, acs_url, sls_url], sort_keys=True)
    cached = _configs.get(key)
    if cached is not None and time.monotonic() - cached[0] < METADATA_SECONDS:
        return cached[1]
    try:
        sp = _load(config, metadata_url=metadata_url, acs_url=acs_url, sls_url=sls_url)
    except Exception as error:  # unreadable, unsigned or wrongly signed metadata
        raise SignOnRefused(f"IdP metadata not usable: {type(error).__name__}: {error}") from None
    _configs[key] = (time.monotonic(), sp)
    return sp


def _load(config: dict[str, Any], *, metadata_url: str, acs_url: str, sls_url: str) -> SPConfig:
    metadata: dict[str, Any] = {}
    if config.get("idp_metadata_file"):
        metadata["local"] = [config["idp_metadata_file"]]
    if config.get("idp_metadata_url"):
        remote = {"url": config["idp_metadata_url"]}
        if config.get("idp_metadata_cert"):
            remote["cert"] = config["idp_metadata_cert"]
        metadata["remote"] = [remote]
    settings: dict[str, Any] = {
        "entityid": config.get("entity_id") or metadata_url,
        "xmlsec_binary": shutil.which("xmlsec1") or "/usr/bin/xmlsec1",
        "metadata": metadata,
        "allow_unknown_attributes": True,
        "service": {
            "sp": {
                "endpoints": {
                    "assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)],
                    "single_logout_service": [
                        (sls_url, BINDING_HTTP_REDIRECT),
                        (sls_url, BINDING_HTTP_POST),
                    ],
                },
                "allow_unsolicited": False,
                "want_response_signed": False,
                "want_assertions_signed": False,
                "want_assertions_or_response_signed": True,
                "authn_requests_signed": bool(config.get("key_file")),
            }
        },
    }
    if config.get("key_file"):
        settings["key_file"] = config["key_file"]
        settings["cert_file"] = config["cert_file"]
        settings["encryption_keypairs"] = [
            {"key_file": config["key_file"], "cert_file": config["cert_file"]}
        ]
    sp = SPConfig()
    sp.load(settings)
    return sp


def metadata_xml(sp: SPConfig) -> str:
    """The SP's metadata for the federation (entity ID, ACS, certificate)."""
    return str(entity_descriptor(sp))


def begin(sp: SPConfig, config: dict[str, Any], *, scope: str, next_url: str) -> str:
    """The IdP URL with the authentication request; the request is remembered."""
    client = Saml2Client(sp)
    idps = list(client.metadata.identity_providers())
    idp = config.get("idp_entity_id") or (idps[0] if len(idps) == 1 else "")
    if not idp:
        raise SignOnRefused(f"choose the IdP with idp_entity_id among {len(idps)}")
    relay_state = secrets.token_urlsafe(24)
    try:
        request_id, info = client.prepare_for_authenticate(
            entityid=idp, relay_state=relay_state, binding=BINDING_HTTP_REDIRECT
        )
    except Exception as error:  # pysaml2 raises many kinds on bad metadata
        raise SignOnRefused(f"no authentication request: {error}") from None
    cache.set(
        _KEY + relay_state,
        {"scope": scope, "request_id": request_id, "next": next_url},
        REQUEST_SECONDS,
    )
    return str(dict(info["headers"])["Location"])


@dataclass
class SignOn:
    attributes: dict[str, list[str]]
    next_url: str
    # What a single logout names: the IdP, the subject's NameID (XML), the session index.
    logout: dict[str, str]


def complete(sp: SPConfig, *, scope: str, saml_response: str, relay_state: str) -> SignOn:
    """The checked attributes of the subject, the ``next`` path remembered, and what a
    later single logout needs (kept in the session)."""
    key = _KEY + relay_state
    pending = cache.get(key) if relay_state else None
    cache.delete(key)
    if not pending or pending["scope"] != scope:
        raise SignOnRefused("no outstanding request for this RelayState (replay or forged)")
    client = Saml2Client(sp)
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={pending["request_id"]: pending["next"]}
        )
    except Exception as error:  # signature, audience, time, status: all mean no
        raise SignOnRefused(f"{type(error).__name__}: {error}") from None
    if response is None:
        raise SignOnRefused("the response could not be read")
    assertion_ids = [a.id for a in response.response.assertion or []] or [response.id()]
    for assertion_id in assertion_ids:
        if not cache.add(f"saml-assertion:{assertion_id}", 1, REQUEST_SECONDS * 4):
            raise SignOnRefused(f"assertion {assertion_id} was used before")
    session_index = ""
    for statement in response.assertion.authn_statement if response.assertion else []:
        session_index = statement.session_index or session_index
    logout = {
        "idp": str(response.issuer()),
        "name_id": response.name_id.to_string().decode() if response.name_id else "",
        "session_index": session_index,
    }
    return SignOn(dict(response.ava), str(pending["next"]), logout)


def logout_url(sp: SPConfig, logout: dict[str, str], *, scope: str, after: str) -> str | None:
    """Where to send the browser for the IdP's single logout, if the IdP offers it by
    HTTP-Redirect; the Sportello session is ended by the caller either way."""
    client = Saml2Client(sp)
    try:
        destinations = client.metadata.single_logout_service(
            logout["idp"], BINDING_HTTP_REDIRECT, "idpsso"
        )
    except Exception:  # the IdP is not in the metadata any more
        return None
    if not destinations or not logout.get("name_id"):
        return None
    destination = destinations[0]["location"]
    sign = bool(sp.key_file)
    request_id, request = client.create_logout_request(
        destination,
        logout["idp"],
        name_id=name_id_from_string(logout["name_id"]),
        session_indexes=[logout["session_index"]] if logout.get("session_index") else None,
        sign=False,
    )
    relay_state = secrets.token_urlsafe(24)
    cache.set(
        _KEY + relay_state,
        {"scope": scope, "request_id": request_id, "next": after, "logout": True},
        REQUEST_SECONDS,
    )
    info = client.apply_binding(
        BINDING_HTTP_REDIRECT, str(request), destination, relay_state, sign=sign
    )
    return str(dict(info["headers"])["Location"])


def logout_done(
    sp: SPConfig,
    *,
    scope: str,
    saml_response: str,
    relay_state: str,
    binding: str = BINDING_HTTP_REDIRECT,
) -> str:
    """The page after the IdP's answer to our logout request; refused when it is not
    an answer to one of ours or says the logout failed (the session is over anyway)."""
    key = _KEY + relay_state
    pending = cache.get(key) if relay_state else None
    cache.delete(key)
    if not pending or pending["scope"] != scope or not pending.get("logout"):
        raise SignOnRefused("no outstanding logout for this RelayState")
    try:
        response = Saml2Client(sp).parse_logout_request_response(saml_response, binding)
    except Exception as error:
        raise SignOnRefused(f"{type(error).__name__}: {error}") from None
    if response is None or response.in_response_to != pending["request_id"]:
        raise SignOnRefused("the logout response answers another request")
    if not response.status_ok():
        raise SignOnRefused("the IdP reports the single logout failed")
    return str(pending["next"])


def _subject_key(scope: str, idp: str, name_id: str) -> str:
    digest = hashlib.sha256(f"{idp}\n{name_id}".encode()).hexdigest()
    return f"saml-sessions:{scope}:{digest}"


def remember_session(scope: str, logout: dict[str, str], session_key: str | None) -> None:
    """Index a new Sportello session under the subject the IdP named (issuer, NameID),
    with its session index, so that a logout the IdP starts can find it."""
    if not session_key or not logout.get("name_id"):
        return
    name_id = str(name_id_from_string(logout["name_id"]).text or "")
    key = _subject_key(scope, logout["idp"], name_id)
    known = [entry for entry in cache.get(key) or [] if entry[0] != session_key]
    known.append([session_key, logout.get("session_index", "")])
    # Older sessions past a few dozen have long expired; the list stays short.
    cache.set(key, known[-30:], settings.SESSION_COOKIE_AGE)


@dataclass
class IdpLogout:
    # The Sportello sessions to end, and where the signed answer goes ("" when the IdP
    # offers no HTTP-Redirect endpoint for it).
    session_keys: list[str]
    location: str


def idp_logout(sp: SPConfig, *, scope: str, binding: str, params: Mapping[str, str]) -> IdpLogout:
    """A single logout the IdP started: the request must be signed by an IdP of the
    metadata (the query signature for HTTP-Redirect, the XML signature for HTTP-POST),
    addressed to us, in its validity window and not seen before. The sessions indexed
    at log-in under its NameID (and session index, when it names one) are returned,
    with the IdP's URL carrying our LogoutResponse (signed when the SP has a key)."""
    client = Saml2Client(sp)
    saml_request = params.get("SAMLRequest", "")
    relay_state = params.get("RelayState", "")
    try:
        parsed = client.parse_logout_request(saml_request, binding)
    except Exception as error:  # unreadable, badly signed, wrong destination, expired
        raise SignOnRefused(f"{type(error).__name__}: {error}") from None
    if parsed is None or parsed.message is None:
        raise SignOnRefused("the logout request could not be read")
    message = parsed.message
    issuer = str(message.issuer.text or "").strip() if message.issuer is not None else ""
    if binding == BINDING_HTTP_REDIRECT:
        _check_redirect_signature(client, issuer, saml_request, relay_state, params)
    elif message.signature is None:  # pysaml2 checks a signature present, we require one
        raise SignOnRefused("the logout request is not signed")
    if message.name_id is None or not message.name_id.text:
        raise SignOnRefused("the logout request names no subject")
    if not cache.add(f"saml-logout:{issuer}:{message.id}", 1, REQUEST_SECONDS * 4):
        raise SignOnRefused(f"logout request {message.id} was used before")
    indexes = {str(index.text) for index in message.session_index or []}
    key = _subject_key(scope, issuer, str(message.name_id.text))
    known = cache.get(key) or []
    ended = [entry[0] for entry in known if not indexes or entry[1] in indexes]
    kept = [entry for entry in known if entry[0] not in ended]
    if kept:
        cache.set(key, kept, settings.SESSION_COOKIE_AGE)
    else:
        cache.delete(key)
    try:
        destinations = client.metadata.single_logout_service(
            issuer, BINDING_HTTP_REDIRECT, "idpsso"
        )
    except Exception:
        destinations = []
    if not destinations:
        return IdpLogout(ended, "")
    destination = destinations[0]["location"]
    response = client.create_logout_response(message, [BINDING_HTTP_REDIRECT], sign=False)
    info = client.apply_binding(
        BINDING_HTTP_REDIRECT,
        str(response),
        destination,
        relay_state,
        response=True,
        sign=bool(sp.key_file),
    )
    return IdpLogout(ended, str(dict(info["headers"])["Location"]))


def _check_redirect_signature(
    client: Saml2Client,
    issuer: str,
    saml_request: str,
    relay_state: str,
    params: Mapping[str, str],
) -> None:
    signature, algorithm = params.get("Signature", ""), params.get("SigAlg", "")
    if not signature or not algorithm:
        raise SignOnRefused("the logout request is not signed")
    signed = {"SAMLRequest": saml_request, "Signature": signature, "SigAlg": algorithm}
    if relay_state:
        signed["RelayState"] = relay_state
    try:
        certificates = client.metadata.certs(issuer, "any", "signing")
        good = any(
            verify_redirect_signature(signed, RSACrypto(None), certificate)
            for _name, certificate in certificates
        )
    except Exception as error:  # an issuer not in the metadata, a strange algorithm
        raise SignOnRefused(f"logout request signature: {type(error).__name__}: {error}") from None
    if not good:
        raise SignOnRefused("the logout request's signature does not verify")


def mapped(attributes: dict[str, list[str]], config: dict[str, Any]) -> dict[str, Any]:
    """The attributes under Sportello's names (login, email, names, language, groups)."""
    names = {**DEFAULT_ATTRIBUTES, **(config.get("attributes") or {})}
    lowered = {key.lower(): values for key, values in attributes.items()}
    values: dict[str, Any] = {}
    for field, attribute in names.items():
        if field == "groups":
            listed = [attribute] if isinstance(attribute, str) else attribute
            found = [str(v) for name in listed for v in lowered.get(name.lower(), [])]
            values[field] = found if any(name.lower() in lowered for name in listed) else None
        else:
            found_values = lowered.get(str(attribute).lower()) or [""]
            values[field] = str(found_values[0]).strip()
    return values
