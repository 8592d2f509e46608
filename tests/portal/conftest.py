from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.mail.models import AutoResponse, OutboxMessage
from sportello.portal.models import FormFieldKind, RequestForm, RequestFormField
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import Article, Attachment, Channel, SenderType, Ticket
from sportello.tickets.selectors import priority_by_name, ticket_type_by_name

PASSWORD = "Correct-Horse-7-battery"


@pytest.fixture(autouse=True)
def _portal_settings(settings: Any) -> None:
    settings.SPORTELLO_PORTAL_MIN_FILL_SECONDS = 0
    # Argon2 is the production hasher (tested in test_password_reset); here speed matters.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_customer(login: str, email: str, **extra: Any) -> CustomerUser:
    customer = CustomerUser(login=login, email=email, **extra)
    customer.set_password(PASSWORD)
    customer.save()
    return customer


@pytest.fixture
def helpdesk(group: Group) -> Queue:
    address = SystemAddress.objects.create(email="help@uni.example.org", display_name="Helpdesk")
    queue = ensure_queue("Helpdesk", group=group, system_address=address)
    address.queue = queue
    address.save()
    response = AutoResponse.objects.create(
        name="web receipt",
        type="new_ticket",
        subject="Received: {{ ticket.title }}",
        text="Your request {{ ticket.number }} was received.",
    )
    response.queues.add(queue)
    return queue


@pytest.fixture
def company(db: None) -> CustomerCompany:
    return CustomerCompany.objects.create(customer_id="FAC-PHYS", name="Physics")


@pytest.fixture
def customer_a(company: CustomerCompany) -> CustomerUser:
    return make_customer(
        "anna", "anna@uni.example.org", first_name="Anna", last_name="Alt", company=company
    )


@pytest.fixture
def customer_b(db: None) -> CustomerUser:
    return make_customer("bruno", "bruno@uni.example.org", first_name="Bruno", last_name="Bau")


def web_request(customer: CustomerUser, body: str, **extra: Any) -> ArticleInput:
    return ArticleInput(
        channel=Channel.WEB,
        sender_type=SenderType.CUSTOMER,
        visible_for_customer=True,
        from_address=customer.email,
        subject="Request",
        body=body,
        **extra,
    )


@dataclass
class Case:
    """One customer's ticket with a visible and an internal article, each with a file."""

    ticket: Ticket
    visible: Attachment
    internal_note: Article
    internal: Attachment


def make_case(queue: Queue, actor: Actor, customer: CustomerUser, title: str) -> Case:
    ticket = actions.create_ticket(
        title=title,
        queue=queue,
        actor=actor,
        customer_user_id=customer.login,
        customer_company_id=customer.company.customer_id if customer.company else "",
        article=web_request(
            customer,
            f"Body of {title}",
            attachments=[AttachmentInput(f"{customer.login}-visible.txt", "text/plain", b"v")],
        ),
    )
    note = actions.add_article(
        ticket,
        ArticleInput(
            channel=Channel.INTERNAL,
            sender_type=SenderType.AGENT,
            body=f"Internal secret of {title}",
            attachments=[AttachmentInput(f"{customer.login}-internal.txt", "text/plain", b"i")],
        ),
        actor=actor,
    )
    return Case(
        ticket=ticket,
        visible=Attachment.objects.get(article__ticket=ticket, article__number=1),
        internal_note=note,
        internal=note.attachments.get(),
    )


@pytest.fixture
def case_a(helpdesk: Queue, actor: Actor, customer_a: CustomerUser) -> Case:
    return make_case(helpdesk, actor, customer_a, "Printer on fire")


@pytest.fixture
def case_b(helpdesk: Queue, actor: Actor, customer_b: CustomerUser) -> Case:
    return make_case(helpdesk, actor, customer_b, "Bruno's secret laptop")


def login(client: Client, customer: CustomerUser) -> None:
    response = client.post("/portal/login/", {"login": customer.login, "password": PASSWORD})
    assert response.status_code == 302, response.content


@pytest.fixture
def client_a(client: Client, customer_a: CustomerUser) -> Client:
    login(client, customer_a)
    return client


@pytest.fixture
def request_form(helpdesk: Queue) -> RequestForm:
    form = RequestForm.objects.create(
        name="Printing problem",
        name_de="Druckproblem",
        slug="printing",
        ticket_type=ticket_type_by_name("Unclassified"),
        queue=helpdesk,
        priority=priority_by_name("4 high"),
        introduction="Tell us what went wrong.",
        frame_ancestors="https://www.uni.example.org\nhttps://faq.uni.example.org",
    )
    for order, kind in enumerate(FormFieldKind.values):
        RequestFormField.objects.create(
            form=form,
            kind=kind,
            order=order,
            required=kind != FormFieldKind.ATTACHMENTS,
            label="Subject" if kind == FormFieldKind.TITLE else "",
            label_de="Betreff" if kind == FormFieldKind.TITLE else "",
            help_text="One line" if kind == FormFieldKind.TITLE else "",
        )
    return form


def links_in_outbox(recipient: str) -> list[str]:
    """The portal links mailed to ``recipient``, newest message last."""
    found = []
    for message in OutboxMessage.objects.filter(primary_recipient=recipient).order_by("id"):
        parsed = email.message_from_bytes(bytes(message.raw), policy=email.policy.default)
        text = parsed.get_content()  # type: ignore[attr-defined]
        found += re.findall(r"https?://\S+/portal/\S+/", text)
    return found
