"""Renaming and moving queues: sub-queues' full names follow, cycles are refused; the
same service behind the administration and ``sportello queue rename``."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from sportello.accounts.models import Group
from sportello.core.errors import InvalidInput
from sportello.core.models import ConfigVersion
from sportello.queues import services
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue

pytestmark = pytest.mark.django_db


def names() -> set[str]:
    return set(
        Queue.objects.filter(full_name__regex=r"^(Dept3|Department|Other)").values_list(
            "full_name", flat=True
        )
    )


@pytest.fixture
def tree(group: Group) -> Queue:
    ensure_queue("Dept3::Sub::Leaf", group=group)
    ensure_queue("Other", group=group)
    return Queue.objects.get(full_name="Dept3")


def token() -> str:
    return str(ConfigVersion.objects.values_list("token", flat=True).first())


def test_renaming_a_parent_renames_its_sub_queues(tree: Queue) -> None:
    before = token()
    services.rename_queue(tree, "Department", parent=None)
    assert names() == {"Department", "Department::Sub", "Department::Sub::Leaf", "Other"}
    assert token() != before  # the configuration caches of every process are dropped


def test_moving_a_queue_takes_its_sub_queues_along(tree: Queue) -> None:
    sub = Queue.objects.get(full_name="Dept3::Sub")
    services.rename_queue(sub, "Sub", parent=Queue.objects.get(full_name="Other"))
    assert names() == {"Dept3", "Other", "Other::Sub", "Other::Sub::Leaf"}


@pytest.mark.parametrize("below", ["Dept3", "Dept3::Sub", "Dept3::Sub::Leaf"])
def test_a_queue_cannot_move_under_itself_or_a_descendant(tree: Queue, below: str) -> None:
    with pytest.raises(InvalidInput, match="cannot be moved under"):
        services.rename_queue(tree, "Dept3", parent=Queue.objects.get(full_name=below))
    assert names() == {"Dept3", "Dept3::Sub", "Dept3::Sub::Leaf", "Other"}


@pytest.mark.parametrize(
    ("name", "error"), [("", "Invalid"), ("A::B", "Invalid"), ("Other", "exists")]
)
def test_bad_names_are_refused(tree: Queue, name: str, error: str) -> None:
    with pytest.raises(InvalidInput, match=error):
        services.rename_queue(tree, name, parent=None)
    assert Queue.objects.get(pk=tree.pk).full_name == "Dept3"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("queue", *args, stdout=out)
    return out.getvalue().strip()


def test_the_command_renames_and_moves_idempotently(tree: Queue) -> None:
    assert run("rename", "Dept3", "Department") == "queue Department renamed"
    assert run("rename", "Dept3", "Department") == "queue Department unchanged"
    assert run("rename", "Department::Sub", "Other::Sub") == "queue Other::Sub renamed"
    assert names() == {"Department", "Other", "Other::Sub", "Other::Sub::Leaf"}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Nowhere", "Somewhere", "Unknown queue: Nowhere"),
        ("Dept3", "Missing::Dept3", "Unknown queue: Missing"),
        ("Dept3", "Dept3::Sub::Dept3", "cannot be moved under"),
        ("Dept3", "Dept3::::X", "Invalid queue name"),
        ("Dept3", "Other", "exists already"),
    ],
)
def test_the_command_says_what_is_wrong(tree: Queue, old: str, new: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("rename", old, new)
    assert names() == {"Dept3", "Dept3::Sub", "Dept3::Sub::Leaf", "Other"}


def _change(admin_client: Client, queue: Queue, **changes: object) -> object:
    data = {
        "name": queue.name,
        "parent": queue.parent_id or "",
        "group": queue.group_id,
        "unlock_timeout": 0,
        "follow_up_policy": queue.follow_up_policy,
        "customer_may_close": "on",
        "valid": "on",
        **changes,
    }
    return admin_client.post(f"/admin/queues/queue/{queue.pk}/change/", data)


def test_the_admin_renames_sub_queues_too(admin_client: Client, tree: Queue) -> None:
    response = _change(admin_client, tree, name="Department")
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert names() == {"Department", "Department::Sub", "Department::Sub::Leaf", "Other"}


def test_the_admin_refuses_a_move_under_a_descendant(admin_client: Client, tree: Queue) -> None:
    leaf = Queue.objects.get(full_name="Dept3::Sub::Leaf")
    response = _change(admin_client, tree, parent=leaf.pk)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "cannot be moved under" in response.content.decode()  # type: ignore[attr-defined]
    assert names() == {"Dept3", "Dept3::Sub", "Dept3::Sub::Leaf", "Other"}


def test_the_admin_refuses_a_second_queue_of_the_same_name(
    admin_client: Client, tree: Queue
) -> None:
    response = _change(admin_client, tree, name="Other")
    assert "exists already" in response.content.decode()  # type: ignore[attr-defined]
