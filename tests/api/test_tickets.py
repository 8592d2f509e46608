"""Ticket resources: reads through the permission module, writes through the actions
with the api channel, search with a cursor, catalog lists, attachments, OpenAPI."""

from __future__ import annotations

import json

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.sla.models import SLA, Service
from sportello.tickets import actions
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import DynamicField, Ticket
from tests.api.conftest import ApiClient


def test_get_ticket_with_articles_fields_and_history(api: ApiClient, ticket: Ticket) -> None:
    body = api.get(f"/tickets/{ticket.number}").json()
    assert body["number"] == ticket.number and body["title"] == "Printer on fire"
    assert body["queue"] == "IT::Network::WLAN" and body["customer_user"] == "max"
    assert [a["body"] for a in body["articles"]] == ["Smoke everywhere"]
    assert body["dynamic_fields"] == {} and body["links"] == []
    assert body["history"] is None
    history = api.get(f"/tickets/{ticket.number}?history=1").json()["history"]
    assert history[0]["type"] == HistoryType.NEW_TICKET


def test_create_ticket_through_the_actions(api: ApiClient, queue: Queue) -> None:
    response = api.post(
        "/tickets",
        {
            "title": "VPN down",
            "queue": queue.full_name,
            "priority": "4 high",
            "customer_user": "max",
            "article": {"kind": "phone", "inbound": True, "body": "It  stays <b>as typed</b>"},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert (ticket.priority.name, ticket.owner.username) == ("4 high", "agent1")
    assert body["articles"][0]["body"] == "It  stays <b>as typed</b>"
    row = ticket.history.get(type=HistoryType.NEW_TICKET)
    assert row.channel == "api"


def test_patch_applies_each_attribute_by_its_action(
    api: ApiClient, ticket: Ticket, other_agent: User, group: object
) -> None:
    target = ensure_queue("IT::Mail", group=group)  # type: ignore[arg-type]
    response = api.patch(
        f"/tickets/{ticket.number}",
        {"title": "Printer fixed", "queue": target.full_name, "priority": "5 very high",
         "responsible": "agent2", "customer_company": "ACME"},
    )  # fmt: skip
    assert response.status_code == 200, response.content
    ticket.refresh_from_db()
    assert (ticket.title, ticket.queue_id, ticket.priority.name) == (
        "Printer fixed",
        target.pk,
        "5 very high",
    )
    assert (ticket.responsible, ticket.customer_company_id) == (other_agent, "ACME")
    types = set(ticket.history.filter(channel="api").values_list("type", flat=True))
    assert {HistoryType.TITLE_UPDATE, HistoryType.MOVE, HistoryType.PRIORITY_UPDATE} <= types


def test_patch_is_all_or_nothing(api: ApiClient, ticket: Ticket) -> None:
    response = api.patch(f"/tickets/{ticket.number}", {"title": "New", "state": "no such"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.title == "Printer on fire"
    assert not ticket.history.filter(channel="api").exists()


def test_pending_state_needs_a_time(api: ApiClient, ticket: Ticket) -> None:
    refused = api.patch(f"/tickets/{ticket.number}", {"state": "pending reminder"})
    assert refused.status_code == 400
    done = api.patch(
        f"/tickets/{ticket.number}",
        {"state": "pending reminder", "pending_until": "2099-01-01T09:00:00+00:00"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["pending_until"].startswith("2099-01-01")


def test_articles_note_phone_and_mail_answer(api: ApiClient, ticket: Ticket) -> None:
    address = SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=ticket.queue)
    Queue.objects.filter(pk=ticket.queue_id).update(system_address=address)
    note = api.post(f"/tickets/{ticket.number}/articles", {"body": "internal", "subject": "N"})
    assert note.status_code == 201, note.content
    assert (note.json()["channel"], note.json()["visible_for_customer"]) == ("internal", False)
    call = api.post(f"/tickets/{ticket.number}/articles", {"kind": "phone", "body": "called"})
    assert call.status_code == 201 and call.json()["channel"] == "phone"
    answer = api.post(
        f"/tickets/{ticket.number}/articles",
        {"kind": "email", "body": "Fixed.", "to": ["max@example.org"]},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["channel"] == "email"
    from sportello.mail.models import OutboxMessage

    assert OutboxMessage.objects.filter(article__ticket=ticket).count() == 1
    missing = api.post(f"/tickets/{ticket.number}/articles", {"kind": "email", "body": "x"})
    assert missing.status_code == 400


def test_lock_and_unlock(api: ApiClient, ticket: Ticket) -> None:
    assert api.post(f"/tickets/{ticket.number}/lock").json()["lock"] == "lock"
    assert api.post(f"/tickets/{ticket.number}/unlock").json()["lock"] == "unlock"


def test_search_pages_with_a_cursor_and_hides_unreadable(
    api: ApiClient, agent: User, queue: Queue, ticket: Ticket
) -> None:
    for index in range(4):
        api.post("/tickets", {"title": f"T{index}", "queue": queue.full_name,
                              "article": {"body": "b"}})  # fmt: skip
    hidden_group, _created = provisioning.add_group("hidden")
    hidden = ensure_queue("Hidden", group=hidden_group)
    secret = actions.create_ticket(title="Secret", queue=hidden, actor=Actor.system("cli"))
    seen: list[str] = []
    cursor = ""
    while True:
        body = api.get(f"/tickets?limit=2&queue={queue.full_name}&cursor={cursor}").json()
        seen += [t["number"] for t in body["tickets"]]
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    assert len(seen) == 5 == len(set(seen))
    assert seen == sorted(seen, reverse=True)
    assert api.get("/tickets?title=T3").json()["tickets"][0]["title"] == "T3"
    assert secret.number not in {t["number"] for t in api.get("/tickets").json()["tickets"]}
    assert api.get(f"/tickets/{secret.number}").status_code == 404
    assert api.post(f"/tickets/{secret.number}/lock").status_code == 404


def test_search_by_service_sla_and_dynamic_fields(api: ApiClient, queue: Queue) -> None:
    gold = SLA.objects.create(name="Gold", first_response_minutes=60)
    Service.objects.create(name="WLAN", sla=gold)
    for name, kind, extra in (
        ("Room", "text", {}),
        ("Site", "dropdown", {"choices": [{"key": "north"}, {"key": "south"}]}),
        ("Seats", "integer", {}),
    ):
        DynamicField.objects.create(
            name=name, object_type="ticket", field_type=kind, labels={"en": name}, **extra
        )
    numbers = []
    for title, room, site, seats in (("A", "B12", "north", 10), ("B", "C3", "south", 40)):
        created = api.post("/tickets", {"title": title, "queue": queue.full_name,
                                        "article": {"body": "b"}}).json()  # fmt: skip
        numbers.append(created["number"])
        values = {"Room": room, "Site": site, "Seats": seats}
        put = api.put(f"/tickets/{created['number']}/dynamic-fields", {"values": values})
        assert put.status_code == 200, put.content
    patched = api.patch(f"/tickets/{numbers[0]}", {"service": "WLAN", "sla": "Gold"})
    assert patched.status_code == 200, patched.content

    def found(query: str) -> list[str]:
        response = api.get(f"/tickets?queue={queue.full_name}&{query}")
        assert response.status_code == 200, (query, response.content)
        return [t["number"] for t in response.json()["tickets"]]

    a, b = numbers
    assert found("service=WLAN") == [a] == found("sla=Gold")
    assert found("field=Room%3Db12") == [a]
    assert found("field=Room~3") == [b]
    assert found("field=Site%3Dsouth") == [b]
    assert found("field=Site%3Dsouth&field=Site%3Dnorth") == [b, a]
    assert found("field=Seats>%3D20") == [b]
    assert found("field=Seats<%3D20&field=Room~B") == [a]
    assert found("field=Seats%3D40&sla=Gold") == []
    for query, field in (
        ("service=Nope", "service"),
        ("sla=Nope", "sla"),
        ("field=Nope%3D1", "field"),
        ("field=Seats%3Dmany", "field"),
        ("field=Site%3Dwest", "field"),
        ("field=Room>%3D1", "field"),
        ("field=nothing", "field"),
    ):
        error = api.get(f"/tickets?{query}")
        assert error.status_code == 400, (query, error.content)
        assert error.json()["error"]["field"] == field, query


def test_catalogs(api: ApiClient, queue: Queue) -> None:
    assert "new" in {s["name"] for s in api.get("/states").json()}
    assert "3 normal" in {p["name"] for p in api.get("/priorities").json()}
    assert "Unclassified" in {t["name"] for t in api.get("/types").json()}
    assert queue.full_name in {q["full_name"] for q in api.get("/queues").json()}


def test_openapi_document_and_docs_page(client: object, db: None) -> None:
    from django.test import Client

    anonymous = Client()
    document = anonymous.get("/api/v1/openapi.json", secure=True)
    assert document.status_code == 200
    spec = json.loads(document.content)
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/tickets/{number}" in spec["paths"]
    search = spec["paths"]["/api/v1/tickets"]["get"]["parameters"]
    assert {"service", "sla", "field"} <= {p["name"] for p in search}
    upload = spec["paths"]["/api/v1/tickets/multipart"]["post"]["requestBody"]["content"]
    assert set(upload["multipart/form-data"]["schema"]["properties"]) == {"data", "files"}
    docs = anonymous.get("/api/v1/docs", secure=True)
    assert docs.status_code == 200
    html = docs.content.decode()
    # Under the CSP without inline scripts: only script files of our own origin.
    assert "<script>" not in html.replace(" ", "") and "cdn" not in html.lower()
    assert "ninja/swagger-ui-bundle" in html


def test_articles_accept_html_cleaned_as_the_editor_s(api: ApiClient, ticket: Ticket) -> None:
    address = SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=ticket.queue)
    Queue.objects.filter(pk=ticket.queue_id).update(system_address=address)
    body = '<p><strong>Fixed</strong><img src="x" onerror="alert(1)"></p><script>x</script>'
    note = api.post(
        f"/tickets/{ticket.number}/articles", {"body": body, "content_type": "text/html"}
    )
    assert note.status_code == 201, note.content
    stored = ticket.articles.get(number=note.json()["number"])
    assert (stored.body, stored.body_html) == (
        "Fixed",
        '<p><strong>Fixed</strong><img alt="" src="x"></p>',
    )
    answer = api.post(
        f"/tickets/{ticket.number}/articles",
        {"kind": "email", "body": body, "to": ["max@example.org"], "content_type": "text/html"},
    )
    assert answer.status_code == 201, answer.content
    wrong = api.post(
        f"/tickets/{ticket.number}/articles", {"body": "x", "content_type": "text/markdown"}
    )
    assert wrong.status_code in (400, 422)
