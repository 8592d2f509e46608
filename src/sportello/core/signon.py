"""What single sign-on (OIDC, SAML) shares below the apps: the refusal and the check of a
``next`` address."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


class SignOnRefused(Exception):
    """A sign-on that is not accepted; ``reason`` goes to the log, the user sees one page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def safe_next(request: HttpRequest, wanted: str, *, root: str, default: str) -> str:
    """``wanted`` when it is a path of this site under ``root``, else ``default``: no open
    redirect to another host (``//evil.example``, ``https://…``, ``/\\evil``)."""
    if (
        wanted.startswith(root)
        and not wanted.startswith("//")
        and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return wanted
    return default
