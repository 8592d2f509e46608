"""The permission module: grants per group, the union over roles, rw including all."""

from __future__ import annotations

import pytest

from sportello.accounts import permissions, provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def office() -> Queue:
    group, _created = provisioning.add_group("office")
    return ensure_queue("Office", group=group)


@pytest.fixture
def plain() -> User:
    return User.objects.create_user("plain", email="plain@example.org", password="x" * 12)


def test_no_grant_no_access(plain: User, office: Queue) -> None:
    for permission in permissions.PERMISSION_TYPES:
        assert not permissions.may(plain, permission, office)
    assert list(permissions.readable_queues(plain)) == []
    with pytest.raises(PermissionDenied):
        permissions.require(plain, "ro", office)


def test_a_single_permission_grants_only_itself(plain: User, office: Queue) -> None:
    provisioning.grant(office.group, "note", agent=plain)
    assert permissions.may(plain, "note", office)
    assert not permissions.may(plain, "ro", office)
    assert not permissions.may(plain, "rw", office)
    assert list(permissions.readable_queues(plain)) == []


def test_rw_includes_every_permission(plain: User, office: Queue) -> None:
    provisioning.grant(office.group, "rw", agent=plain)
    assert all(permissions.may(plain, p, office) for p in permissions.PERMISSION_TYPES)
    assert list(permissions.readable_queues(plain)) == [office]


def test_effective_permission_is_the_union_of_direct_and_role_grants(
    plain: User, office: Queue, queue: Queue
) -> None:
    provisioning.grant(office.group, "ro", agent=plain)
    role, _created = provisioning.add_role("Second level")
    provisioning.grant(office.group, "priority", role=role)
    provisioning.grant(queue.group, "rw", role=role)
    assert not permissions.may(plain, "priority", office)
    provisioning.assign_role(role, plain)
    assert permissions.may(plain, "ro", office) and permissions.may(plain, "priority", office)
    assert not permissions.may(plain, "note", office)
    assert permissions.may(plain, "note", queue)
    assert set(permissions.readable_queues(plain)) >= {office, queue}
    # An invalid role grants nothing; an invalid group neither.
    role.valid = False
    role.save()
    permissions.forget(plain)
    assert not permissions.may(plain, "note", queue)
    assert permissions.may(plain, "ro", office)
    group = office.group
    group.valid = False
    group.save()
    permissions.forget(plain)
    assert not permissions.may(plain, "ro", office)


def test_inactive_agents_and_the_system_user(plain: User, office: Queue) -> None:
    provisioning.grant(office.group, "rw", agent=plain)
    assert permissions.may(plain, "rw", office)
    plain.is_active = False  # no need to forget: checked on every call
    assert not permissions.may(plain, "ro", office)
    assert permissions.groups_with(plain, "ro") == []
    system = User.objects.get(is_system=True)
    assert permissions.may(system, "rw", office)


def test_visible_tickets_and_agents_with(plain: User, office: Queue, agent: User) -> None:
    system = Actor.system()
    ticket = make_ticket(office, system)
    assert not permissions.visible_tickets(plain, ticket.__class__.objects.all()).exists()
    role, _created = provisioning.add_role("Readers")
    provisioning.grant(office.group, "ro", role=role)
    provisioning.assign_role(role, plain)
    assert list(permissions.visible_tickets(plain, ticket.__class__.objects.all())) == [ticket]
    assert list(permissions.agents_with("ro", office)) == [plain]
    assert list(permissions.agents_with("note", office)) == []
    provisioning.grant(office.group, "rw", agent=agent)
    assert list(permissions.agents_with("note", office)) == [agent]


def test_owner_and_responsible_need_their_permission(
    plain: User, queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    with pytest.raises(InvalidInput):
        actions.set_owner(ticket, plain, actor=actor)
    with pytest.raises(InvalidInput):
        actions.set_responsible(ticket, plain, actor=actor)
    provisioning.grant(queue.group, "owner", agent=plain)
    actions.set_owner(ticket, plain, actor=actor)
    with pytest.raises(InvalidInput):
        actions.set_responsible(ticket, plain, actor=actor)


def test_unknown_permission_is_a_programming_error(plain: User, office: Queue) -> None:
    with pytest.raises(ValueError):
        permissions.may(plain, "admin", office)
    with pytest.raises(InvalidInput):
        provisioning.grant(office.group, "admin", agent=plain)


def test_grants_are_read_once_per_user_object(
    plain: User, office: Queue, queue: Queue, django_assert_num_queries: object
) -> None:
    provisioning.grant(office.group, "rw", agent=plain)
    fresh = User.objects.get(pk=plain.pk)
    with django_assert_num_queries(1):  # type: ignore[operator]
        for _round in range(5):
            permissions.may(fresh, "ro", office)
            permissions.may(fresh, "note", queue)
            permissions.groups_with(fresh, "ro")
