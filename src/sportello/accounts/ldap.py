"""Agents from the university's directories (LDAP), through django-auth-ldap.

``SPORTELLO_AGENT_LDAP`` is a list of directories, tried in order at log-in; each one is a
dict with

- ``server_uri`` (``ldap://`` or ``ldaps://``), ``start_tls``, ``ca_file`` (a CA
  certificate file for TLS), ``bind_dn`` and ``bind_password`` (for searching);
- either ``user_dn_template`` (direct bind, e.g. ``uid=%(user)s,ou=people,dc=…``) or
  ``user_search_base`` with ``user_filter`` (search, then bind as the entry found);
- ``attr_map``: agent fields (``first_name``, ``last_name``, ``email``, ``language``)
  to LDAP attributes;
- ``group_search_base``, ``group_type`` (``groupOfNames``, ``groupOfUniqueNames``,
  ``posixGroup``): the groups whose DNs go through ``accounts.role_mapping``;
- ``create_agents``: make an agent on the first log-in (else only existing agents);
- ``active_group``: when set, only its members are active agents; the directory
  deactivates an agent by taking them out of it.

Roles and grants are re-evaluated at every log-in and by ``sportello ldap sync``, which
also deactivates agents whose entry is gone from every directory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_auth_ldap.backend import LDAPBackend, LDAPSettings, populate_user
from django_auth_ldap.config import (
    GroupOfNamesType,
    GroupOfUniqueNamesType,
    LDAPGroupType,
    LDAPSearch,
    PosixGroupType,
)

from sportello.accounts import role_mapping
from sportello.accounts.models import AuthSource, User

log = logging.getLogger(__name__)

GROUP_TYPES: dict[str, type[LDAPGroupType]] = {
    "groupOfNames": GroupOfNamesType,
    "groupOfUniqueNames": GroupOfUniqueNamesType,
    "posixGroup": PosixGroupType,
}
DEFAULT_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}


def directories() -> list[dict[str, Any]]:
    return list(getattr(settings, "SPORTELLO_AGENT_LDAP", []) or [])


def enabled() -> bool:
    return bool(directories())


def _settings(directory: dict[str, Any]) -> LDAPSettings:
    import ldap

    values: dict[str, Any] = {
        "SERVER_URI": directory["server_uri"],
        "START_TLS": bool(directory.get("start_tls")),
        "BIND_DN": directory.get("bind_dn", ""),
        "BIND_PASSWORD": directory.get("bind_password", ""),
        "USER_ATTR_MAP": directory.get("attr_map") or DEFAULT_ATTR_MAP,
        "NO_NEW_USERS": not directory.get("create_agents", False),
        "ALWAYS_UPDATE_USER": True,
        "CONNECTION_OPTIONS": {ldap.OPT_NETWORK_TIMEOUT: 10},
    }
    if directory.get("ca_file"):
        values["CONNECTION_OPTIONS"].update(
            {ldap.OPT_X_TLS_CACERTFILE: directory["ca_file"], ldap.OPT_X_TLS_NEWCTX: 0}
        )
    if directory.get("user_dn_template"):
        values["USER_DN_TEMPLATE"] = directory["user_dn_template"]
    else:
        values["USER_SEARCH"] = LDAPSearch(
            directory["user_search_base"],
            ldap.SCOPE_SUBTREE,
            directory.get("user_filter", "(uid=%(user)s)"),
        )
    if directory.get("group_search_base"):
        values["GROUP_SEARCH"] = LDAPSearch(
            directory["group_search_base"], ldap.SCOPE_SUBTREE, "(objectClass=*)"
        )
        values["GROUP_TYPE"] = GROUP_TYPES[directory.get("group_type", "groupOfNames")]()
    if directory.get("active_group"):
        values["USER_FLAGS_BY_GROUP"] = {"is_active": directory["active_group"]}
    # A prefix no setting has: every value comes from the directory's dict.
    return LDAPSettings("SPORTELLO_AGENT_LDAP_UNUSED_", values)


class DirectoryBackend(LDAPBackend):
    """One directory of the list (not an authentication backend of its own)."""

    def __init__(self, directory: dict[str, Any]) -> None:
        self.directory = directory
        self.settings = _settings(directory)

    def get_or_build_user(self, username: str, ldap_user: Any) -> tuple[User, bool]:
        user, built = super().get_or_build_user(username, ldap_user)
        if user.is_system:
            raise ldap_user.AuthenticationFailed("the system user cannot log in")
        return user, built


def _normalise(sender: Any, user: User, ldap_user: Any, **kwargs: Any) -> None:
    """Before the agent is saved: a language we speak (``de-DE`` → ``de``), the source."""
    language = (user.language or "").strip().lower()[:2]
    user.language = language if language in dict(settings.LANGUAGES) else ""
    user.auth_source = AuthSource.LDAP


populate_user.connect(_normalise, sender=DirectoryBackend, dispatch_uid="sportello-agent-ldap")


def _map_groups(user: User) -> None:
    ldap_user = getattr(user, "ldap_user", None)
    if ldap_user is not None and ldap_user.settings.GROUP_SEARCH is not None:
        role_mapping.apply(user, ldap_user.group_dns)


class AgentLDAPBackend:
    """The authentication backend: each directory in order; the first that knows the
    agent and accepts the password wins. Listed in AUTHENTICATION_BACKENDS."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str = ""
    ) -> User | None:
        if not username or not password:
            return None
        for backend in _backends():
            user = backend.authenticate(request, username=username, password=password)
            if isinstance(user, User):
                _map_groups(user)
                return user
        return None

    def get_user(self, user_id: int) -> User | None:
        return User.objects.filter(pk=user_id).first()


def _backends() -> Iterator[DirectoryBackend]:
    for directory in directories():
        yield DirectoryBackend(directory)


def lookup(login: str) -> User | None:
    """The agent as the directories describe them now (created only where allowed),
    with roles and grants re-evaluated, without a password."""
    for backend in _backends():
        user = backend.populate_user(login)
        if isinstance(user, User):
            _map_groups(user)
            return user
    return None


def directory_groups(login: str) -> tuple[dict[str, Any], list[str]] | None:
    """The first directory that knows ``login`` and its group DNs, reading only."""
    # django-auth-ldap has no public lookup that leaves the database alone.
    from django_auth_ldap.backend import _LDAPUser

    for backend in _backends():
        ldap_user = _LDAPUser(backend, username=login)
        if ldap_user.attrs is None:
            continue
        groups = sorted(ldap_user.group_dns) if backend.settings.GROUP_SEARCH else []
        attrs = {name: values[0] for name, values in ldap_user.attrs.items() if values}
        attrs["dn"] = ldap_user.dn
        return attrs, groups
    return None


@dataclass
class SyncReport:
    updated: int = 0
    deactivated: int = 0


def sync() -> SyncReport:
    """Every directory agent again: attributes, activity, roles and grants. An agent no
    directory knows any more is deactivated."""
    report = SyncReport()
    for agent in User.objects.filter(auth_source=AuthSource.LDAP, is_system=False).order_by("id"):
        found = lookup(agent.username)
        if found is None:
            if agent.is_active:
                agent.is_active = False
                agent.save(update_fields=["is_active"])
                log.info("ldap sync: %s is gone from the directory, deactivated", agent.username)
                report.deactivated += 1
            continue
        if not found.is_active and agent.is_active:
            report.deactivated += 1
        else:
            report.updated += 1
    return report
