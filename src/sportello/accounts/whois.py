"""What single sign-on would make of one person, without their logging in: the agent
record, what the directories say (entry and groups), and the roles and grants the group
map gives (``sportello sso whois``). Only reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sportello.accounts import ldap, role_mapping
from sportello.accounts.models import User


@dataclass
class Whois:
    login: str
    agent: User | None
    directory: dict[str, Any] | None
    groups: list[str]
    mapping: role_mapping.MappingResult
    sources: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"login: {self.login}"]
        if self.agent is None:
            out.append("agent: none yet")
        else:
            state = "active" if self.agent.is_active else "inactive"
            held = ", ".join(self.agent.roles.order_by("name").values_list("name", flat=True))
            out.append(f"agent: {self.agent.username} ({self.agent.auth_source}, {state})")
            out.append(f"  roles now: {held or '-'}")
        if self.directory is not None:
            out.append(f"directory entry: {self.directory.get('dn', '')}")
            out += [
                f"  {name}: {value}"
                for name, value in sorted(self.directory.items())
                if name != "dn"
            ]
        elif ldap.enabled():
            out.append("directory entry: not found")
        out.append(f"groups ({', '.join(self.sources) or 'none'}):")
        out += [f"  {group}" for group in self.groups] or ["  -"]
        out.append(f"mapped roles: {', '.join(sorted(self.mapping.roles)) or '-'}")
        grants = sorted(f"{permission} on {group}" for group, permission in self.mapping.grants)
        out.append(f"mapped grants: {', '.join(grants) or '-'}")
        out += [f"map problem: {problem}" for problem in self.mapping.problems]
        return out


def whois(login: str, *, groups: Sequence[str] = ()) -> Whois:
    """``groups``: values an identity provider would send (OIDC groups claim, SAML
    entitlements), added to what the directories say."""
    agent = User.objects.filter(username__iexact=login.strip(), is_system=False).first()
    directory, found, sources = None, list(groups), ["given"] if groups else []
    if ldap.enabled():
        looked_up = ldap.directory_groups(login.strip())
        if looked_up is not None:
            directory, directory_groups = looked_up
            found += directory_groups
            sources.append("directory")
    return Whois(login.strip(), agent, directory, found, role_mapping.resolve(found), sources)
