"""Real identity providers on loopback for the single sign-on tests.

``OidcProvider``: the npm package ``oidc-provider`` (a certified OpenID Provider), run by
Node from ``tests/sso/oidc_provider`` on a free port; ``npm ci`` installs it there on
first use (``node_modules`` is not committed). Without Node or npm the tests skip with
the reason, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
OIDC_DIR = HERE / "oidc_provider"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def ensure_npm_package(folder: Path, package: str) -> str:
    """The node binary, after installing the folder's locked packages when missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _unavailable("Node.js and npm are not installed (Debian nodejs, npm)")
        raise AssertionError  # not reached
    if not (folder / "node_modules" / package).is_dir():
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(f"npm could not install {package}: {done.stderr.strip()[-500:]}")
    return node


class OidcProvider:
    def __init__(self, clients: list[dict[str, Any]], accounts: dict[str, dict[str, Any]]):
        self.clients, self.accounts = clients, accounts
        self.issuer = ""
        self._process: subprocess.Popen[str] | None = None

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> None:
        node = ensure_npm_package(OIDC_DIR, "oidc-provider")
        self._process = subprocess.Popen(
            [node, str(OIDC_DIR / "server.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"clients": self.clients, "accounts": self.accounts}))
        self._process.stdin.close()
        line = self._process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("oidc-provider did not start")
        self.issuer = json.loads(line)["issuer"]

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=15)
            self._process = None


def oidc_client(
    client_id: str, redirect_uris: list[str], post_logout_redirect_uris: list[str] | None = None
) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "client_secret": f"{client_id}-secret-for-tests",
        "redirect_uris": redirect_uris,
        "post_logout_redirect_uris": post_logout_redirect_uris or [],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }


ACCOUNTS: dict[str, dict[str, Any]] = {
    "nina": {
        "preferred_username": "nina",
        "email": "nina@uni.example.org",
        "email_verified": True,
        "given_name": "Nina",
        "family_name": "Neri",
        "locale": "it-IT",
        "groups": ["helpdesk-network"],
    },
    "stud42": {
        "preferred_username": "stud42",
        "email": "stud42@studenti.uni.example.org",
        "email_verified": True,
        "given_name": "Sara",
        "family_name": "Studente",
        "locale": "it",
        "groups": ["students"],
    },
}
