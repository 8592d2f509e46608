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

import logging
import secrets
import shutil
from typing import Any

from django.core.cache import cache
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import entity_descriptor

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
REQUEST_SECONDS = 15 * 60
_KEY = "saml-request:"


def sp_config(config: dict[str, Any], *, metadata_url: str, acs_url: str) -> SPConfig:
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
                "endpoints": {"assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)]},
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


def complete(
    sp: SPConfig, *, scope: str, saml_response: str, relay_state: str
) -> tuple[dict[str, list[str]], str]:
    """The checked attributes of the subject, and the ``next`` path remembered."""
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
    return dict(response.ava), str(pending["next"])


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
