"""Creating agents, groups and roles and granting permissions: idempotent services for
the admin, the ``sportello agent|group|role|queue`` commands and the demo data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import (
    AdminArea,
    AgentGrant,
    Group,
    Permission,
    Role,
    RoleGrant,
    User,
)
from sportello.core.errors import InvalidInput, NotFound


def _check_permission(permission: str) -> str:
    if permission not in Permission.values:
        raise InvalidInput(
            _("Unknown permission %(permission)s; one of: %(choices)s"),
            permission=permission,
            choices=", ".join(Permission.values),
        )
    return permission


def get_agent(login: str) -> User:
    agent = User.objects.filter(username=login, is_system=False).first()
    if agent is None:
        raise NotFound(_("Unknown agent: %(login)s"), login=login)
    return agent


def get_group(name: str) -> Group:
    group = Group.objects.filter(name=name).first()
    if group is None:
        raise NotFound(_("Unknown group: %(name)s"), name=name)
    return group


def get_role(name: str) -> Role:
    role = Role.objects.filter(name=name).first()
    if role is None:
        raise NotFound(_("Unknown role: %(name)s"), name=name)
    return role


@transaction.atomic
def add_agent(
    login: str,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> tuple[User, bool]:
    """Create the agent, or update its name and address; a given password is set."""
    login = login.strip()
    if not login or len(login) > 150:
        raise InvalidInput(_("Invalid login: %(login)s"), login=login)
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Invalid email address: %(email)s"), email=email) from None
    agent = User.objects.filter(username=login).first()
    if agent is not None and agent.is_system:
        raise InvalidInput(_("The system user cannot be changed."))
    created = agent is None
    if agent is None:
        agent = User(username=login)
    agent.email, agent.first_name, agent.last_name = email, first_name, last_name
    if password is not None:
        agent.set_password(password)
    elif created:
        agent.set_unusable_password()
    agent.save()
    return agent, created


@transaction.atomic
def add_group(name: str, *, comment: str = "") -> tuple[Group, bool]:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(_("Invalid group name: %(name)s"), name=name)
    group, created = Group.objects.get_or_create(name=name, defaults={"comment": comment})
    return group, created


@transaction.atomic
def add_role(
    name: str, *, comment: str = "", admin_areas: list[str] | None = None
) -> tuple[Role, bool]:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(_("Invalid role name: %(name)s"), name=name)
    areas = sorted(set(admin_areas or []))
    for area in areas:
        if area not in AdminArea.values:
            raise InvalidInput(
                _("Unknown administration area %(area)s; one of: %(choices)s"),
                area=area,
                choices=", ".join(AdminArea.values),
            )
    role, created = Role.objects.get_or_create(name=name, defaults={"comment": comment})
    if admin_areas is not None and role.admin_areas != areas:
        role.admin_areas = areas
        role.save(update_fields=["admin_areas"])
    return role, created


@transaction.atomic
def grant(
    group: Group, permission: str, *, agent: User | None = None, role: Role | None = None
) -> bool:
    """Grant ``permission`` on ``group`` to an agent or a role; False if it was held."""
    _check_permission(permission)
    if (agent is None) == (role is None):
        raise InvalidInput(_("Grant to exactly one agent or one role."))
    if agent is not None:
        _grant, created = AgentGrant.objects.get_or_create(
            agent=agent, group=group, permission=permission
        )
        permissions.forget(agent)
    else:
        assert role is not None
        _role_grant, created = RoleGrant.objects.get_or_create(
            role=role, group=group, permission=permission
        )
    return created


@transaction.atomic
def revoke(
    group: Group, permission: str, *, agent: User | None = None, role: Role | None = None
) -> bool:
    """Withdraw a grant; False if it was not held."""
    _check_permission(permission)
    if (agent is None) == (role is None):
        raise InvalidInput(_("Revoke from exactly one agent or one role."))
    if agent is not None:
        deleted, _rows = AgentGrant.objects.filter(
            agent=agent, group=group, permission=permission
        ).delete()
        permissions.forget(agent)
    else:
        deleted, _rows = RoleGrant.objects.filter(
            role=role, group=group, permission=permission
        ).delete()
    return bool(deleted)


@transaction.atomic
def assign_role(role: Role, agent: User) -> bool:
    """Give ``agent`` the role; False if they had it. Administration areas need the admin
    site, which scoped admins reach without being staff (see ``admin_site``)."""
    if role.agents.filter(pk=agent.pk).exists():
        return False
    role.agents.add(agent)
    permissions.forget(agent)
    return True


@transaction.atomic
def remove_role(role: Role, agent: User) -> bool:
    if not role.agents.filter(pk=agent.pk).exists():
        return False
    role.agents.remove(agent)
    permissions.forget(agent)
    return True


def describe(agent: User) -> list[tuple[str, str, str]]:
    """(group, permission, source) rows of the agent's effective grants, sorted."""
    rows = [
        (g.group.name, g.permission, "direct")
        for g in AgentGrant.objects.filter(agent=agent).select_related("group")
    ]
    for role in agent.roles.filter(valid=True).prefetch_related("grants__group"):
        rows.extend((g.group.name, g.permission, f"role {role.name}") for g in role.grants.all())
    return sorted(rows)
