"""Customer authentication over the configured backends: the database (passwords hashed
by Django's hashers) and, when configured, LDAP."""

from __future__ import annotations

from django.db.models import Q

from sportello.customers import ldap
from sportello.customers.models import CustomerSource, CustomerUser


def find(login_or_email: str) -> CustomerUser | None:
    value = login_or_email.strip()
    if not value:
        return None
    return (
        CustomerUser.objects.filter(Q(login__iexact=value) | Q(email__iexact=value))
        .select_related("company")
        .order_by("id")
        .first()
    )


def authenticate(login: str, password: str) -> CustomerUser | None:
    """The valid customer with this login (or address) and password, else None."""
    customer = find(login)
    if customer is None or customer.source == CustomerSource.LDAP:
        if ldap.enabled():
            customer = ldap.authenticate(customer.login if customer else login.strip(), password)
            return customer if customer is not None and customer.valid else None
        if customer is None:
            CustomerUser().set_password(password)  # the same work as a real check
            return None
    if customer.check_password(password) and customer.valid:
        return customer
    return None
