"""The customer's identity in the session, apart from Django's agent login.

A customer session holds the customer's id and a hash of their password hash (changing
the password ends other sessions); it never sets Django's ``_auth_user_id``, so a
customer is no agent, and an agent's login is no customer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.crypto import constant_time_compare, salted_hmac

from sportello.customers.models import CustomerUser

SESSION_KEY = "_portal_customer_id"
HASH_KEY = "_portal_customer_hash"

View = Callable[..., HttpResponseBase]


def _session_hash(customer: CustomerUser) -> str:
    return salted_hmac("sportello.portal.session", customer.password or customer.login).hexdigest()


def login(request: HttpRequest, customer: CustomerUser) -> None:
    # A new session key at login: a key planted before login is worth nothing after.
    request.session.cycle_key()
    rotate_token(request)
    request.session[SESSION_KEY] = customer.pk
    request.session[HASH_KEY] = _session_hash(customer)
    customer.record_login()
    request.customer = customer  # type: ignore[attr-defined]


def logout(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(HASH_KEY, None)
    request.session.cycle_key()
    request.customer = None  # type: ignore[attr-defined]


def get_customer(request: HttpRequest) -> CustomerUser | None:
    cached = getattr(request, "customer", ...)
    if cached is not ...:
        return cached
    customer = None
    customer_id = request.session.get(SESSION_KEY)
    if customer_id is not None:
        found = CustomerUser.objects.select_related("company").filter(pk=customer_id).first()
        stored = request.session.get(HASH_KEY, "")
        if (
            found is not None
            and found.valid
            and constant_time_compare(stored, _session_hash(found))
        ):
            customer = found
        else:
            request.session.pop(SESSION_KEY, None)
            request.session.pop(HASH_KEY, None)
    request.customer = customer  # type: ignore[attr-defined]
    if customer is not None and customer.language in dict(settings.LANGUAGES):
        # The portal speaks the customer's chosen language, whatever the browser says.
        translation.activate(customer.language)
        request.LANGUAGE_CODE = customer.language
    return customer


def customer_required(view: View) -> View:
    """Logged-in customers only; others go to the portal login."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if get_customer(request) is None:
            # Back to the page after login; a form's target cannot be fetched again.
            wanted = request.get_full_path() if request.method == "GET" else ""
            query = urlencode({"next": wanted}) if wanted else ""
            return HttpResponseRedirect(f"{reverse('portal:login')}?{query}".rstrip("?"))
        response = view(request, *args, **kwargs)
        # A customer's pages stay out of shared caches and the browser's disk cache.
        add_never_cache_headers(response)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapper


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")
