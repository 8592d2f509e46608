"""Article actions that send mail: reply (with template), reply-all, forward, bounce, and
master tickets answering their slaves' customers. Delivered to a real SMTP sink."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone, translation

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput
from sportello.mail import forwarding
from sportello.mail.actions import compose_body
from sportello.mail.ingest import ingest_message
from sportello.mail.models import OutboxMessage
from sportello.queues.models import Queue, Salutation, Signature, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.articles import raw_message
from sportello.tickets.models import Article, Ticket
from tests.mail.messages import mail
from tests.mail.smtp import SmtpSink
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def wlan(group: Group) -> Queue:
    address = SystemAddress.objects.create(
        email="wlan@helpdesk.example.org", display_name="WLAN-Support"
    )
    queue = ensure_queue(
        "IT::Network::WLAN",
        group=group,
        system_address=address,
        salutation=Salutation.objects.create(name="de", text="Hallo {{ customer.email }},"),
        signature=Signature.objects.create(name="de", text="Gruß\n{{ agent.first_name }}"),
    )
    address.queue = queue
    address.save()
    return queue


def ingested(commit: Any, **kwargs: Any) -> Article:
    with commit(execute=True):
        result = ingest_message(mail(**kwargs), queue_name="IT::Network::WLAN")
    return Ticket.objects.get(number=result.ticket).articles.order_by("-number").first()  # type: ignore[return-value]


def test_reply_all_quotes_keeps_attachments_and_skips_own_addresses(
    wlan: Queue, actor: Actor, smtp_sink: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    original = ingested(
        django_capture_on_commit_callbacks,
        to="wlan@helpdesk.example.org, kollegin@example.org",
        headers={"Cc": "chef@example.org"},
        attachments=[("fehler.png", "image/png", b"\x89PNG-data")],
    )
    to, cc = forwarding.reply_recipients(original, reply_all=True)
    assert to == ["max@example.org"] and cc == ["kollegin@example.org", "chef@example.org"]
    assert forwarding.reply_recipients(original, reply_all=False) == (["max@example.org"], [])
    with django_capture_on_commit_callbacks(execute=True):
        answer = forwarding.reply(
            original, actor=actor, text="Bitte neu starten.", to=to, cc=cc, keep_attachments=True
        )
    [received] = smtp_sink.received
    assert sorted(received.recipients) == sorted(["max@example.org", *cc])
    message = received.message
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert body.startswith("Hallo max@example.org,\n\nBitte neu starten.\n\nGruß\nErika")
    assert "> Hallo, das WLAN im Hörsaal geht nicht." in body
    assert [p.get_filename() for p in message.iter_attachments()] == ["fehler.png"]
    assert answer.attachments.get().filename == "fehler.png"
    assert answer.ticket.history.filter(type="SendAnswer", article=answer).count() == 1


def test_forward_with_attachments_to_any_address(
    wlan: Queue, actor: Actor, smtp_sink: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    original = ingested(
        django_capture_on_commit_callbacks, attachments=[("log.txt", "text/plain", b"log")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        article = forwarding.forward(
            original, actor=actor, to=["netz@example.net"], text="Bitte prüfen."
        )
    [received] = smtp_sink.received
    assert received.recipients == ["netz@example.net"]
    message = received.message
    assert message["Subject"].startswith(f"[Ticket#{original.ticket.number}] Fwd: ")
    body = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert body.startswith("Bitte prüfen.") and "Forwarded message" in body
    assert "Hörsaal" in body
    assert [p.get_content() for p in message.iter_attachments()] == ["log"]
    assert not article.visible_for_customer
    row = article.ticket.history.get(type="Forward")
    assert row.article == article and "netz@example.net" in row.comment
    ticket = Ticket.objects.get(pk=article.ticket_id)
    assert ticket.is_locked and ticket.owner == actor.user
    with pytest.raises(InvalidInput):
        forwarding.forward(original, actor=actor, to=["not an address"])


@pytest.mark.parametrize("in_database_max", [0, 64 * 1024])
def test_bounce_sends_the_original_bytes_unchanged(
    wlan: Queue,
    actor: Actor,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    in_database_max: int,
) -> None:
    settings.SPORTELLO_RAW_IN_DATABASE_MAX = in_database_max  # from a file, or from the row
    original = ingested(django_capture_on_commit_callbacks, subject="Umleiten bitte")
    raw = raw_message(original)
    assert raw is not None and bool(original.raw_source) is (in_database_max == 0)
    with django_capture_on_commit_callbacks(execute=True):
        forwarding.bounce(original, actor=actor, to="zweite@example.net")
    [received] = smtp_sink.received
    assert received.recipients == ["zweite@example.net"]
    assert received.envelope_from == "wlan@helpdesk.example.org"
    # SMTP itself ends DATA with a line break; the message is otherwise byte for byte the same.
    assert received.data.replace(b"\r\n", b"\n").rstrip(b"\n") == raw.replace(
        b"\r\n", b"\n"
    ).rstrip(b"\n")
    row = original.ticket.history.get(type="Bounce")
    assert row.new_value == "zweite@example.net" and row.article == original
    note = actions.note(original.ticket, actor=actor, body="no raw source")
    with pytest.raises(InvalidInput, match="original message"):
        forwarding.bounce(note, actor=actor, to="x@example.net")


def test_article_actions_are_refused_while_locked_by_another(
    wlan: Queue, actor: Actor, other_agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    original = ingested(django_capture_on_commit_callbacks)
    actions.lock(original.ticket, actor=Actor(user=other_agent))
    with pytest.raises(Conflict, match="locked by Paolo Verdi"):
        forwarding.forward(original, actor=actor, to=["a@example.net"])
    with pytest.raises(Conflict, match="locked by Paolo Verdi"):
        forwarding.bounce(original, actor=actor, to="a@example.net")
    assert not OutboxMessage.objects.exists()


def test_master_answer_reaches_every_slave_customer(
    wlan: Queue, actor: Actor, smtp_sink: SmtpSink, django_capture_on_commit_callbacks: Any
) -> None:
    master = make_ticket(wlan, actor, customer_user_id="a@example.org")
    slaves = [
        make_ticket(wlan, actor, customer_user_id=address)
        for address in ("b@example.org", "c@example.org")
    ]
    actions.set_master(master, actor=actor)
    for slave in slaves:
        actions.set_slave(slave, master, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        forwarding.reply(
            master.articles.get(), actor=actor, text="Störung behoben.", to=["a@example.org"]
        )
    by_recipient = {r.recipients[0]: r.message for r in smtp_sink.received}
    assert set(by_recipient) == {"a@example.org", "b@example.org", "c@example.org"}
    for address, message in by_recipient.items():
        body = message.get_content().replace("\r\n", "\n")
        assert f"Hallo {address}," in body and "Störung behoben." in body
    for slave in slaves:
        assert Ticket.objects.get(pk=slave.pk).history.filter(type="SendAnswer").count() == 1


def test_templates_of_the_queue(wlan: Queue) -> None:
    from sportello.mail.models import StandardTemplate

    mine = StandardTemplate.objects.create(name="Neustart", type="answer", text="Neu starten")
    mine.queues.add(wlan)
    StandardTemplate.objects.create(name="Elsewhere", type="answer", text="x")
    StandardTemplate.objects.create(name="Off", type="answer", valid=False).queues.add(wlan)
    ticket = make_ticket(wlan, Actor.system("mail"))
    assert forwarding.templates_for(ticket) == [mine]


def test_quoted_and_forwarded_dates_are_in_the_systems_zone(
    wlan: Queue, actor: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    original = ingested(django_capture_on_commit_callbacks)
    system = formats.date_format(
        timezone.localtime(original.created, timezone.get_default_timezone()), "DATETIME_FORMAT"
    )
    # The agent reads in Tokyo; the customer's mail still says the system's time.
    with timezone.override(ZoneInfo("Asia/Tokyo")), translation.override("en"):
        tokyo = formats.date_format(timezone.localtime(original.created), "DATETIME_FORMAT")
        assert tokyo != system
        quoted = compose_body(original.ticket, "Ok.", agent_actor=actor, quoted=original)
        forwarded = forwarding.forward_body(original, "Ok.")
    assert system in quoted and tokyo not in quoted
    assert system in forwarded and tokyo not in forwarded
