"""``sportello ticket set``: type, title, service and SLA through the actions layer,
idempotent, with clear errors and JSON output."""

from __future__ import annotations

import json

import pytest

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.sla.models import SLA, Service
from sportello.tickets.models import History, Ticket
from tests.tickets.factories import make_ticket
from tests.tickets.test_cli import run_cli

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_connections")]


@pytest.fixture
def ticket(queue: Queue, actor: Actor) -> Ticket:
    gold, silver = SLA.objects.create(name="Gold"), SLA.objects.create(name="Silver")
    network = Service.objects.create(name="Network")
    Service.objects.create(name="WLAN", parent=network, sla=gold).slas.add(silver)
    Service.objects.create(name="Mail")
    return make_ticket(queue, actor)


def rows(ticket: Ticket) -> list[tuple[str, str, str, str, str]]:
    found = History.objects.filter(ticket=ticket, channel="cli").order_by("id")
    return [(r.type, r.old_value, r.new_value, r.actor_name, r.channel) for r in found]


def test_set_changes_each_attribute_once_and_says_what_changed(
    ticket: Ticket, capsys: pytest.CaptureFixture[str]
) -> None:
    args = (
        "ticket", "set", ticket.number, "--type", "Incident", "--title", "Neuer Titel: ${HOST}",
        "--service", "Network::WLAN", "--sla", "Silver", "--json",
    )  # fmt: skip
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    data = json.loads(out)
    assert data["changed"] == ["type", "title", "service", "sla"]
    assert (data["type"], data["title"], data["service"], data["sla"]) == (
        "Incident", "Neuer Titel: ${HOST}", "Network::WLAN", "Silver",
    )  # fmt: skip
    before = rows(ticket)
    assert [(r[0], r[2], r[4]) for r in before] == [
        ("TypeUpdate", "Incident", "cli"),
        ("TitleUpdate", "Neuer Titel: ${HOST}", "cli"),
        ("ServiceUpdate", "Network::WLAN", "cli"),
        ("SLAUpdate", "Silver", "cli"),
    ]
    # Idempotent: the same command again changes nothing.
    code, out, _err = run_cli(capsys, *args)
    assert code == 0 and json.loads(out)["changed"] == []
    assert rows(ticket) == before
    code, out, _err = run_cli(capsys, "ticket", "set", ticket.number, "--sla", "")
    assert code == 0 and out.strip() == f"{ticket.number}: sla 'Silver' -> None"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--type", "Nonsense"), "unknown type 'Nonsense'"),
        (("--service", "Nowhere"), "unknown service 'Nowhere'"),
        (("--sla", "Platinum"), "unknown SLA 'Platinum'"),
        (("--service", "Mail", "--sla", "Gold"), "SLA Gold is not offered for service Mail"),
        (("--title", "   "), "The title must not be empty"),
        ((), "nothing to set"),
        (("--title", "x", "--agent", "nobody"), "unknown agent 'nobody'"),
    ],
)
def test_set_refuses_with_a_clear_message_and_changes_nothing(
    ticket: Ticket, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _out, err = run_cli(capsys, "ticket", "set", ticket.number, *args)
    assert code != 0 and message in err and "Traceback" not in err
    assert rows(ticket) == []


def test_set_on_an_unknown_ticket_and_as_an_agent_without_rw(
    ticket: Ticket, queue: Queue, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_cli(capsys, "ticket", "set", "2026010110000019", "--title", "x")
    assert code != 0 and "No ticket with number 2026010110000019" in err
    reader = User.objects.create_user("reader", email="r@example.org", password="x" * 12)
    provisioning.grant(queue.group, "ro", agent=reader)
    code, _out, err = run_cli(
        capsys, "ticket", "set", ticket.number, "--title", "x", "--agent", "reader"
    )
    assert code != 0 and "permission" in err
    assert rows(ticket) == []
