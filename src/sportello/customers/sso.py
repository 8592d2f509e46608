"""A customer signed on by an identity provider (OIDC or SAML) for the portal: the record
is found by login (else by address), created when the configuration allows, and its
address, names and language refreshed. Their tickets are found by address as always."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from sportello.core.signon import SignOnRefused
from sportello.customers.models import CustomerSource, CustomerUser

log = logging.getLogger(__name__)


@transaction.atomic
def customer_for(identity: dict[str, Any], *, create: bool) -> CustomerUser:
    login = str(identity.get("login") or "").strip()
    email = str(identity.get("email") or "").strip()
    if not login or len(login) > 200 or any(c.isspace() for c in login):
        raise SignOnRefused("no usable login in the identity")
    try:
        validate_email(email)
    except ValidationError:
        raise SignOnRefused(f"no valid email address for {login}") from None
    customer = (
        CustomerUser.objects.filter(login__iexact=login).first()
        or CustomerUser.objects.filter(email__iexact=email, source=CustomerSource.SSO).first()
    )
    if customer is None:
        if not create:
            raise SignOnRefused(f"no customer {login} and creation is off")
        customer = CustomerUser(login=login, source=CustomerSource.SSO)
        customer.set_unusable_password()
        log.info("customer %s created at first sign-on", login)
    customer.email = email
    for name in ("first_name", "last_name"):
        value = str(identity.get(name) or "").strip()
        if value:
            setattr(customer, name, value[:100])
    language = str(identity.get("language") or "").strip().lower()[:2]
    if language in dict(settings.LANGUAGES):
        customer.language = language
    customer.save()
    if not customer.valid:
        raise SignOnRefused(f"customer {login} is invalid")
    return customer
