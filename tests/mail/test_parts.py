"""Parts of real mail: attached messages, delivery reports, parts without a name, file
names as senders meant them, Outlook's winmail.dat. Every message is built here."""

from __future__ import annotations

import struct
import unicodedata
from email.parser import BytesParser

import pytest

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.mail.ingest import ingest_message
from sportello.mail.parsing import parse_message
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.models import Article, Ticket
from sportello.tickets.selectors import state_by_name
from tests.mail.messages import mail


def multipart(*parts: bytes, subtype: bytes = b"mixed", extra: bytes = b"") -> bytes:
    body = b"".join(b"--b\r\n" + part + b"\r\n" for part in parts) + b"--b--\r\n"
    return (
        b"From: Max <max@example.org>\r\nTo: wlan@helpdesk.example.org\r\n"
        b"Subject: outer\r\nMessage-ID: <outer@example.org>\r\nMIME-Version: 1.0\r\n"
        + extra
        + b"Content-Type: multipart/"
        + subtype
        + b'; boundary="b"\r\n\r\n'
        + body
    )


TEXT = b"Content-Type: text/plain; charset=utf-8\r\n\r\nsee attached"
INNER = (
    b"From: Anna <anna@example.org>\r\nSubject: =?utf-8?Q?Drucker/Scanner_=C3=A4?=\r\n"
    b"Message-ID: <inner@example.org>\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="i"\r\n\r\n'
    b"--i\r\nContent-Type: text/plain\r\n\r\nthe forwarded text\r\n"
    b"--i\r\nContent-Type: application/pdf; name=scan.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0x\r\n--i--\r\n"
)


def test_attached_message_is_an_eml_named_after_its_subject() -> None:
    message = parse_message(multipart(TEXT, b"Content-Type: message/rfc822\r\n\r\n" + INNER))
    assert message.body_text == "see attached"
    (attachment,) = message.attachments
    assert (attachment.filename, attachment.content_type) == (
        "Drucker_Scanner ä.eml",
        "message/rfc822",
    )
    inner = BytesParser().parsebytes(attachment.payload())  # the whole message, both parts
    assert [p.get_content_type() for p in inner.walk()] == [
        "multipart/mixed",
        "text/plain",
        "application/pdf",
    ]
    assert inner.get_payload()[1].get_payload(decode=True) == b"%PDF-1"


def test_attached_message_without_subject_or_with_a_name() -> None:
    no_subject = INNER.replace(b"Subject:", b"X-Subject:")
    message = parse_message(multipart(TEXT, b"Content-Type: message/rfc822\r\n\r\n" + no_subject))
    assert message.attachments[0].filename == "file.eml"
    named = b'Content-Type: message/rfc822; name="Original.eml"\r\n\r\n' + INNER
    assert parse_message(multipart(TEXT, named)).attachments[0].filename == "Original.eml"


def test_forward_as_attachment_without_text_shows_the_forwarded_text() -> None:
    message = parse_message(multipart(b"Content-Type: message/rfc822\r\n\r\n" + INNER))
    assert message.body_text.strip() == "the forwarded text"
    assert [a.filename for a in message.attachments] == ["Drucker_Scanner ä.eml"]


REPORT = (
    b"Content-Type: message/delivery-status\r\n\r\n"
    b"Reporting-MTA: dns; mx.example.org\r\nArrival-Date: Sun, 22 Nov 2026 10:00:00 +0100\r\n"
    b"\r\nFinal-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
)


def returned(subject: bytes, message_id: bytes) -> bytes:
    return (
        b"From: wlan@helpdesk.example.org\r\nTo: gone@example.com\r\nSubject: "
        + subject
        + b"\r\nMessage-ID: "
        + message_id
        + b"\r\n\r\nOur answer.\r\n"
    )


def bounce(returned_part: bytes) -> bytes:
    return multipart(
        b"Content-Type: text/plain\r\n\r\nYour message could not be delivered.",
        REPORT,
        returned_part,
        subtype=b'report; report-type="delivery-status"',
        extra=b"",
    ).replace(b"From: Max <max@example.org>", b"From: MAILER-DAEMON@mx.example.org")


def test_delivery_report_keeps_its_parts() -> None:
    raw = bounce(
        b"Content-Type: message/rfc822\r\n\r\n"
        + returned(b"[Ticket#2026112210000013] WLAN", b"<answer@helpdesk.example.org>")
    )
    message = parse_message(raw)
    assert message.body_text.strip() == "Your message could not be delivered."
    status, original = message.attachments
    assert (status.filename, status.content_type) == (
        "delivery-status.txt",
        "message/delivery-status",
    )
    # Both field blocks: the message's and the recipient's.
    assert b"Reporting-MTA: dns; mx.example.org" in status.payload()
    assert b"Final-Recipient: rfc822; gone@example.com" in status.payload()
    assert original.filename == "[Ticket#2026112210000013] WLAN.eml"
    assert b"Our answer." in original.payload()
    assert message.returned_subject == "[Ticket#2026112210000013] WLAN"
    assert message.returned_message_id == "<answer@helpdesk.example.org>"


def test_returned_headers_are_kept_as_text() -> None:
    raw = bounce(
        b"Content-Type: text/rfc822-headers\r\n\r\n"
        + returned(b"WLAN", b"<answer@helpdesk.example.org>").split(b"\r\n\r\n")[0]
    )
    message = parse_message(raw)
    assert [(a.filename, a.content_type) for a in message.attachments][1] == (
        "returned-headers.txt",
        "text/rfc822-headers",
    )
    assert message.returned_message_id == "<answer@helpdesk.example.org>"


@pytest.fixture
def wlan(group: Group) -> Queue:
    queue = ensure_queue("IT::Network::WLAN", group=group)
    SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=queue)
    return queue


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["subject", "message-id"])
def test_a_bounce_is_filed_to_the_ticket_of_the_returned_message(wlan: Queue, by: str) -> None:
    first = ingest_message(mail())
    ticket = Ticket.objects.get(number=first.ticket)
    actions.set_state(ticket, state_by_name("closed successful"), actor=Actor.system("job"))
    message_id = Article.objects.get(ticket=ticket).message_id.encode()
    if by == "subject":
        part = returned(f"Re: [Ticket#{ticket.number}] WLAN".encode(), b"<elsewhere@x>")
    else:
        part = returned(b"Re: WLAN", message_id)
    result = ingest_message(bounce(b"Content-Type: message/rfc822\r\n\r\n" + part))
    assert (result.result, result.ticket) == ("followup", ticket.number)
    article = Article.objects.get(ticket=ticket, number=result.article)
    assert article.is_automatic
    assert sorted(a.filename for a in article.attachments.all()) == [
        "Re_ WLAN.eml" if by == "message-id" else f"Re_ [Ticket#{ticket.number}] WLAN.eml",
        "delivery-status.txt",
    ]
    ticket.refresh_from_db()
    assert ticket.state.name == "closed successful"  # a bounce never reopens


@pytest.mark.django_db
def test_a_forwarded_ticket_mail_from_a_customer_is_not_a_follow_up(wlan: Queue) -> None:
    ticket = ingest_message(mail()).ticket
    part = returned(f"[Ticket#{ticket}] WLAN".encode(), b"<elsewhere@x>")
    result = ingest_message(multipart(TEXT, b"Content-Type: message/rfc822\r\n\r\n" + part))
    assert result.result == "new" and result.ticket != ticket


@pytest.mark.parametrize(
    ("headers", "name"),
    [
        (b"Content-Type: application/octet-stream", "file.bin"),
        (b"Content-Type: image/gif", "image.gif"),
        (b"Content-Type: image/jpeg", "image.jpg"),
        (b"Content-Type: text/html\r\nContent-Disposition: attachment", "file.html"),
        (b"Content-Type: text/plain\r\nContent-Disposition: attachment", "file.txt"),
        (b"Content-Type: application/pdf", "file.pdf"),
        (b"Content-Type: application/x-no-such-type", "file.bin"),
    ],
)
def test_parts_without_a_name_get_one_from_their_type(headers: bytes, name: str) -> None:
    message = parse_message(multipart(TEXT, headers + b"\r\n\r\ndata"))
    assert [(a.filename, a.payload()) for a in message.attachments] == [(name, b"data")]


def test_inline_images_of_html_mail_stay_attachments_with_their_content_id() -> None:
    related = (
        b'Content-Type: multipart/related; boundary="r"\r\n\r\n'
        b'--r\r\nContent-Type: text/html\r\n\r\n<p>Logo <img src="cid:logo@x"></p>\r\n'
        b"--r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n--r--"
    )
    message = parse_message(multipart(related, subtype=b"alternative"))
    assert "Logo" in message.body_text
    (image,) = message.attachments
    assert (image.filename, image.content_id, image.inline, image.payload()) == (
        "image.png",
        "logo@x",
        True,
        b"\x89PNG",
    )


@pytest.mark.parametrize(
    ("disposition", "name"),
    [
        # RFC 2231 continuations, percent-encoded UTF-8 across the pieces.
        (
            b"attachment;\r\n filename*0*=UTF-8''Pr%C3%BCfungs;\r\n filename*1*=ordnung%20"
            b"%C3%9Cbersicht;\r\n filename*2=.pdf",
            "Prüfungsordnung Übersicht.pdf",
        ),
        # RFC 2231 labelled GB2312 with a GBK character.
        (b"attachment; filename*=gb2312''%D6%EC%E9F.txt", "朱镕.txt"),
        # Encoded words, folded.
        (
            b'attachment; filename="=?UTF-8?B?w5xiZXJzaWNodA==?=\r\n =?UTF-8?Q?_2026.xlsx?="',
            "Übersicht 2026.xlsx",
        ),
        # Raw 8-bit UTF-8.
        (b'attachment; filename="K\xc3\xa4se.txt"', "Käse.txt"),
        # Path characters a file system refuses.
        (b'attachment; filename="a/b\\\\c:d*e?f<g>|h.txt"', "c_d_e_f_g_h.txt"),
    ],
)
def test_file_names_come_out_as_the_sender_meant_them(disposition: bytes, name: str) -> None:
    part = b"Content-Type: application/octet-stream\r\nContent-Disposition: " + disposition
    message = parse_message(multipart(TEXT, part + b"\r\n\r\ndata"))
    assert [a.filename for a in message.attachments] == [name]


def test_nfd_file_names_from_macos_are_composed() -> None:
    nfd = unicodedata.normalize("NFD", "Prüfung.pdf").encode()
    part = b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="'
    message = parse_message(multipart(TEXT, part + nfd + b'"\r\n\r\ndata'))
    assert message.attachments[0].filename == "Prüfung.pdf"
    assert message.attachments[0].filename == unicodedata.normalize("NFC", "Prüfung.pdf")


def _tnef_object(level: int, attribute: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return (
        struct.pack("<BHHI", level, attribute, kind, len(data)) + data + struct.pack("<H", checksum)
    )


def winmail_dat(files: list[tuple[bytes, bytes]]) -> bytes:
    """A TNEF stream as Outlook writes one: version, code page, then per attached file
    its rendering data, title and data (attribute ids from MS-OXTNEF)."""
    stream = struct.pack("<IH", 0x223E9F78, 1)
    stream += _tnef_object(1, 0x9006, 0x0008, struct.pack("<I", 0x10000))
    stream += _tnef_object(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))
    for name, data in files:
        stream += _tnef_object(2, 0x9002, 0x0006, b"\x01\x00" + b"\x00" * 12)
        stream += _tnef_object(2, 0x8010, 0x0001, name + b"\x00")
        stream += _tnef_object(2, 0x800F, 0x0006, data)
    return stream


@pytest.mark.parametrize(
    "content_type",
    [b"application/ms-tnef", b"application/octet-stream"],  # the name is enough
)
def test_winmail_dat_is_kept_and_unpacked(content_type: bytes) -> None:
    import base64

    dat = winmail_dat([(b"Angebot.pdf", b"%PDF-1 offer"), (b"notes.txt", b"plain notes")])
    part = (
        b"Content-Type: " + content_type + b'; name="winmail.dat"\r\n'
        b"Content-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(dat)
    )
    message = parse_message(multipart(TEXT, part))
    assert [(a.filename, a.content_type, a.payload()) for a in message.attachments] == [
        ("winmail.dat", content_type.decode(), dat),
        ("Angebot.pdf", "application/pdf", b"%PDF-1 offer"),
        ("notes.txt", "text/plain", b"plain notes"),
    ]


def test_a_broken_winmail_dat_is_kept_as_it_came() -> None:
    part = b"Content-Type: application/ms-tnef\r\n\r\nnot tnef at all"
    message = parse_message(multipart(TEXT, part))
    assert [(a.filename, a.payload()) for a in message.attachments] == [
        ("file.bin", b"not tnef at all")
    ]


def test_lotus_notes_names_in_the_content_type_of_inline_parts() -> None:
    # Notes names files only in Content-Type, encoded, and marks them inline.
    part = (
        b'Content-Type: application/vnd.ms-excel; name="=?ISO-8859-1?Q?K=FCndigung.xls?="\r\n'
        b"Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\nZGF0YQ=="
    )
    message = parse_message(multipart(TEXT, part))
    assert [(a.filename, a.payload(), a.inline) for a in message.attachments] == [
        ("Kündigung.xls", b"data", True)
    ]
    assert message.body_text == "see attached"
