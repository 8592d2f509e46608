from __future__ import annotations

import json

import pytest

from sportello.cli import main
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.articles import AttachmentInput
from sportello.tickets.selectors import state_by_name
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_connections")]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(["sportello", *args])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_ticket_show_json(queue: Queue, actor: Actor, capsys: pytest.CaptureFixture[str]) -> None:
    ticket = make_ticket(
        queue,
        actor,
        customer_user_id="max@example.org",
        article=customer_mail(
            cc_address="boss@example.org",
            message_id="<abc@example.org>",
            attachments=[AttachmentInput("Bericht.pdf", "application/pdf", b"%PDF-1.4 x")],
        ),
    )
    actions.set_state(ticket, state_by_name("open"), actor=actor)
    code, out, _ = run_cli(capsys, "ticket", "show", ticket.number, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["number"] == ticket.number
    assert data["url"] == f"/ticket/{ticket.number}/"
    assert data["queue"] == "IT::Network::WLAN"
    assert (data["state"], data["state_type"]) == ("open", "open")
    assert (data["priority"], data["type"], data["lock"]) == ("3 normal", "Unclassified", "unlock")
    assert (data["owner"], data["responsible"]) == ("agent1", None)
    assert (data["customer_user"], data["customer_company"]) == ("max@example.org", "")
    assert data["created"] and data["changed"]
    [article] = data["articles"]
    assert article == {
        "number": 1,
        "channel": "email",
        "sender_type": "customer",
        "visible_for_customer": True,
        "from": "Max Muster <max@example.org>",
        "to": "wlan@helpdesk.example.org",
        "cc": "boss@example.org",
        "subject": "WLAN kaputt",
        "body": "Das WLAN geht nicht.",
        "message_id": "<abc@example.org>",
        "created": article["created"],
        "attachments": [{"filename": "Bericht.pdf", "content_type": "application/pdf", "size": 10}],
    }
    assert [row["type"] for row in data["history"]] == ["NewTicket", "EmailCustomer", "StateUpdate"]
    assert data["history"][2]["actor"] == "agent1"
    assert data["history"][2]["text"] == "State changed from new to open."


def test_ticket_show_unknown_number(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "ticket", "show", "2026010110999999", "--json")
    assert code == 1 and out == ""
    assert "No ticket with number 2026010110999999" in err


def test_ticket_list_json_filters(
    queue: Queue, raw_queue: Queue, actor: Actor, capsys: pytest.CaptureFixture[str]
) -> None:
    first = make_ticket(queue, actor, title="eins")
    second = make_ticket(raw_queue, actor, title="zwei")
    third = make_ticket(queue, actor, title="drei")
    actions.set_state(third, state_by_name("closed successful"), actor=actor)
    code, out, _ = run_cli(capsys, "ticket", "list", "--json")
    assert code == 0
    assert [t["number"] for t in json.loads(out)] == [third.number, second.number, first.number]
    _, out, _ = run_cli(capsys, "ticket", "list", "--json", "--queue", "IT::Network::WLAN")
    assert [t["title"] for t in json.loads(out)] == ["drei", "eins"]
    _, out, _ = run_cli(capsys, "ticket", "list", "--json", "--state", "closed successful")
    assert [t["title"] for t in json.loads(out)] == ["drei"]
    _, out, _ = run_cli(capsys, "ticket", "list", "--json", "--limit", "1")
    assert len(json.loads(out)) == 1
    assert "articles" not in json.loads(out)[0]
    code, _, err = run_cli(capsys, "ticket", "list", "--limit", "-1")
    assert code == 1 and "--limit" in err
