"""The agent UI's ticket actions through the API: each one the action's own history row
with the api channel, its refusals in the error envelope, and attachments as base64 and
as multipart parts."""

from __future__ import annotations

import base64
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from sportello.accounts.models import User
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    DynamicField,
    MasterSlave,
    StateType,
    Ticket,
    TicketLink,
    TicketWatch,
)
from tests.api.conftest import ApiClient, token_for


def _new(api: ApiClient, queue: Queue, title: str = "Other") -> str:
    response = api.post("/tickets", {"title": title, "queue": queue.full_name,
                                     "article": {"body": "b"}})  # fmt: skip
    assert response.status_code == 201, response.content
    return str(response.json()["number"])


def _file(name: str, content: bytes) -> dict[str, str]:
    return {"filename": name, "content_type": "text/plain",
            "content": base64.b64encode(content).decode()}  # fmt: skip


def test_close_with_a_note_and_an_attachment(api: ApiClient, ticket: Ticket) -> None:
    refused = api.post(f"/tickets/{ticket.number}/close", {})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid"
    response = api.post(
        f"/tickets/{ticket.number}/close",
        {"body": "Done.", "attachments": [_file("log.txt", b"all good")]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["state_type"] == StateType.CLOSED
    note = ticket.articles.order_by("-number").first()
    assert note is not None and note.body == "Done."
    attachment = note.attachments.get()
    assert attachment.filename == "log.txt"
    with attachment.file.open("rb") as handle:
        assert handle.read() == b"all good"
    assert ticket.history.filter(type=HistoryType.STATE_UPDATE, channel="api").exists()


def test_pending_spam_and_move(api: ApiClient, ticket: Ticket, group: object) -> None:
    pending = api.post(
        f"/tickets/{ticket.number}/pending",
        {"until": "2099-01-01T09:00:00+00:00", "body": "Waiting for the part."},
    )
    assert pending.status_code == 200, pending.content
    assert pending.json()["state"] == "pending reminder"
    target = ensure_queue("IT::Mail", group=group)  # type: ignore[arg-type]
    moved = api.post(f"/tickets/{ticket.number}/move", {"queue": target.full_name, "body": "x"})
    assert moved.status_code == 200 and moved.json()["queue"] == "IT::Mail"
    ensure_queue("Junk", group=group)  # type: ignore[arg-type]
    spam = api.post(f"/tickets/{ticket.number}/spam")
    assert spam.status_code == 200, spam.content
    assert (spam.json()["queue"], spam.json()["state"]) == ("Junk", "closed spam")


def test_owner_responsible_type_customer_through_patch(
    api: ApiClient, ticket: Ticket, other_agent: User
) -> None:
    response = api.patch(
        f"/tickets/{ticket.number}",
        {"owner": "agent2", "responsible": "agent1", "type": "Incident", "customer_user": "anna"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["owner"], body["responsible"], body["type"]) == ("agent2", "agent1", "Incident")
    assert body["customer_user"] == "anna"


def test_links_merge_split_and_master_slave(api: ApiClient, ticket: Ticket, queue: Queue) -> None:
    other = _new(api, queue)
    linked = api.post(f"/tickets/{ticket.number}/links", {"number": other, "type": "normal"})
    assert linked.status_code == 200, linked.content
    assert TicketLink.objects.filter(source=ticket).count() == 1
    assert api.get(f"/tickets/{ticket.number}").json()["links"][0]["number"] == other
    removed = api.delete(f"/tickets/{ticket.number}/links/{other}")
    assert removed.json() == {"removed": 1}
    assert api.delete(f"/tickets/{ticket.number}/links/{other}").status_code == 404

    split = api.post(
        f"/tickets/{ticket.number}/split", {"article": 1, "title": "Part", "queue": queue.full_name}
    )
    assert split.status_code == 201, split.content
    child = split.json()["number"]
    assert Ticket.objects.get(number=child).articles.get().body == "Smoke everywhere"
    missing = {"article": 9, "title": "x", "queue": queue.full_name}
    assert api.post(f"/tickets/{ticket.number}/split", missing).status_code == 404

    master = api.put(f"/tickets/{ticket.number}/master-slave", {"role": "master"})
    assert master.status_code == 200, master.content
    slave = api.put(f"/tickets/{other}/master-slave", {"role": "slave", "master": ticket.number})
    assert slave.status_code == 200, slave.content
    assert MasterSlave.objects.filter(ticket__number=other).exists()
    assert api.put(f"/tickets/{other}/master-slave", {"role": "slave"}).status_code == 400

    merged = api.post(f"/tickets/{child}/merge", {"into": ticket.number, "body": "same"})
    assert merged.status_code == 200, merged.content
    assert merged.json()["number"] == ticket.number
    assert Ticket.objects.get(number=child).state.type == StateType.MERGED
    again = api.post(f"/tickets/{child}/merge", {"into": ticket.number})
    assert again.status_code == 409


def test_watch_and_unwatch(api: ApiClient, ticket: Ticket, agent: User) -> None:
    assert api.post(f"/tickets/{ticket.number}/watch").json() == {"watching": True}
    assert TicketWatch.objects.filter(ticket=ticket, agent=agent).exists()
    assert api.delete(f"/tickets/{ticket.number}/watch").json() == {"watching": False}
    assert not TicketWatch.objects.filter(ticket=ticket).exists()


def test_dynamic_fields_and_their_definitions(api: ApiClient, ticket: Ticket) -> None:
    DynamicField.objects.create(
        name="Room", object_type="ticket", field_type="text", labels={"en": "Room"}
    )
    definitions = api.get("/dynamic-fields").json()
    assert [d["name"] for d in definitions] == ["Room"]
    response = api.put(f"/tickets/{ticket.number}/dynamic-fields", {"values": {"Room": "B12"}})
    assert response.status_code == 200, response.content
    assert api.get(f"/tickets/{ticket.number}").json()["dynamic_fields"]["Room"] == "B12"
    unknown = api.put(f"/tickets/{ticket.number}/dynamic-fields", {"values": {"Nope": 1}})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "values.Nope"


def test_articles_with_attachments_and_the_size_limit(
    api: ApiClient, ticket: Ticket, settings: object
) -> None:
    address = SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=ticket.queue)
    Queue.objects.filter(pk=ticket.queue_id).update(system_address=address)
    note = api.post(
        f"/tickets/{ticket.number}/articles",
        {"body": "see file", "attachments": [_file("a.txt", b"A" * 10)]},
    )
    assert note.status_code == 201, note.content
    [item] = note.json()["attachments"]
    assert (item["filename"], item["size"]) == ("a.txt", 10)
    download = api.get(f"/tickets/{ticket.number}/attachments/{item['id']}")
    assert b"".join(download.streaming_content) == b"A" * 10
    answer = api.post(
        f"/tickets/{ticket.number}/articles",
        {"kind": "email", "body": "Report attached.", "to": ["max@example.org"],
         "attachments": [_file("../../report.txt", b"numbers")]},
    )  # fmt: skip
    assert answer.status_code == 201, answer.content
    assert [a["filename"] for a in answer.json()["attachments"]] == ["report.txt"]
    bad = api.post(f"/tickets/{ticket.number}/articles",
                   {"body": "x", "attachments": [{"filename": "x", "content": "%%%"}]})  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "attachments.0.content"
    settings.SPORTELLO_MAX_ATTACHMENT_SIZE = 100  # type: ignore[attr-defined]
    large = api.post(f"/tickets/{ticket.number}/articles",
                     {"body": "x", "attachments": [_file("big.bin", b"x" * 200)]})  # fmt: skip
    assert large.status_code == 413
    assert large.json()["error"]["code"] == "too_large"
    assert ticket.articles.count() == 3


def test_create_with_an_attachment(api: ApiClient, queue: Queue) -> None:
    response = api.post("/tickets", {
        "title": "Scan", "queue": queue.full_name,
        "article": {"body": "b", "attachments": [_file("scan.txt", b"scan")]},
    })  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["articles"][0]["attachments"][0]["filename"] == "scan.txt"


def test_agents_customers_and_companies(api: ApiClient, agent: User, ticket: Ticket) -> None:
    company = CustomerCompany.objects.create(customer_id="ACME", name="Acme Inc.")
    for index in range(3):
        CustomerUser.objects.create(login=f"c{index}", email=f"c{index}@example.org",
                                    company=company)  # fmt: skip
    assert "agent1" in {a["login"] for a in api.get("/agents").json()}
    assert api.get("/agents/agent1").json()["email"] == agent.email
    assert api.get("/agents/nobody").status_code == 404
    first = api.get("/customers?limit=2").json()
    rest = api.get(f"/customers?limit=2&cursor={first['next_cursor']}").json()
    assert [c["login"] for c in first["customers"] + rest["customers"]] == ["c0", "c1", "c2"]
    assert rest["next_cursor"] is None
    assert api.get("/customers/C1").json()["company"] == "ACME"
    assert api.get("/customer-companies/ACME").json()["name"] == "Acme Inc."
    assert (
        api.get("/customer-companies?search=acme").json()["companies"][0]["customer_id"] == "ACME"
    )
    new = {"login": "c9", "email": "c9@example.org", "company": "ACME"}
    refused = api.put("/customers/c9", new)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "scope"
    User.objects.filter(pk=agent.pk).update(is_superuser=True)
    admin = ApiClient(token_for(agent, "admin"))
    created = admin.put("/customers/c9", new)
    assert created.status_code == 200, created.content
    assert CustomerUser.objects.get(login="c9").company == company
    assert admin.put("/customers/c9", {**new, "email": "nope"}).status_code == 400


def _multipart(api: ApiClient, path: str, data: Any, *files: tuple[str, bytes]) -> Any:
    parts = [SimpleUploadedFile(name, content, "text/plain") for name, content in files]
    return api.client.post(
        "/api/v1" + path, {"data": json.dumps(data), "files": parts}, headers=api.headers
    )


def test_multipart_uploads_beside_base64(api: ApiClient, queue: Queue, settings: Any) -> None:
    created = _multipart(
        api, "/tickets/multipart",
        {"title": "Scan", "queue": queue.full_name,
         "article": {"body": "b", "attachments": [_file("inline.txt", b"json")]}},
        ("scan.txt", b"scan"), ("../etc/log.txt", b"log"),
    )  # fmt: skip
    assert created.status_code == 201, created.content
    files = created.json()["articles"][0]["attachments"]
    assert [(f["filename"], f["size"]) for f in files] == [
        ("inline.txt", 4), ("scan.txt", 4), ("log.txt", 3)
    ]  # fmt: skip
    number = created.json()["number"]
    note = _multipart(api, f"/tickets/{number}/articles/multipart", {"body": "n"}, ("a", b"A"))
    assert note.status_code == 201, note.content
    [item] = note.json()["attachments"]
    download = api.get(f"/tickets/{number}/attachments/{item['id']}")
    assert b"".join(download.streaming_content) == b"A"
    # The queue's limit holds for the base64 and the multipart files together.
    settings.SPORTELLO_MAX_ATTACHMENT_SIZE = 100
    large = _multipart(
        api, f"/tickets/{number}/articles/multipart",
        {"body": "x", "attachments": [_file("half.bin", b"x" * 60)]}, ("half2.bin", b"y" * 60),
    )  # fmt: skip
    assert large.status_code == 413, large.content
    assert (large.json()["error"]["code"], large.json()["error"]["field"]) == (
        "too_large", "attachments"
    )  # fmt: skip
    missing = api.client.post(
        f"/api/v1/tickets/{number}/articles/multipart", {}, headers=api.headers
    )
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid"
    assert Ticket.objects.get(number=number).articles.count() == 2
