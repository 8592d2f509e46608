"""LDAP (the university's identity management) as a customer backend, through
django-auth-ldap: binds as the customer to check the password, and maps the entry's
attributes onto the local ``CustomerUser`` record (``SPORTELLO_CUSTOMER_LDAP_USER_ATTR_MAP``).

The backend is used directly by the portal, never listed in AUTHENTICATION_BACKENDS:
customers must not become Django (agent) users.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_auth_ldap.backend import LDAPBackend, LDAPSettings
from django_auth_ldap.config import LDAPSearch

from sportello.customers.models import CustomerCompany, CustomerSource, CustomerUser


def enabled() -> bool:
    return bool(getattr(settings, "SPORTELLO_CUSTOMER_LDAP_SERVER_URI", ""))


class CustomerLDAPBackend(LDAPBackend):
    settings_prefix = "SPORTELLO_CUSTOMER_LDAP_"
    _settings: LDAPSettings | None = None

    @property
    def settings(self) -> LDAPSettings:
        if self._settings is None:
            import ldap

            search = LDAPSearch(
                settings.SPORTELLO_CUSTOMER_LDAP_USER_SEARCH_BASE,
                ldap.SCOPE_SUBTREE,
                settings.SPORTELLO_CUSTOMER_LDAP_USER_FILTER,
            )
            self._settings = LDAPSettings(self.settings_prefix, {"USER_SEARCH": search})
        return self._settings

    def get_user_model(self) -> type[CustomerUser]:
        return CustomerUser

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[CustomerUser, bool]:
        user, built = super().get_or_build_user(username, ldap_user)
        user.source = CustomerSource.LDAP
        company_attr = settings.SPORTELLO_CUSTOMER_LDAP_COMPANY_ATTR
        values = (ldap_user.attrs or {}).get(company_attr) if company_attr else None
        if values:
            user.company = CustomerCompany.objects.filter(customer_id=values[0]).first()
        return user, built


def authenticate(login: str, password: str) -> CustomerUser | None:
    user = CustomerLDAPBackend().authenticate(None, username=login, password=password)
    return user if isinstance(user, CustomerUser) else None


def lookup(login: str) -> CustomerUser | None:
    """Fetch (or refresh) a customer's record from the directory without a password."""
    user = CustomerLDAPBackend().populate_user(login)
    return user if isinstance(user, CustomerUser) else None
