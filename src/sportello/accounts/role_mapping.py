"""Directory groups to Sportello roles and group grants, for every identity source.

``SPORTELLO_SSO_GROUP_MAP`` maps a group as the source names it (an LDAP group DN, a value
of the OIDC ``groups`` claim, a SAML ``eduPersonEntitlement`` or affiliation) to roles and
grants::

    {"cn=rrze-netz,ou=groups,dc=uni,dc=example,dc=org":
        {"roles": ["Network"], "grants": {"netz": ["rw"]}}}

The map owns exactly what it names: an agent is put into or taken out of each role the
map names, and given or refused each (group, permission) pair it names, by whether one of
the agent's groups carries it. Roles and grants the map does not name are the admin's and
stay untouched. Keys compare without regard to case (LDAP DNs are case-insensitive).
SSO says who someone is; the grants still say what they may do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from sportello.accounts.models import AgentGrant, Group, Permission, Role, User

log = logging.getLogger(__name__)


@dataclass
class MappingResult:
    """What the map says for one set of groups, and what it owns in all."""

    groups: list[str] = field(default_factory=list)
    roles: set[str] = field(default_factory=set)
    grants: set[tuple[str, str]] = field(default_factory=set)
    managed_roles: set[str] = field(default_factory=set)
    managed_grants: set[tuple[str, str]] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def _entries() -> dict[str, Mapping[str, Any]]:
    raw = getattr(settings, "SPORTELLO_SSO_GROUP_MAP", {}) or {}
    return {str(key).strip().lower(): value for key, value in raw.items()}


def _grants_of(entry: Mapping[str, Any]) -> set[tuple[str, str]]:
    pairs = set()
    for group, permissions in (entry.get("grants") or {}).items():
        for permission in [permissions] if isinstance(permissions, str) else permissions:
            pairs.add((str(group), str(permission)))
    return pairs


def resolve(groups: Iterable[str]) -> MappingResult:
    """The roles and grants the map gives to a member of ``groups`` (no database write)."""
    entries = _entries()
    result = MappingResult(groups=sorted({str(g) for g in groups}))
    wanted = {g.strip().lower() for g in result.groups}
    for key, entry in entries.items():
        roles = {str(role) for role in entry.get("roles") or []}
        grants = _grants_of(entry)
        result.managed_roles |= roles
        result.managed_grants |= grants
        if key in wanted:
            result.roles |= roles
            result.grants |= grants
    for _group, permission in result.managed_grants:
        if permission not in Permission.values:
            result.problems.append(f"unknown permission {permission}")
    known_roles = set(
        Role.objects.filter(name__in=result.managed_roles).values_list("name", flat=True)
    )
    result.problems += [
        f"unknown role {name}" for name in sorted(result.managed_roles - known_roles)
    ]
    names = {group for group, _permission in result.managed_grants}
    known_groups = set(Group.objects.filter(name__in=names).values_list("name", flat=True))
    result.problems += [f"unknown group {name}" for name in sorted(names - known_groups)]
    return result


@transaction.atomic
def apply(agent: User, groups: Iterable[str]) -> MappingResult:
    """Bring the agent's mapped roles and grants in line with ``groups``."""
    result = resolve(groups)
    for problem in result.problems:
        log.warning("group map: %s (agent %s)", problem, agent.username)
    roles = {role.name: role for role in Role.objects.filter(name__in=result.managed_roles)}
    held = set(agent.roles.filter(name__in=roles).values_list("name", flat=True))
    for name, role in roles.items():
        if name in result.roles and name not in held:
            role.agents.add(agent)
        elif name not in result.roles and name in held:
            role.agents.remove(agent)
    group_ids = dict(
        Group.objects.filter(name__in={group for group, _p in result.managed_grants}).values_list(
            "name", "id"
        )
    )
    for group, permission in result.managed_grants:
        if group not in group_ids or permission not in Permission.values:
            continue
        rows = AgentGrant.objects.filter(
            agent=agent, group_id=group_ids[group], permission=permission
        )
        if (group, permission) in result.grants:
            if not rows.exists():
                AgentGrant.objects.create(
                    agent=agent, group_id=group_ids[group], permission=permission
                )
        else:
            rows.delete()
    return result
