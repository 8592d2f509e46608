"""The mail workloads on a small scale: generated mail threads as it should, answers all
reach the SMTP sink. (Two ingest processes need a committed database: run by hand.)"""

from __future__ import annotations

import re
from collections import Counter
from email import message_from_bytes, policy

import pytest
from bench.mailgen import Kind, Sender, generate
from bench.workloads.ingest import Setup, prepare, run_ingest
from bench.workloads.outbox import run_outbox
from django.db import connection

from sportello.mail.models import OutboxMessage, OutboxStatus
from sportello.tickets.models import Article, Attachment, Ticket

MESSAGES = 60
MAILBOXES = {
    "wlan": "WLAN Support <wlan@helpdesk.example.org>",
    "printing": "Printing Support <printing@helpdesk.example.org>",
}
SENDERS = [
    Sender("Jürgen Müller", "jm@fau.example.org", "de"),
    Sender("Niccolò Rossi", "nr@unimi.example.org", "it"),
    Sender("Zoë Evans", "ze@ed.example.ac.uk", "en"),
]


def test_mix_charsets_and_attachments_are_as_specified() -> None:
    mailset = generate(MESSAGES, senders=SENDERS, mailboxes=MAILBOXES, hook="Ticket#", seed=3)
    kinds = {"new": 36, "reply_subject": 9, "reply_references": 9, "auto_reply": 3}
    assert mailset.kinds() == {**kinds, "duplicate": 3}
    numbers = {m.message_id: "2026011210000016" for m in mailset.mails if m.kind is Kind.NEW}
    charsets: set[str] = set()
    encoded_words: set[str] = set()
    attachments = []
    earlier: set[str] = set()
    for mail in mailset.mails:
        raw = mail.render(numbers, mailset.blobs)
        message = message_from_bytes(raw, policy=policy.default)
        charsets.update(str(part.get_content_charset()) for part in message.walk())
        head = raw.split(b"\n\n", 1)[0].decode("ascii")
        encoded_words.update(c.lower() for c in re.findall(r"=\?([\w-]+)\?[QB]\?", head, re.I))
        subject = str(message["Subject"])
        if mail.kind in (Kind.REPLY_SUBJECT, Kind.AUTO_REPLY):
            assert "[Ticket#2026011210000016] Re: " in subject
        elif mail.kind is Kind.REPLY_REFERENCES:
            assert "[Ticket#" not in subject and message["In-Reply-To"] in earlier
        elif mail.kind is Kind.NEW:
            assert "[Ticket#" not in subject
        earlier.add(mail.message_id)
        attachments += [len(p.get_content()) for p in message.iter_attachments()]
    assert {"utf-8", "iso-8859-1", "iso-8859-15", "windows-1252"} <= charsets
    assert {"utf-8", "iso-8859-1", "iso-8859-15", "windows-1252"} <= encoded_words
    originals = [m for m in mailset.mails if m.kind is not Kind.DUPLICATE]
    assert sum(m.blob is not None for m in originals) == round(len(originals) * 0.2)
    assert attachments and all(50 * 1024 <= size <= 500 * 1024 for size in attachments)


def test_partitions_keep_conversations_whole_and_in_order() -> None:
    mailset = generate(400, senders=SENDERS, mailboxes=MAILBOXES, hook="Ticket#", seed=5)
    parts = mailset.partition(2)
    assert sorted(m.index for part in parts for m in part) == list(range(400))
    for part in parts:
        seen: set[str] = set()
        for mail in part:
            if mail.kind is Kind.NEW:
                seen.add(mail.message_id)
            else:
                assert mail.root_id in seen  # its original came first, in this process


@pytest.fixture
def setup(db: None) -> Setup:
    return prepare(customers=40)


@pytest.mark.django_db
def test_ingest_files_every_reply_into_its_ticket(setup: Setup) -> None:
    report = run_ingest(setup, messages=MESSAGES, seed=3, run="t")
    mailset = report.mailset
    assert report.threading.errors == 0, report.threading.examples
    assert report.threading.checked == MESSAGES - mailset.kinds()["duplicate"]
    expected = {"new": 36, "followup": 21, "duplicate": 3}
    assert report.stream.results == mailset.expected() == expected
    assert report.unexpected() == 0
    assert Ticket.objects.count() == 36
    # Every stored message by its Message-ID, in the ticket its conversation began.
    articles = {a.message_id: a for a in Article.objects.select_related("ticket")}
    tickets = {m.conversation: articles[m.root_id].ticket for m in mailset.mails}
    for mail in mailset.mails:
        article = articles[mail.message_id]
        assert article.ticket == tickets[mail.conversation]
        if mail.kind is Kind.DUPLICATE:
            continue
        if mail.kind in (Kind.REPLY_SUBJECT, Kind.AUTO_REPLY):
            assert article.ticket.number in article.subject
        assert article.is_automatic == (mail.kind is Kind.AUTO_REPLY)
    # Charsets and RFC 2047 words decoded, not left as mojibake or encoded words.
    for article in articles.values():
        for text in (article.subject, article.from_address, article.body):
            assert "=?" not in text and "Ã" not in text and "\ufffd" not in text
    stored = list(Attachment.objects.values_list("size", flat=True))
    assert len(stored) == sum(m.blob is not None for m in mailset.mails)
    assert all(50 * 1024 <= size <= 500 * 1024 for size in stored)
    figures = report.figures()
    assert figures["threading_errors"] == 0 and figures["messages"] == MESSAGES
    assert (figures["new"], figures["followup"], figures["duplicate"]) == (36, 21, 3)
    server_cpu = figures["server_cpu_ms_per_message"]
    if connection.vendor == "postgresql":  # the test server runs on this machine
        assert isinstance(server_cpu, float) and server_cpu > 0
    else:
        assert server_cpu == "not measured"


@pytest.mark.django_db
def test_outbox_sends_every_answer_once() -> None:
    report = run_outbox(messages=MESSAGES, per_ticket=2, customers=20)
    assert (report.tickets, report.answers, report.queued) == (30, MESSAGES, MESSAGES)
    assert (report.sent, report.retrying, report.failed) == (MESSAGES, 0, 0)
    assert report.sink_received == report.sink_answers == MESSAGES
    statuses = Counter(OutboxMessage.objects.values_list("status", flat=True))
    assert statuses == {OutboxStatus.SENT: MESSAGES}
    figures = report.figures()
    assert figures["sink_ok"] == 1 and min(report.answer_seconds) > 0
