"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (``saml2.server``,
signing with xmlsec1) with its own key pair, served on a free loopback port.

``SamlIdp.respond(location, login, fault=...)`` answers the authentication request in a
redirect URL as the IdP would (for tests without a browser); the HTTP server shows a
log-in form and posts the answer to the SP's ACS from the browser. ``fault`` makes it
misbehave: ``unsigned``, ``tampered`` (a value changed after signing), ``audience``
(issued for another SP), ``expired`` (validity over).
"""

from __future__ import annotations

import base64
import html
import os
import shutil
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.customers.slapd import _write_certificate

IDP_ACCOUNTS: dict[str, dict[str, list[str]]] = {
    "paola": {
        "eduPersonPrincipalName": ["paola@uni.example.org"],
        "mail": ["paola.rossi@uni.example.org"],
        "givenName": ["Paola"],
        "sn": ["Rossi"],
        "preferredLanguage": ["it"],
        "eduPersonAffiliation": ["staff", "member"],
        "eduPersonEntitlement": ["urn:mace:uni.example.org:helpdesk:network"],
    },
    "student": {
        "eduPersonPrincipalName": ["s1234@uni.example.org"],
        "mail": ["s1234@studenti.uni.example.org"],
        "givenName": ["Luca"],
        "sn": ["Bianchi"],
        "eduPersonAffiliation": ["student"],
    },
}


def require_xmlsec() -> str:
    binary = shutil.which("xmlsec1")
    if binary:
        return binary
    message = "xmlsec1 not installed (Debian xmlsec1)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


class SamlIdp:
    def __init__(self) -> None:
        self.xmlsec = require_xmlsec()
        self.root = Path(tempfile.mkdtemp(prefix="sportello-idp-"))
        self.cert = _write_certificate(self.root, rsa=True)
        self.key = self.root / "server.key"
        self.sp_files: list[str] = []
        self.fault = ""
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.base = f"http://127.0.0.1:{self._http.server_address[1]}"
        self.entity_id = f"{self.base}/idp"
        self.metadata_file = self.root / "idp-metadata.xml"
        from saml2.metadata import entity_descriptor, sign_entity_descriptor
        from saml2.sigver import security_context

        config = self._config()
        self.metadata_file.write_text(str(entity_descriptor(config)))
        # The same metadata signed with the IdP's key, served at /metadata (a federation's).
        _descriptor, signed = sign_entity_descriptor(
            entity_descriptor(config), None, security_context(config)
        )
        self.signed_metadata = str(signed)
        self.other_sp = self.root / "other-sp.xml"
        self.other_sp.write_text(str(entity_descriptor(_other_sp(self.xmlsec))))
        self._server: Any = None
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def _config(self) -> Any:
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.config import IdPConfig
        from saml2.saml import NAME_FORMAT_URI

        lifetime = {"minutes": -10} if self.fault == "expired" else {"minutes": 15}
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": self.xmlsec,
                "key_file": str(self.key),
                "cert_file": str(self.cert),
                "metadata": {"local": [*self.sp_files, *self._others()]},
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (f"{self.base}/sso/redirect", BINDING_HTTP_REDIRECT)
                            ],
                            "single_logout_service": [
                                (f"{self.base}/slo/redirect", BINDING_HTTP_REDIRECT)
                            ],
                        },
                        "policy": {
                            "default": {
                                "lifetime": lifetime,
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                    }
                },
            }
        )
        return config

    def _others(self) -> list[str]:
        other = getattr(self, "other_sp", None)
        return [str(other)] if other is not None else []

    def trust_sp(self, metadata_xml: str) -> None:
        path = self.root / f"sp-{len(self.sp_files)}.xml"
        path.write_text(metadata_xml)
        self.sp_files.append(str(path))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        shutil.rmtree(self.root, ignore_errors=True)

    def respond(self, location: str, login: str) -> tuple[str, str, str]:
        """(ACS URL, SAMLResponse, RelayState) for the request in ``location``."""
        from saml2 import BINDING_HTTP_REDIRECT
        from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
        from saml2.server import Server

        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        server = Server(config=self._config())
        request = server.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT).message
        audience = OTHER_SP if self.fault == "audience" else None
        signed = self.fault != "unsigned"
        response = server.create_authn_response(
            identity=IDP_ACCOUNTS[login],
            in_response_to=request.id,
            destination=request.assertion_consumer_service_url,
            sp_entity_id=audience or request.issuer.text,
            userid=login,
            name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text=f"transient-{login}"),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=signed,
            sign_assertion=signed,
        )
        xml = str(response)
        if self.fault == "tampered":
            value = IDP_ACCOUNTS[login]["mail"][0]
            assert value in xml
            xml = xml.replace(value, "mallory@evil.example.org")
        encoded = base64.b64encode(xml.encode()).decode()
        return request.assertion_consumer_service_url, encoded, query.get("RelayState", "")


OTHER_SP = "https://another-sp.example.org/sp"


def logout_answer(idp: SamlIdp, location: str) -> tuple[str, str]:
    """(the NameID asked to log out, the URL of the SP's logout service with the answer)."""
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.server import Server

    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    server = Server(config=idp._config())
    request = server.parse_logout_request(
        query["SAMLRequest"], BINDING_HTTP_REDIRECT, relay_state=query.get("RelayState")
    ).message
    response = server.create_logout_response(request, [BINDING_HTTP_REDIRECT], sign=False)
    destination = server.metadata.single_logout_service(
        request.issuer.text, BINDING_HTTP_REDIRECT, "spsso"
    )[0]["location"]
    info = server.apply_binding(
        BINDING_HTTP_REDIRECT,
        str(response),
        destination,
        query.get("RelayState", ""),
        response=True,
    )
    return str(request.name_id.text), str(dict(info["headers"])["Location"])


def _other_sp(xmlsec: str) -> Any:
    """Another service provider of the federation, for answers meant for it."""
    from saml2 import BINDING_HTTP_POST
    from saml2.config import SPConfig

    config = SPConfig()
    config.load(
        {
            "entityid": OTHER_SP,
            "xmlsec_binary": xmlsec,
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [(f"{OTHER_SP}/acs", BINDING_HTTP_POST)]
                    }
                }
            },
        }
    )
    return config


def _handler(idp: SamlIdp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _page(self, body: str) -> None:
            data = f"<!DOCTYPE html><html><body>{body}</body></html>".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # the log-in form, keeping the request
            if self.path == "/metadata":
                data = idp.signed_metadata.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/samlmetadata+xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if self.path.startswith("/slo/"):
                _name_id, answer = logout_answer(idp, self.path)
                self.send_response(302)
                self.send_header("Location", answer)
                self.end_headers()
                return
            location = html.escape(self.path, quote=True)
            self._page(
                '<form method="post" action="/sso/login">'
                f'<input type="hidden" name="location" value="{location}">'
                '<label>Login <input name="login"></label>'
                '<label>Password <input type="password" name="password"></label>'
                "<button type=submit>Sign in</button></form>"
            )

        def do_POST(self) -> None:  # the answer, posted to the SP by the browser
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            acs, response, relay_state = idp.respond(form["location"], form["login"])
            self._page(
                f'<form method="post" action="{html.escape(acs, quote=True)}">'
                f'<input type="hidden" name="SAMLResponse" value="{response}">'
                f'<input type="hidden" name="RelayState" value="{html.escape(relay_state)}">'
                "<button type=submit>Continue</button></form>"
            )

    return Handler


def idp_logout_request(
    idp: SamlIdp,
    sls: str,
    name_id: str,
    *,
    binding: str = "redirect",
    sign: bool = True,
    session_index: str | None = None,
) -> tuple[str, dict[str, str]]:
    """A LogoutRequest the IdP starts for ``name_id``, to the SP's logout service
    ``sls``: (the URL to get for HTTP-Redirect, or the form to post for HTTP-POST)."""

    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
    from saml2.server import Server

    server = Server(config=idp._config())
    _request_id, request = server.create_logout_request(
        sls,
        idp.entity_id,
        name_id=NameID(format=NAMEID_FORMAT_TRANSIENT, text=name_id),
        session_indexes=[session_index] if session_index else None,
        sign=sign and binding == "post",
    )
    if binding == "post":
        encoded = base64.b64encode(str(request).encode()).decode()
        return sls, {"SAMLRequest": encoded, "RelayState": "idp-state"}
    info = server.apply_binding(BINDING_HTTP_REDIRECT, str(request), sls, "idp-state", sign=sign)
    location = str(dict(info["headers"])["Location"])
    return location, {}


def check_logout_answer(location: str, sp_cert: str) -> tuple[Any, str]:
    """(the SP's LogoutResponse in ``location``, its RelayState), the query signature
    verified against the SP's certificate."""
    import zlib

    from saml2.samlp import logout_response_from_string
    from saml2.sigver import RSACrypto, verify_redirect_signature

    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query.get("Signature") and query.get("SigAlg"), "the answer is not signed"
    cert = "".join(line for line in Path(sp_cert).read_text().splitlines() if "-----" not in line)
    signed = {
        k: query[k] for k in ("SAMLResponse", "RelayState", "SigAlg", "Signature") if k in query
    }
    assert verify_redirect_signature(signed, RSACrypto(None), cert)
    xml = zlib.decompress(base64.b64decode(query["SAMLResponse"]), -15).decode()
    return logout_response_from_string(xml), query.get("RelayState", "")
