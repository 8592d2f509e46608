"""Who may read the operator's endpoints (``/metrics``): a full administrator's login, or
a scraper presenting ``SPORTELLO_METRICS_TOKEN`` as a bearer token; when
``SPORTELLO_OPERATOR_ALLOWED_IPS`` lists networks, only from those addresses (the client
address is REMOTE_ADDR: a reverse proxy in front must set it)."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from sportello.accounts import permissions


def _address_allowed(request: HttpRequest) -> bool:
    networks = settings.SPORTELLO_OPERATOR_ALLOWED_IPS
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def _token_presented(request: HttpRequest) -> bool:
    expected = settings.SPORTELLO_METRICS_TOKEN
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    scheme, _space, given = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def operator_allowed(request: HttpRequest) -> bool:
    if not _address_allowed(request):
        return False
    return _token_presented(request) or permissions.is_full_admin(request.user)
