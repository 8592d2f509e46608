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
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Priority, State, Ticket

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
    assert article.visible_for_customer and article.raw_source
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
