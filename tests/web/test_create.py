from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from sportello.accounts.models import User
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.mail.models import (
    AutoResponse,
    OutboxMessage,
    StandardTemplate,
    TemplateType,
)
from sportello.queues.models import Queue, Salutation, Signature, SystemAddress
from sportello.tickets.articles import has_raw_message
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import DynamicField, Priority, State, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_queue(queue: Queue) -> Queue:
    queue.system_address = SystemAddress.objects.create(
        email="wlan@helpdesk.example.org", display_name="WLAN-Team"
    )
    queue.salutation = Salutation.objects.create(
        name="hallo", text="Hallo {{ customer.full_name }},"
    )
    queue.signature = Signature.objects.create(name="team", text="-- \nIhr WLAN-Team")
    queue.save()
    return queue


@pytest.fixture
def max_muster(db: None) -> CustomerUser:
    company = CustomerCompany.objects.create(customer_id="fau", name="FAU")
    return CustomerUser.objects.create(
        login="mmuster", email="max@example.org", first_name="Max", last_name="Müster",
        company=company,
    )  # fmt: skip


def form_data(target: Queue, **overrides: Any) -> dict[str, Any]:
    data = {
        "customer": "mmuster",
        "queue": target.pk,
        "title": "Drucker im 2. OG",
        "text": "Der Drucker druckt nur leere Seiten.",
        "type": "",
        "priority": Priority.objects.get(name="4 high").pk,
        "next_state": State.objects.get(name="open").pk,
    }
    from sportello.tickets.models import TicketType

    data["type"] = TicketType.objects.get(name="Unclassified").pk
    data.update(overrides)
    return data


def test_phone_ticket_with_attachment_and_no_mail(
    client: Client, agent: User, mail_queue: Queue, max_muster: CustomerUser,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    client.force_login(agent)
    assert client.get("/tickets/new/phone/").status_code == 200
    upload = SimpleUploadedFile("fehler.txt", b"E42", content_type="text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/tickets/new/phone/", {**form_data(mail_queue), "attachments": [upload]}
        )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ticket/{ticket.number}/"
    assert ticket.customer_user_id == "mmuster" and ticket.customer_company_id == "fau"
    assert ticket.priority.name == "4 high" and ticket.state.name == "open"
    article = ticket.articles.get()
    assert (article.channel, article.sender_type) == ("phone", "customer")
    assert article.from_address == "Max Müster <max@example.org>"
    assert article.attachments.get().filename == "fehler.txt"
    types = list(ticket.history.order_by("id").values_list("type", flat=True))
    assert types == [HistoryType.NEW_TICKET, HistoryType.PHONE_CALL_CUSTOMER]
    assert not OutboxMessage.objects.exists()  # the queue has no receipt auto-response


def test_phone_ticket_sends_the_queues_receipt(
    client: Client, agent: User, mail_queue: Queue, django_capture_on_commit_callbacks: Any
) -> None:
    receipt = AutoResponse.objects.create(
        name="receipt-wlan", type="new_ticket", subject="Eingang", text="Danke."
    )
    receipt.queues.add(mail_queue)
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/tickets/new/phone/", form_data(mail_queue, customer="anna@example.org"))
    ticket = Ticket.objects.get()
    assert ticket.customer_user_id == "anna@example.org"
    outgoing = OutboxMessage.objects.get()
    assert outgoing.recipients == ["anna@example.org"] and b"Danke." in bytes(outgoing.raw)


def test_phone_ticket_errors_and_pending(
    client: Client, agent: User, mail_queue: Queue, max_muster: CustomerUser
) -> None:
    client.force_login(agent)
    pending = State.objects.get(name="pending reminder").pk
    bad = client.post("/tickets/new/phone/", form_data(mail_queue, next_state=pending))
    assert bad.status_code == 400 and b"A pending state needs a pending time." in bad.content
    bad = client.post("/tickets/new/phone/", form_data(mail_queue, customer="nobody"))
    assert bad.status_code == 400 and b"give an email address instead" in bad.content
    bad = client.post("/tickets/new/phone/", form_data(mail_queue, queue=999999))
    assert bad.status_code == 400 and not Ticket.objects.exists()
    when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    agent.after_create = "form"
    agent.save()
    response = client.post(
        "/tickets/new/phone/", form_data(mail_queue, next_state=pending, pending_until=when)
    )
    assert response.status_code == 302 and response["Location"] == "/tickets/new/phone/"
    ticket = Ticket.objects.get()
    assert ticket.state.name == "pending reminder" and ticket.pending_until is not None


def test_email_ticket_goes_out_with_salutation_template_and_signature(
    client: Client, agent: User, mail_queue: Queue, max_muster: CustomerUser,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    template = StandardTemplate.objects.create(
        name="Rückfrage", type=TemplateType.CREATE, text="wir melden uns wegen {{ ticket.title }}."
    )
    client.force_login(agent)
    assert b"R\xc3\xbcckfrage" in client.get("/tickets/new/email/").content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/tickets/new/email/",
            form_data(
                mail_queue, template=template.pk, text="Bitte Seriennummer.", cc="chef@example.org"
            ),
        )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    article = ticket.articles.get()
    assert (article.channel, article.sender_type) == ("email", "agent")
    assert article.visible_for_customer and has_raw_message(article)
    body = article.body
    assert body.index("Hallo Max Müster,") < body.index("wir melden uns wegen Drucker im 2. OG.")
    assert body.index("Bitte Seriennummer.") < body.index("Ihr WLAN-Team")
    outgoing = OutboxMessage.objects.get()
    assert outgoing.recipients == ["max@example.org", "chef@example.org"]
    assert f"[Ticket#{ticket.number}] Drucker im 2. OG".encode() in bytes(outgoing.raw)
    types = list(ticket.history.order_by("id").values_list("type", flat=True))
    assert types == [HistoryType.NEW_TICKET, HistoryType.EMAIL_AGENT]
    assert ticket.state.name == "open" and not ticket.is_locked


def test_email_ticket_needs_a_sender_address_and_a_text(
    client: Client, agent: User, queue: Queue, max_muster: CustomerUser
) -> None:
    client.force_login(agent)
    response = client.post("/tickets/new/email/", form_data(queue))  # queue without address
    assert response.status_code == 400 and b"has no valid sender address" in response.content
    elsewhere = StandardTemplate.objects.create(name="Woanders", type=TemplateType.CREATE)
    elsewhere.queues.add(Queue.objects.get(full_name="Raw"))
    response = client.post("/tickets/new/email/", form_data(queue, template=elsewhere.pk))
    assert response.status_code == 400 and b"not meant for that queue" in response.content
    response = client.post("/tickets/new/email/", form_data(queue, text=""))
    assert response.status_code == 400 and b"Write a text or choose a template." in response.content
    assert not Ticket.objects.exists() and not OutboxMessage.objects.exists()


def test_customer_search_as_you_type(client: Client, agent: User, max_muster: CustomerUser) -> None:
    CustomerUser.objects.create(login="other", email="o@example.org", last_name="Otto")
    client.force_login(agent)
    page = client.get("/customers/search/", {"customer": "Mü"}, HTTP_HX_REQUEST="true")
    assert (
        b'<option value="mmuster">Max M\xc3\xbcster &lt;max@example.org&gt; \xc2\xb7 FAU'
        in page.content
    )
    assert b"other" not in page.content
    assert client.get("/customers/search/", {"customer": "m"}).content.strip() == b""
    client.logout()
    assert client.get("/customers/search/", {"customer": "Mü"}).status_code == 302


def test_the_after_create_preference_is_saved(client: Client, agent: User) -> None:
    client.force_login(agent)
    assert client.post("/preferences/", {"after_create": "form"}).status_code == 302
    agent.refresh_from_db()
    assert agent.after_create == "form"
    assert client.post("/preferences/", {"after_create": "elsewhere"}).status_code == 400
    agent.refresh_from_db()
    assert agent.after_create == "form"


@pytest.fixture
def dynamic(db: None) -> dict[str, DynamicField]:
    def make(name: str, kind: str, labels: dict[str, str], **extra: Any) -> DynamicField:
        return DynamicField.objects.create(
            name=name, object_type=extra.pop("object_type", "ticket"), field_type=kind,
            labels=labels, **extra,
        )  # fmt: skip

    options = [{"key": "b1", "labels": {"en": "Main building"}}, {"key": "b2", "labels": {}}]
    return {
        "building": make(
            "building",
            "dropdown",
            {"en": "Building", "de": "Gebäude"},
            choices=options,
            default="b2",
            order=1,
        ),
        "room": make("room", "text", {"en": "Room"}, regex="[0-9]{3}", order=2),
        "devices": make("devices", "multiselect", {"en": "Devices"}, choices=options, order=3),
        "due": make("due", "date", {"en": "Due"}, order=4),
        "urgent": make("urgent", "checkbox", {"en": "Urgent"}, order=5),
        "count": make("count", "integer", {"en": "Count"}, min_value=1, order=6),
        "old": make("old", "text", {"en": "Retired field"}, valid=False),
        "minutes": make("minutes", "integer", {"en": "Minutes"}, object_type="article", default=5),
    }


@pytest.mark.parametrize("kind", ["phone", "email"])
def test_create_forms_show_and_store_dynamic_fields(
    client: Client, agent: User, mail_queue: Queue, max_muster: CustomerUser,
    dynamic: dict[str, DynamicField], kind: str,
) -> None:  # fmt: skip
    from sportello.tickets import dynamic_fields as df

    client.force_login(agent)
    url = f"/tickets/new/{kind}/"
    page = client.get(url).content.decode()
    for label in ("Building", "Room", "Devices", "Due", "Urgent", "Count", "Minutes"):
        assert f">{label}</label>" in page, label
    assert "Retired field" not in page
    assert '<option value="b2" selected>b2</option>' in page  # the default
    assert 'name="adf_minutes" value="5"' in page
    assert 'name="df_due"' in page and 'type="date"' in page
    assert "Gebäude" in client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    # Validation: pattern, range, option, each at its field; nothing is created.
    bad_values = ({"df_room": "12a"}, {"df_count": "0"}, {"df_building": "b9"}, {"df_due": "x"})
    for bad in bad_values:
        response = client.post(url, form_data(mail_queue, **bad))
        assert response.status_code == 400, bad
        assert 'class="errorlist"' in response.content.decode()
    assert (
        "Room has an invalid format."
        in client.post(url, form_data(mail_queue, df_room="12a")).content.decode()
    )
    assert not Ticket.objects.exists()
    response = client.post(url, form_data(
        mail_queue, df_building="b1", df_room="204", df_devices=["b1", "b2"], df_due="2030-05-17",
        df_urgent="on", adf_minutes="15",
    ))  # fmt: skip
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    values = df.current_values(ticket)
    assert values["building"] == "b1" and values["room"] == "204"
    assert values["devices"] == ["b1", "b2"] and values["urgent"] is True
    assert str(values["due"]) == "2030-05-17" and values["count"] is None
    assert df.current_values(ticket.articles.get())["minutes"] == 15
    updates = ticket.history.filter(type=HistoryType.DYNAMIC_FIELD_UPDATE)
    assert sorted(updates.values_list("comment", "new_value")) == [
        ("building", "b1"), ("devices", "b1,b2"), ("due", "2030-05-17"), ("minutes", "15"),
        ("room", "204"), ("urgent", "1"),
    ]  # fmt: skip
    assert updates.get(comment="minutes").article == ticket.articles.get()
    zoom = client.get(f"/ticket/{ticket.number}/").content.decode()
    assert '<dt>Building</dt><dd data-field="building">Main building</dd>' in zoom


def test_create_form_sets_type_priority_owner_and_responsible(
    client: Client, agent: User, other_agent: User, mail_queue: Queue, max_muster: CustomerUser
) -> None:
    from sportello.tickets.models import TicketType

    incident, _created = TicketType.objects.get_or_create(name="Incident")
    client.force_login(agent)
    page = client.get("/tickets/new/phone/").content.decode()
    for name in ("customer", "queue", "title", "text", "attachments", "type", "priority",
                 "owner", "responsible", "next_state", "pending_until"):  # fmt: skip
        assert f'name="{name}"' in page, name
    assert 'hx-get="/customers/search/"' in page
    response = client.post(
        "/tickets/new/phone/",
        form_data(mail_queue, type=incident.pk, owner=other_agent.pk, responsible=agent.pk),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.type, ticket.owner, ticket.responsible) == (incident, other_agent, agent)
    assert ticket.priority.name == "4 high" and not ticket.is_locked
