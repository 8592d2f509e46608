from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.mail.ingest import ingest_message
from sportello.mail.models import AutoResponse, OutboxKind, OutboxMessage
from sportello.queues.models import FollowUpPolicy, Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.models import Ticket
from sportello.tickets.selectors import state_by_name
from tests.mail.messages import mail
from tests.mail.smtp import SmtpSink

pytestmark = pytest.mark.django_db


@pytest.fixture
def wlan(group: Group) -> Queue:
    address = SystemAddress.objects.create(email="wlan@helpdesk.example.org", display_name="WLAN")
    queue = ensure_queue("IT::Network::WLAN", group=group, system_address=address)
    address.queue = queue
    address.save()
    for language, subject, text in [
        ("", "Received: {{ ticket.title }}", "Your request {{ ticket.number }} was received."),
        ("de", "Eingegangen: {{ ticket.title }}", "Ihre Anfrage {{ ticket.number }} ist da."),
    ]:
        response = AutoResponse.objects.create(
            name=f"receipt {language}",
            type="new_ticket",
            language=language,
            subject=subject,
            text=text,
        )
        response.queues.add(queue)
    reject = AutoResponse.objects.create(
        name="reject", type="reject", subject="Closed", text="Ticket {{ ticket.number }} is closed."
    )
    reject.queues.add(queue)
    return queue


def ingest(raw: bytes, commit: Any, **kwargs: Any) -> Any:
    with commit(execute=True):
        return ingest_message(raw, **kwargs)


def test_receipt_is_sent_as_system_article(
    wlan: Queue, smtp_sink: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    result = ingest(mail(message_id="<m1@example.org>"), django_capture_on_commit_callbacks)
    [received] = smtp_sink.received
    message = received.message
    assert received.recipients == ["max@example.org"]
    assert message["Subject"] == f"[Ticket#{result.ticket}] Received: WLAN geht nicht"
    assert message["Auto-Submitted"] == "auto-replied" and message["X-Loop"] == "sportello"
    assert message["In-Reply-To"] == "<m1@example.org>"
    assert f"Your request {result.ticket} was received." in message.get_content()
    ticket = Ticket.objects.get(number=result.ticket)
    reply = ticket.articles.get(number=2)
    assert reply.sender_type == "system" and reply.is_automatic
    assert ticket.history.filter(type="SendAutoReply", article=reply).count() == 1
    assert ticket.state.name == "new"  # an auto-response does not change the state


def test_customer_language_is_chosen(
    wlan: Queue, smtp_sink: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    CustomerUser.objects.create(login="max", email="max@example.org", language="de")
    ingest(mail(), django_capture_on_commit_callbacks)
    assert "Ihre Anfrage" in smtp_sink.received[0].message.get_content()


@pytest.mark.parametrize(
    "raw_kwargs",
    [
        {"headers": {"Auto-Submitted": "auto-replied"}},
        {"headers": {"Precedence": "list"}},
        {"sender": "MAILER-DAEMON@example.org"},
        {"sender": "wlan@helpdesk.example.org"},
    ],
)
def test_no_auto_response_to_automatic_mail_or_ourselves(
    wlan: Queue,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
    raw_kwargs: dict[str, Any],
) -> None:
    ingest(mail(**raw_kwargs), django_capture_on_commit_callbacks)
    assert smtp_sink.received == []


def test_at_most_n_auto_responses_per_sender_and_day(
    wlan: Queue, smtp_sink: SmtpSink, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SPORTELLO_AUTO_RESPONSES_PER_DAY = 2
    for index in range(4):
        ingest(mail(subject=f"loop {index}"), django_capture_on_commit_callbacks)
    assert len(smtp_sink.received) == 2
    assert OutboxMessage.objects.filter(kind=OutboxKind.AUTO_RESPONSE).count() == 2


def test_reject_auto_response_for_closed_ticket(
    wlan: Queue, smtp_sink: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    wlan.follow_up_policy = FollowUpPolicy.REJECT
    wlan.save()
    result = ingest(mail(), django_capture_on_commit_callbacks)
    ticket = Ticket.objects.get(number=result.ticket)
    actions.set_state(ticket, state_by_name("closed successful"), actor=Actor.system("job"))
    ingest(mail(subject=f"Re: [Ticket#{ticket.number}]"), django_capture_on_commit_callbacks)
    assert smtp_sink.received[-1].message.get_content().strip() == (
        f"Ticket {ticket.number} is closed."
    )


def test_fresh_installation_answers_receipt_in_raw(
    db: None, smtp_sink: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    ingest(mail(to="anyone@example.net"), django_capture_on_commit_callbacks)
    [received] = smtp_sink.received
    assert received.message["Auto-Submitted"] == "auto-replied"
    assert Queue.objects.get(full_name="Raw").auto_responses.filter(type="new_ticket").exists()


def test_too_large_mail_gets_an_answer_without_ticket(
    db: None, smtp_sink: SmtpSink, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SPORTELLO_MAIL_MAX_SIZE = 1000
    raw = mail(attachments=[("x.bin", "application/octet-stream", b"x" * 4000)])
    assert ingest(raw, django_capture_on_commit_callbacks).result == "spooled"
    [received] = smtp_sink.received
    assert received.recipients == ["max@example.org"]
    assert not Ticket.objects.exists()
