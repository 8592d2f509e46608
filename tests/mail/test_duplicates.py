"""A duplicate is one message delivered twice; a different mail that reuses a Message-ID
is filed. Whatever is not filed normally says why, in the result and the failed-mail list."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from sportello.accounts.models import Group
from sportello.cli import main
from sportello.mail.ingest import ingest_message
from sportello.mail.models import FailedMail, FailedMailStatus, PostmasterFilter
from sportello.mail.parsing import parse_message
from sportello.mail.retry import retry_spool
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Article, Ticket
from tests.mail.messages import mail

pytestmark = pytest.mark.django_db

SAME_ID = "<notification-4711@tracker.example.org>"


@pytest.fixture
def wlan(group: Group) -> Queue:
    queue = ensure_queue("IT::Network::WLAN", group=group)
    SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=queue)
    return queue


@pytest.fixture
def web(group: Group) -> Queue:
    queue = ensure_queue("IT::Web", group=group)
    SystemAddress.objects.create(email="web@helpdesk.example.org", queue=queue)
    return queue


def test_mails_reusing_a_message_id_with_another_subject_are_all_filed(wlan: Queue) -> None:
    # Trackers and service desks send notifications with one ID and one body.
    results = [
        ingest_message(mail(message_id=SAME_ID, subject=f"Issue 4711 changed ({n})"))
        for n in range(3)
    ]
    assert [r.result for r in results] == ["new", "new", "new"]
    assert len({r.ticket for r in results}) == 3
    assert Article.objects.filter(message_id=SAME_ID).count() == 3
    assert not FailedMail.objects.exists()


@pytest.mark.parametrize(
    "changed",
    [
        {"sender": "Other Sender <other@example.org>"},
        {"to": "wlan@helpdesk.example.org, boss@example.org"},
        {"headers": {"Cc": "someone@example.org"}},
        {"body": "Hallo, das WLAN im Hörsaal geht wieder nicht."},
        {"subject": "WLAN geht nicht (2)"},
    ],
)
def test_a_different_identity_header_or_body_is_a_different_mail(
    wlan: Queue, changed: dict[str, Any]
) -> None:
    first = ingest_message(mail(message_id=SAME_ID))
    second = ingest_message(mail(message_id=SAME_ID, **changed))
    assert (first.result, second.result) == ("new", "new")
    assert first.ticket != second.ticket


def test_another_date_is_a_different_mail(wlan: Queue) -> None:
    raw = mail(message_id=SAME_ID)
    later = raw.replace(b"10:00:00 +0100", b"10:05:00 +0100")
    assert later != raw
    assert [ingest_message(r).result for r in (raw, later)] == ["new", "new"]


@pytest.mark.parametrize(
    "redeliver",
    [
        lambda raw: raw,  # a retried pipe
        lambda raw: b"Received: from mx2.example.org by mx1.example.org\r\n" + raw,
        lambda raw: b"Delivered-To: wlan@helpdesk.example.org\nStatus: RO\n" + raw,
        lambda raw: raw.replace(b"\r\n", b"\n"),  # a pipe hands LF, IMAP CRLF
        lambda raw: raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n",
    ],
)
def test_a_second_delivery_is_a_duplicate_with_its_reason(wlan: Queue, redeliver: Any) -> None:
    raw = mail(message_id=SAME_ID).replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
    first = ingest_message(raw)
    again = ingest_message(redeliver(raw), source="imap:helpdesk")
    assert again.result == "duplicate"
    assert (again.ticket, again.article) == (first.ticket, 1)
    assert again.reason.startswith("duplicate:")
    assert SAME_ID in again.reason and first.ticket in again.reason
    assert Article.objects.count() == 1
    record = FailedMail.objects.get()
    assert (record.status, record.ticket_number, record.message_id) == (
        FailedMailStatus.DUPLICATE,
        first.ticket,
        SAME_ID,
    )
    assert record.error == again.reason and record.source == "imap:helpdesk"
    assert record.subject == "WLAN geht nicht" and record.from_address == "max@example.org"
    assert not record.raw  # the article holds the message


def test_a_message_without_id_is_a_duplicate_only_byte_for_byte(wlan: Queue) -> None:
    raw = mail().replace(b"Message-ID:", b"X-No-ID:")
    first = ingest_message(raw)
    again = ingest_message(raw)
    assert (first.result, again.result) == ("new", "duplicate")
    assert "no Message-ID" in again.reason
    relayed = ingest_message(b"Received: from mx2.example.org\r\n" + raw)
    assert relayed.result == "new"


def test_one_message_to_two_system_addresses_is_one_ticket(wlan: Queue, web: Queue) -> None:
    # Delivered once per system address (two mailboxes, two aliases): each copy carries
    # its own envelope recipient, which routes to its own queue. The first copy files the
    # ticket, the second is reported as its duplicate.
    raw = mail(to="wlan@helpdesk.example.org, web@helpdesk.example.org", message_id=SAME_ID)
    first = ingest_message(b"Delivered-To: web@helpdesk.example.org\r\n" + raw)
    second = ingest_message(b"Delivered-To: wlan@helpdesk.example.org\r\n" + raw)
    assert (first.result, second.result) == ("new", "duplicate")
    assert second.ticket == first.ticket
    assert Ticket.objects.get().queue == web
    assert FailedMail.objects.get().status == FailedMailStatus.DUPLICATE


def test_fingerprint_uses_headers_as_written_not_their_decoding() -> None:
    # An improved decoder must not turn a second delivery into a new mail; a refolded
    # header is the same header.
    raw = mail(message_id=SAME_ID, subject="x").replace(
        b"Subject: x", b"Subject: =?GB2312?B?suLK1A==?= =?GB2312?B?suLK1A==?="
    )
    refolded = raw.replace(b"?= =?", b"?=\r\n =?")
    assert parse_message(raw).content_hash == parse_message(refolded).content_hash
    other = raw.replace(b"suLK1A==?= ", b"suLK1B==?= ")
    assert parse_message(raw).content_hash != parse_message(other).content_hash


def test_ignored_mail_names_the_filter_and_is_listed(wlan: Queue) -> None:
    PostmasterFilter.objects.create(
        name="spam", matches=[{"header": "Body", "pattern": "viagra"}], sets={"ignore": True}
    )
    result = ingest_message(mail(body="cheap viagra"))
    assert result.result == "ignored"
    assert result.reason == "ignored by postmaster filter 'spam'"
    record = FailedMail.objects.get()
    assert (record.status, record.ticket_number, record.error) == (
        FailedMailStatus.IGNORED,
        result.ticket,
        result.reason,
    )


def test_ignored_by_trusted_header(wlan: Queue) -> None:
    result = ingest_message(mail(headers={"X-Sportello-Ignore": "yes"}), trusted=True)
    assert result.reason == "ignored by header X-Sportello-Ignore"


def test_loop_and_automatic_mail_say_why(wlan: Queue, settings: Any) -> None:
    looped = ingest_message(mail(headers={"X-Loop": settings.SPORTELLO_LOOP_ID}))
    assert looped.result == "new"
    assert looped.reason == (
        f"automatic mail (mail loop, X-Loop: {settings.SPORTELLO_LOOP_ID}): no auto-response"
    )
    auto = ingest_message(mail(headers={"Auto-Submitted": "auto-replied"}))
    assert "Auto-Submitted: auto-replied" in auto.reason
    assert ingest_message(mail()).reason == ""


def test_records_are_not_retried(wlan: Queue) -> None:
    raw = mail()
    ingest_message(raw)
    ingest_message(raw)
    report = retry_spool()
    assert (report.processed, report.failed) == (0, 0)
    assert FailedMail.objects.get().status == FailedMailStatus.DUPLICATE


@pytest.mark.usefixtures("keep_connections")
def test_the_result_line_carries_the_reason(
    wlan: Queue, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = mail()
    lines = []
    for _ in range(2):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        with pytest.raises(SystemExit) as exit_:
            main(["sportello", "ingest_mail"])
        assert exit_.value.code == 0
        lines.append(json.loads(capsys.readouterr().out))
    assert "reason" not in lines[0]
    assert lines[1]["result"] == "duplicate" and lines[1]["ticket"] == lines[0]["ticket"]
    assert lines[1]["reason"].startswith("duplicate: the same message")


def test_the_admin_lists_dropped_mail_and_does_not_retry_it(wlan: Queue, admin_client: Any) -> None:
    raw = mail(subject="zweimal zugestellt")
    first = ingest_message(raw)
    ingest_message(raw)
    record = FailedMail.objects.get()
    url = reverse("admin:mail_failedmail_changelist")
    page = admin_client.get(url, {"status": FailedMailStatus.DUPLICATE}).content.decode()
    assert "zweimal zugestellt" in page and first.ticket in page
    detail = admin_client.get(reverse("admin:mail_failedmail_change", args=[record.pk]))
    assert escape(record.error) in detail.content.decode()
    response = admin_client.post(
        url, {"action": "retry", "_selected_action": [record.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Article.objects.count() == 1
    record.refresh_from_db()
    assert record.status == FailedMailStatus.DUPLICATE and record.attempts == 1
