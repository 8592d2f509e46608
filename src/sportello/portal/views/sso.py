"""Customer single sign-on through OpenID Connect and SAML for the portal: the customers'
side of the views in ``core.signon_views`` (the same as the agents'), its own
configuration, URLs and session keys; the record from ``customers.sso``."""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from sportello.core.signon_views import Scope, SignOnViews
from sportello.customers import sso
from sportello.customers.models import CustomerUser
from sportello.portal import auth
from sportello.portal.views.common import error_page

log = logging.getLogger(__name__)
# Its own key: an agent and a customer session may share one browser.
SAML_LOGOUT_KEY = "_portal_saml_logout"


def _customer_for(identity: dict[str, Any], method: str, config: dict[str, Any]) -> CustomerUser:
    return sso.customer_for(identity, create=bool(config.get("create_customers")))


def _refused_page(request: HttpRequest, method: str) -> HttpResponse:
    message = _(
        "The answer of the identity provider was not accepted. Please try again, or log in "
        "another way."
    )
    return error_page(request, message, 403)


def end_sessions(request: HttpRequest, keys: list[str]) -> None:
    """End the customer in sessions by key (a logout the IdP started); an agent logged
    in with the same browser stays."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        if key == request.session.session_key:
            request.session.pop(SAML_LOGOUT_KEY, None)
            auth.logout(request)
            continue
        session = store(session_key=key)
        if not session.exists(key):
            continue
        for name in (auth.SESSION_KEY, auth.HASH_KEY, SAML_LOGOUT_KEY):
            session.pop(name, None)
        session.save()


views = SignOnViews(
    Scope(
        name="customer",
        namespace="portal",
        oidc_setting="SPORTELLO_CUSTOMER_OIDC",
        saml_setting="SPORTELLO_CUSTOMER_SAML",
        home="my-requests",
        next_root="my-requests",
        next_key="_portal_sso_next",
        oidc_hint_key="_portal_oidc_logout_hint",
        oidc_state_key="_portal_oidc_logout_state",
        saml_logout_key=SAML_LOGOUT_KEY,
        account_for=_customer_for,
        login=auth.login,
        account_name=lambda customer: customer.login,
        refused_page=_refused_page,
        client_ip=auth.client_ip,
        end_sessions=end_sessions,
        log=log,
    )
)
