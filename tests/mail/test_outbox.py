"""Answers leave through the outbox to a real SMTP server, exactly once, nothing lost."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.mail.actions import send_answer
from sportello.mail.models import OutboxMessage, OutboxStatus
from sportello.mail.outbox import retry_delay, send_due, send_one
from sportello.notifications.models import Notification
from sportello.queues.models import Queue, Salutation, Signature, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Lock
from tests.mail.smtp import SmtpSink
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def wlan(group: Group) -> Queue:
    address = SystemAddress.objects.create(
        email="wlan@helpdesk.example.org", display_name="WLAN-Support Universität"
    )
    return ensure_queue(
        "IT::Network::WLAN",
        group=group,
        system_address=address,
        salutation=Salutation.objects.create(
            name="de", text="Hallo {{ customer.first_name }} {{ customer.last_name }},"
        ),
        signature=Signature.objects.create(
            name="de", text="Viele Grüße\n{{ agent.first_name }} {{ agent.last_name }}"
        ),
    )


@pytest.fixture
def customer(db: None) -> CustomerUser:
    return CustomerUser.objects.create(
        login="jürgen",
        email="juergen@example.org",
        first_name="Jürgen",
        last_name="Çelik",
        language="de",
    )


def answer(ticket: Any, actor: Actor, commit: Any, **kwargs: Any) -> Any:
    with commit(execute=True):
        return send_answer(
            ticket,
            actor=actor,
            text=kwargs.pop("text", "Bitte neu starten."),
            to=kwargs.pop("to", ["juergen@example.org"]),
            **kwargs,
        )


def test_answer_reaches_smtp_with_threading_and_encoding(
    wlan: Queue,
    actor: Actor,
    customer: CustomerUser,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(
        wlan,
        Actor.system("mail"),
        title="Drucker läuft nicht 🖨",
        customer_user_id="jürgen",
        article=customer_mail(message_id="<orig@example.org>"),
    )
    original = ticket.articles.get()
    article = answer(ticket, actor, django_capture_on_commit_callbacks, reply_to=original)
    [received] = smtp_sink.received
    assert received.recipients == ["juergen@example.org"]
    assert received.envelope_from == "wlan@helpdesk.example.org"
    message = received.message
    assert message["Subject"] == f"[Ticket#{ticket.number}] Re: Drucker läuft nicht 🖨"
    assert str(message["From"]) == "WLAN-Support Universität <wlan@helpdesk.example.org>"
    assert message["In-Reply-To"] == "<orig@example.org>"
    assert message["References"] == "<orig@example.org>"
    assert message["Message-ID"] == article.message_id
    assert message["X-Loop"] == "sportello"
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Hallo Jürgen Çelik,\n\nBitte neu starten.\n\nViele Grüße\nErika Muster")
    assert "> Das WLAN geht nicht." in body
    ticket.refresh_from_db()
    # Answering takes the lock, makes the agent owner, and a new ticket becomes open.
    assert ticket.lock == Lock.LOCK and ticket.owner == actor.user
    assert ticket.state.name == "open"
    assert ticket.history.filter(type="SendAnswer", article=article).count() == 1
    assert OutboxMessage.objects.get(article=article).status == OutboxStatus.SENT


def test_answers_survive_a_stopped_server_and_arrive_exactly_once(
    wlan: Queue,
    actor: Actor,
    customer: CustomerUser,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    sink = SmtpSink()
    sink.configure(settings)  # configured, but not started: connection refused
    tickets = [make_ticket(wlan, actor, customer_user_id="jürgen") for _ in range(3)]
    for ticket in tickets:
        answer(ticket, actor, django_capture_on_commit_callbacks)
    messages = OutboxMessage.objects.order_by("id")
    assert [m.status for m in messages] == [OutboxStatus.RETRYING] * 3
    assert all("Connection refused" in m.last_error or "Errno" in m.last_error for m in messages)
    assert all(m.next_attempt_at > timezone.now() for m in messages)
    sink.start()
    try:
        assert send_due().sent == 0  # not due yet
        OutboxMessage.objects.update(next_attempt_at=timezone.now())  # time passes
        report = send_due()
        assert (report.sent, report.retrying, report.failed) == (3, 0, 0)
        assert send_due().sent == 0
        ids = sorted(r.message["Message-ID"] for r in sink.received)
        assert ids == sorted(m.message_id for m in messages)
    finally:
        sink.stop()


def test_a_stale_claim_is_sent_again_at_least_once(
    wlan: Queue,
    actor: Actor,
    customer: CustomerUser,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(wlan, actor, customer_user_id="jürgen")
    with django_capture_on_commit_callbacks(execute=False):
        send_answer(ticket, actor=actor, text="x", to=["juergen@example.org"])
    message = OutboxMessage.objects.get()
    # A worker claimed it and died before marking it sent.
    OutboxMessage.objects.update(
        status=OutboxStatus.SENDING, claimed_until=timezone.now() + timedelta(minutes=5)
    )
    assert send_one(message.pk) is None  # still claimed by the other worker
    OutboxMessage.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert send_one(message.pk) == OutboxStatus.SENT
    assert len(smtp_sink.received) == 1


def test_permanent_failure_marks_article_and_tells_its_author(
    wlan: Queue,
    agent: User,
    actor: Actor,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    smtp_sink.handler.refuse["nobody@example.org"] = "550 5.1.1 No such user"
    ticket = make_ticket(wlan, actor)
    article = answer(ticket, actor, django_capture_on_commit_callbacks, to=["nobody@example.org"])
    message = OutboxMessage.objects.get(article=article)
    assert message.status == OutboxStatus.FAILED and "550" in message.last_error
    assert Notification.objects.filter(agent=agent, type="delivery_failed").count() == 1
    # Nothing reached the refused address; the author was told by mail.
    assert [r.recipients for r in smtp_sink.received] == [[agent.email]]
    assert ticket.number in smtp_sink.received[0].message["Subject"] + str(
        smtp_sink.received[0].message.get_content()
    )


def test_without_smtp_the_message_is_written_as_eml(
    wlan: Queue, actor: Actor, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SPORTELLO_SMTP_HOST = ""
    ticket = make_ticket(wlan, actor)
    article = answer(ticket, actor, django_capture_on_commit_callbacks, to=["a@example.org"])
    files = list((settings.SPORTELLO_HOME / "outbox-sent").glob("*.eml"))
    assert len(files) == 1
    assert article.message_id.encode() in files[0].read_bytes()


def test_invalid_input_is_refused_without_side_effects(wlan: Queue, actor: Actor) -> None:
    from sportello.core.errors import InvalidInput

    ticket = make_ticket(wlan, actor)
    for to, text in ((["not-an-address"], "x"), ([], "x"), (["a@example.org"], "  ")):
        with pytest.raises(InvalidInput):
            send_answer(ticket, actor=actor, text=text, to=to)
    assert not OutboxMessage.objects.exists()
    assert ticket.articles.count() == 1


def test_retry_delay_grows_exponentially_with_a_cap() -> None:
    delays = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [60, 120, 240, 480]
    assert max(delays) == 3600


def test_send_outbox_command(
    wlan: Queue,
    actor: Actor,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from django.core.management import call_command

    ticket = make_ticket(wlan, actor)
    with django_capture_on_commit_callbacks(execute=False):
        send_answer(ticket, actor=actor, text="x", to=["a@example.org"])
    call_command("send_outbox")
    assert capsys.readouterr().out.strip() == '{"sent": 1, "retrying": 0, "failed": 0}'
    assert len(smtp_sink.received) == 1


def test_the_sweep_sends_in_batches_each_message_once(
    wlan: Queue,
    actor: Actor,
    customer: CustomerUser,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    tickets = [make_ticket(wlan, actor, customer_user_id="jürgen") for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=False):  # no consumer: left queued
        for ticket in tickets:
            send_answer(ticket, actor=actor, text="Bitte neu starten.", to=[customer.email])
    held = OutboxMessage.objects.order_by("id").first()
    assert held is not None
    # Another worker holds one of them: skipped, not sent twice.
    OutboxMessage.objects.filter(pk=held.pk).update(
        status=OutboxStatus.SENDING, claimed_until=timezone.now() + timedelta(minutes=5)
    )
    report = send_due(batch=2)
    assert (report.sent, report.retrying, report.failed) == (4, 0, 0)
    others = OutboxMessage.objects.exclude(pk=held.pk)
    assert {(m.status, m.attempts) for m in others} == {(OutboxStatus.SENT, 1)}
    assert all(m.sent_at is not None and m.claimed_until is None for m in others)
    received = sorted(r.message["Message-ID"] for r in smtp_sink.received)
    assert received == sorted(m.message_id for m in others)
    assert send_due(batch=2).sent == 0
