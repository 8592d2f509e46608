from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.mail import ingest
from sportello.mail.events import MailFiled, MailTooLarge
from sportello.mail.ingest import DatabaseUnavailable, ingest_message
from sportello.mail.models import FailedMail, FailedMailStatus, PostmasterFilter
from sportello.mail.retry import retry_spool
from sportello.mail.spool import spooled_files
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput, raw_message
from sportello.tickets.models import Article, History, Ticket
from sportello.tickets.selectors import state_by_name
from tests.mail.messages import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def wlan(group: Group) -> Queue:
    queue = ensure_queue("IT::Network::WLAN", group=group)
    SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=queue)
    return queue


def counts() -> tuple[int, int, int]:
    return Ticket.objects.count(), Article.objects.count(), History.objects.count()


def test_new_ticket_routed_by_recipient(wlan: Queue) -> None:
    company = CustomerCompany.objects.create(customer_id="FAU", name="FAU")
    CustomerUser.objects.create(login="mmuster", email="max@example.org", company=company)
    result = ingest_message(mail(attachments=[("Foto ü.png", "image/png", b"\x89PNG data")]))
    assert result.result == "new" and result.article == 1
    ticket = Ticket.objects.get(number=result.ticket)
    assert ticket.queue == wlan and ticket.state.name == "new"
    assert ticket.title == "WLAN geht nicht"
    assert (ticket.customer_user_id, ticket.customer_company_id) == ("mmuster", "FAU")
    article = ticket.articles.get()
    assert article.channel == "email" and article.sender_type == "customer"
    assert article.visible_for_customer and not article.is_automatic
    assert "Hörsaal" in article.body
    assert [a.filename for a in article.attachments.all()] == ["Foto ü.png"]
    assert [h.type for h in ticket.history.order_by("id")] == ["NewTicket", "EmailCustomer"]
    assert ticket.history.first().channel == "mail"  # type: ignore[union-attr]


@pytest.mark.parametrize("in_database_max", [0, 64 * 1024])
def test_raw_message_is_stored_unchanged(wlan: Queue, settings: Any, in_database_max: int) -> None:
    # Small messages stay in the article's row, larger ones go to a file: same bytes.
    settings.SPORTELLO_RAW_IN_DATABASE_MAX = in_database_max
    raw = mail()
    result = ingest_message(raw)
    article = Article.objects.get(ticket__number=result.ticket)
    assert raw_message(article) == raw and article.raw_size == len(raw)
    assert bool(article.raw_source) is (in_database_max == 0)
    if article.raw_source:
        with article.raw_source.open("rb") as handle:
            assert handle.read() == raw
    else:
        assert Article.objects.values_list("raw_data", flat=True).get(pk=article.pk) == raw


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Cc", "wlan@helpdesk.example.org"),
        ("Delivered-To", "wlan@helpdesk.example.org"),
        ("X-Original-To", "WLAN@helpdesk.example.org"),
        ("Envelope-To", "wlan@helpdesk.example.org"),
    ],
)
def test_routing_uses_every_recipient_header(wlan: Queue, header: str, value: str) -> None:
    result = ingest_message(mail(to="someone@else.example", headers={header: value}))
    assert Ticket.objects.get(number=result.ticket).queue == wlan


def test_unknown_recipient_goes_to_raw_and_forced_queue_wins(wlan: Queue) -> None:
    result = ingest_message(mail(to="nobody@example.net"))
    assert Ticket.objects.get(number=result.ticket).queue.full_name == "Raw"
    result = ingest_message(mail(), queue_name="Misc")
    assert Ticket.objects.get(number=result.ticket).queue.full_name == "Misc"
    assert Ticket.objects.get(number=ingest_message(mail()).ticket).customer_user_id == (
        "max@example.org"
    )


@pytest.mark.parametrize(
    "template",
    [
        "Re: [Ticket#{n}] WLAN",
        "AW: [Ticket#{n}] WLAN",
        "R: [Ticket#{n}] WLAN",
        "Antw: Ticket#{n}",
        "WG: RE: [Ticket#: {n}] x",
        "I: ticket#{n}",
        "Fwd: [Ticket# {n}]",
    ],
)
def test_follow_up_by_ticket_number_in_subject(wlan: Queue, template: str) -> None:
    first = ingest_message(mail())
    result = ingest_message(mail(subject=template.format(n=first.ticket), to="x@example.net"))
    assert (result.result, result.ticket, result.article) == ("followup", first.ticket, 2)
    ticket = Ticket.objects.get(number=first.ticket)
    assert ticket.history.order_by("id").last().type == "FollowUp"  # type: ignore[union-attr]
    assert ticket.state.name == "new"  # a follow-up on a new ticket keeps it new


def test_wrong_check_digit_is_not_a_follow_up(wlan: Queue) -> None:
    first = ingest_message(mail())
    wrong = first.ticket[:-1] + str((int(first.ticket[-1]) + 1) % 10)
    assert ingest_message(mail(subject=f"Re: [Ticket#{wrong}]")).result == "new"


def test_follow_up_by_in_reply_to_and_references(wlan: Queue) -> None:
    first = ingest_message(mail(message_id="<orig@example.org>"))
    ticket = Ticket.objects.get(number=first.ticket)
    answer = actions.add_article(
        ticket,
        ArticleInput(
            channel="email",
            sender_type="agent",
            body="Antwort",
            message_id="<answer@helpdesk.example.org>",
            visible_for_customer=True,
        ),
        actor=Actor.system("mail"),
    )
    assert answer.number == 2
    by_reply = ingest_message(
        mail(subject="Re: WLAN", headers={"In-Reply-To": "<answer@helpdesk.example.org>"})
    )
    assert (by_reply.result, by_reply.ticket) == ("followup", first.ticket)
    by_refs = ingest_message(
        mail(subject="nochmal", headers={"References": "<zzz@x> <orig@example.org> <u@x>"})
    )
    assert (by_refs.result, by_refs.ticket) == ("followup", first.ticket)


def test_follow_up_to_merged_ticket_goes_to_target(wlan: Queue) -> None:
    source = Ticket.objects.get(number=ingest_message(mail()).ticket)
    target = Ticket.objects.get(number=ingest_message(mail(subject="zweites")).ticket)
    Ticket.objects.filter(pk=source.pk).update(merged_into=target, state=state_by_name("merged"))
    result = ingest_message(mail(subject=f"Re: [Ticket#{source.number}]"))
    assert (result.result, result.ticket) == ("followup", target.number)


def test_same_message_twice_is_one_article(wlan: Queue) -> None:
    raw = mail()
    first = ingest_message(raw)
    again = ingest_message(raw)
    assert again.result == "duplicate"
    assert (again.ticket, again.article) == (first.ticket, first.article)
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"X-Loop": "sportello"},
        {"X-Autoreply": "yes"},
        {"List-Id": "<list.example.org>"},
    ],
)
def test_automatic_mail_is_flagged_and_never_reopens(
    wlan: Queue,
    headers: dict[str, str],
    published: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    first = Ticket.objects.get(number=ingest_message(mail()).ticket)
    actions.set_state(first, state_by_name("closed successful"), actor=Actor.system("job"))
    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_message(mail(subject=f"Re: [Ticket#{first.number}]", headers=headers))
    article = Article.objects.get(ticket=first, number=result.article)
    assert article.is_automatic
    first.refresh_from_db()
    assert first.state.name == "closed successful"
    assert [e.auto_response for e in published if isinstance(e, MailFiled)] == [""]


def test_mailer_daemon_is_automatic(wlan: Queue) -> None:
    result = ingest_message(mail(sender="MAILER-DAEMON@mx.example.org"))
    assert Article.objects.get(ticket__number=result.ticket).is_automatic


def test_postmaster_filters_set_attributes_and_ignore(wlan: Queue) -> None:
    ensure_queue("IT::Web", group=wlan.group)
    PostmasterFilter.objects.create(
        name="web",
        order=1,
        matches=[{"header": "Subject", "pattern": r"webseite|website"}],
        sets={"queue": "IT::Web", "priority": "4 high", "type": "Incident"},
    )
    PostmasterFilter.objects.create(
        name="spam",
        order=2,
        matches=[{"header": "Body", "pattern": "viagra"}],
        sets={"ignore": True},
    )
    web = Ticket.objects.get(number=ingest_message(mail(subject="Website kaputt")).ticket)
    assert (web.queue.full_name, web.priority.name, web.type.name) == (
        "IT::Web",
        "4 high",
        "Incident",
    )
    spam = ingest_message(mail(body="cheap viagra"))
    assert spam.result == "ignored"
    assert Ticket.objects.get(number=spam.ticket).queue.full_name == "Junk"
    plain = Ticket.objects.get(number=ingest_message(mail()).ticket)
    assert plain.queue == wlan


def test_x_sportello_headers_only_from_trusted_sources(wlan: Queue) -> None:
    headers = {"X-Sportello-Queue": "Misc", "X-Sportello-Priority": "5 very high"}
    untrusted = Ticket.objects.get(number=ingest_message(mail(headers=headers)).ticket)
    assert untrusted.queue == wlan and untrusted.priority.name == "3 normal"
    trusted = Ticket.objects.get(number=ingest_message(mail(headers=headers), trusted=True).ticket)
    assert trusted.queue.full_name == "Misc" and trusted.priority.name == "5 very high"


def test_exception_midway_spools_whole_message_and_stores_nothing(
    wlan: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = mail(attachments=[("a.pdf", "application/pdf", b"%PDF")])
    before = counts()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full while storing the attachment")

    monkeypatch.setattr("sportello.tickets.articles.store_attachment", broken)
    result = ingest_message(raw)
    assert result.result == "spooled"
    assert counts() == before  # nothing half stored: no ticket, article or history row
    failed = FailedMail.objects.get()
    assert failed.status == FailedMailStatus.FAILED and "disk full" in failed.error
    assert failed.raw.open("rb").read() == raw and failed.subject == "WLAN geht nicht"
    monkeypatch.undo()
    report = retry_spool()
    assert (report.processed, report.failed) == (1, 0)
    failed.refresh_from_db()
    assert failed.status == FailedMailStatus.RETRIED and failed.ticket_number
    assert Ticket.objects.filter(number=failed.ticket_number).exists()
    assert retry_spool().processed == 0  # idempotent


def test_database_gone_midway_spools_to_files(wlan: Queue, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = mail()
    before = counts()

    def connection_lost(*args: object, **kwargs: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(ingest.followup, "find_ticket", connection_lost)
    monkeypatch.setattr(ingest, "spool_to_database", connection_lost)
    assert ingest_message(raw).result == "spooled"
    assert counts() == before and not FailedMail.objects.exists()
    [(path, meta)] = list(spooled_files())
    assert path.read_bytes() == raw and "server closed" in meta["error"]
    monkeypatch.undo()
    assert retry_spool().processed == 1
    assert list(spooled_files()) == []
    assert Ticket.objects.count() == before[0] + 1


def test_unreachable_database_raises_before_anything(
    monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    def refuse() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(ingest.connection, "ensure_connection", refuse)
    with pytest.raises(DatabaseUnavailable):
        ingest_message(mail())


def test_too_large_message_is_spooled_and_reported(
    wlan: Queue, settings: Any, published: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    settings.SPORTELLO_MAIL_MAX_SIZE = 2000
    raw = mail(attachments=[("big.bin", "application/octet-stream", b"x" * 5000)])
    with django_capture_on_commit_callbacks(execute=True):
        assert ingest_message(raw).result == "spooled"
    failed = FailedMail.objects.get()
    assert failed.status == FailedMailStatus.TOO_LARGE and failed.size == len(raw)
    [event] = [e for e in published if isinstance(e, MailTooLarge)]
    assert event.sender == "max@example.org" and event.size == len(raw)
    assert not Ticket.objects.exists()
    settings.SPORTELLO_MAIL_MAX_SIZE = 10_000_000
    assert retry_spool().processed == 1


def test_long_subject_emoji_and_big_attachment_are_stored(wlan: Queue) -> None:
    subject = "🖨 Drucker " + "kaputt " * 800
    data = b"\x00\x01binary" * (10 * 2**20 // 8)
    result = ingest_message(
        mail(subject=subject, attachments=[("scan.pdf", "application/pdf", data)])
    )
    ticket = Ticket.objects.get(number=result.ticket)
    assert len(ticket.title) == Ticket._meta.get_field("title").max_length
    assert ticket.title.startswith("🖨 Drucker kaputt") and ticket.title.endswith("…")
    article = ticket.articles.get()
    assert article.subject == subject.strip()
    (attachment,) = article.attachments.all()
    assert attachment.size == len(data)
    with attachment.file.open("rb") as handle:
        assert handle.read() == data


def test_message_without_sender_date_or_id_becomes_a_ticket(wlan: Queue) -> None:
    raw = b"To: wlan@helpdesk.example.org\r\nSubject: anonym\r\n\r\nHallo\x00 Welt\r\n"
    result = ingest_message(raw)
    assert result.result == "new"
    article = Article.objects.get(ticket__number=result.ticket)
    assert article.body == "Hallo Welt\n" and article.from_address == ""
    assert ingest_message(raw).result == "duplicate"
