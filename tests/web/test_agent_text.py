"""What an agent types reaches the customer byte for byte: configuration snippets with
template, shell and printf syntax go through the reply dialog, the zoom's answer form and
the email ticket to a real SMTP sink unchanged. Only salutation and signature (and a
template, when inserted) are rendered."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.mail.models import StandardTemplate, TemplateType
from sportello.queues.models import Queue, Salutation, Signature, SystemAddress
from sportello.tickets.models import Ticket
from tests.mail.smtp import SmtpSink
from tests.tickets.factories import make_ticket
from tests.web.test_actions import version
from tests.web.test_create import form_data

pytestmark = pytest.mark.django_db

SNIPPETS = {
    "jinja": "Use {{ ansible_host }} and {{ item.port | default(80) }}.",
    "statement": "{% if ansible_os_family == 'Debian' %}apt{% else %}dnf{% endif %}",
    "comment": "{# c #} stays, as does a lone {{ or {% or {#",
    "ansible": '- hosts: all\n  vars:\n    url: "http://{{ inventory_hostname }}:{{ port }}/"',
    "shell": 'export PATH="${HOME}/bin:$PATH"; echo "${VAR:-default}"',
    "printf": 'printf("%s: %d\\n", name, 42);',
    "python": "'%(name)s is %(age)d' % values",
}


@pytest.fixture
def mail_queue(queue: Queue) -> Queue:
    queue.system_address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue.salutation = Salutation.objects.create(name="de", text="Hallo {{ customer.first_name }},")
    queue.signature = Signature.objects.create(name="de", text="Gruß\n{{ agent.first_name }}")
    queue.save()
    CustomerUser.objects.create(login="mmuster", email="max@example.org", first_name="Max")
    return queue


@pytest.fixture
def logged_in(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def sent_body(sink: SmtpSink) -> str:
    (received,) = sink.received
    body: str = received.message.get_content()
    return body.replace("\r\n", "\n")


def answer_url(path: str, ticket: Ticket) -> str:
    if path == "zoom-answer-form":
        return f"/ticket/{ticket.number}/answer/"
    return f"/ticket/{ticket.number}/article/1/action/reply/"


@pytest.mark.parametrize("snippet", SNIPPETS)
@pytest.mark.parametrize("path", ["zoom-answer-form", "reply-dialog"])
def test_an_answer_sends_the_agents_text_unchanged(
    path: str,
    snippet: str,
    logged_in: Client,
    mail_queue: Queue,
    actor: Actor,
    agent: User,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(mail_queue, actor, customer_user_id="mmuster")
    text = SNIPPETS[snippet]
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            answer_url(path, ticket),
            {"changed": version(ticket), "to": "max@example.org", "text": text},
        )
    assert response.status_code == 302, response.content.decode()
    body = sent_body(smtp_sink)
    assert f"Hallo Max,\n\n{text}\n\nGruß\n{agent.first_name}\n" in body
    assert text in ticket.articles.get(number=2).body


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_an_email_ticket_sends_the_agents_text_unchanged(
    snippet: str,
    logged_in: Client,
    mail_queue: Queue,
    agent: User,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    template = StandardTemplate.objects.create(
        name="Rückfrage", type=TemplateType.CREATE, text="zu {{ ticket.title }}:"
    )
    text = SNIPPETS[snippet]
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            "/tickets/new/email/", form_data(mail_queue, template=template.pk, text=text)
        )
    assert response.status_code == 302, response.content.decode()
    body = sent_body(smtp_sink)
    # The template is filled, the agent's text is not.
    assert f"Hallo Max,\n\nzu Drucker im 2. OG:\n\n{text}\n\nGruß\n" in body
