"""The provisioning commands: idempotent, with clear errors."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from sportello.accounts import permissions
from sportello.accounts.models import AgentGrant, Role, User
from sportello.queues.models import Queue

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_agent_group_role_queue_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-secret-1\n"))
    assert "created" in run(
        "agent", "add", "mrossi", "--email", "m@example.org", "--first-name", "Mario",
        "--last-name", "Rossi", "--password-stdin",
    )  # fmt: skip
    agent = User.objects.get(username="mrossi")
    assert agent.check_password("a-long-secret-1") and agent.first_name == "Mario"
    assert "updated" in run("agent", "add", "mrossi", "--email", "mario@example.org")
    assert User.objects.get(username="mrossi").email == "mario@example.org"

    assert "created" in run("group", "add", "library")
    assert "exists" in run("group", "add", "library")
    assert "created" in run("queue", "add", "Library::Loans", "--group", "library",
                            "--system-address", "loans@helpdesk.example.org")  # fmt: skip
    queue = Queue.objects.get(full_name="Library::Loans")
    assert queue.group.name == "library"
    assert queue.system_address is not None
    assert queue.system_address.email == "loans@helpdesk.example.org"
    assert "updated" in run("queue", "add", "Library::Loans", "--group", "library")

    assert "granted" in run("group", "grant", "library", "--agent", "mrossi", "--permission", "ro")
    assert "already granted" in run(
        "group", "grant", "library", "--agent", "mrossi", "--permission", "ro"
    )
    assert AgentGrant.objects.filter(agent=agent, permission="ro").count() == 1
    assert permissions.may(User.objects.get(pk=agent.pk), "ro", queue)

    run("role", "add", "Librarians", "--admin-area", "signatures")
    assert Role.objects.get(name="Librarians").admin_areas == ["signatures"]
    run("group", "grant", "library", "--role", "Librarians", "--permission", "rw")
    assert "assigned" in run("role", "assign", "Librarians", "--agent", "mrossi")
    assert "already assigned" in run("role", "assign", "Librarians", "--agent", "mrossi")
    assert permissions.may(User.objects.get(pk=agent.pk), "priority", queue)
    shown = run("agent", "show", "mrossi")
    assert "library\tro\tdirect" in shown and "library\trw\trole Librarians" in shown

    assert "revoked" in run("group", "revoke", "library", "--agent", "mrossi", "--permission", "ro")
    assert "was not granted" in run(
        "group", "revoke", "library", "--agent", "mrossi", "--permission", "ro"
    )
    assert "removed" in run("role", "remove", "Librarians", "--agent", "mrossi")
    assert not permissions.may(User.objects.get(pk=agent.pk), "ro", queue)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("agent", "add", "x", "--email", "not-an-address"), "Invalid email address"),
        (("agent", "add", "system", "--email", "s@example.org"), "system user"),
        (("agent", "show", "nobody"), "Unknown agent"),
        (("group", "grant", "nogroup", "--agent", "x", "--permission", "ro"), "Unknown group"),
        (("group", "grant", "users", "--agent", "nobody", "--permission", "ro"), "Unknown agent"),
        (("group", "grant", "users", "--role", "norole", "--permission", "ro"), "Unknown role"),
        (("queue", "add", "A::", "--group", "users"), "Invalid queue name"),
        (("queue", "add", "New", "--group", "nogroup"), "Unknown group"),
        (("queue", "add", "New", "--group", "users", "--system-address", "bad"), "Invalid email"),
        (("role", "assign", "norole", "--agent", "x"), "Unknown role"),
    ],
)
def test_clear_errors(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_an_empty_password_on_stdin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    with pytest.raises(CommandError, match="no password"):
        run("agent", "add", "x", "--email", "x@example.org", "--password-stdin")
    assert not User.objects.filter(username="x").exists()
