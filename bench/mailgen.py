"""Realistic incoming mail for the ingest benchmark, built in memory with the stdlib
``email`` package (its compat32 API, which keeps each client's charset in headers and
bodies, as real mail does).

A stream is a list of conversations interleaved: a new request to a queue's function
address, then now and then a reply to it (the ticket number in the subject, or only
In-Reply-To/References), an out-of-office auto-reply, or the redelivery of an earlier
message. Each sender writes in one language with one mail program (charset, transfer
encoding, HTML part, header style). No Django here: the ingest workload pickles these
objects into worker processes before Django is set up there.

Two things are filled in at ingest time, cheaply: the ticket number in a reply's subject
(known only once the conversation's first message has been ingested) and the attachment
bodies, shared out of a pool of base64 blobs so that 10,000 messages fit in memory.
"""

from __future__ import annotations

import base64
import html
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr
from enum import StrEnum

from bench.corpus import LANGUAGES, NAMES, TOPIC_WEIGHTS, Language

# Placeholders replaced at ingest time (ASCII, so they survive header encoding untouched).
NUMBER_SLOT = b"@@TICKET-NUMBER@@"
BLOB_SLOT = "@@ATTACHMENT-BODY@@"
# Replies go to one of the most recent conversations, as they do at a real helpdesk.
ACTIVE_CONVERSATIONS = 200
# Dates start here (2026-01-12 09:00 CET) and advance 40 s per message.
FIRST_DATE, DATE_STEP = 1_768_204_800.0, 40.0
CET = timezone(timedelta(hours=1))
UNKNOWN_DOMAINS = ("gmail.example.com", "web.example.de", "libero.example.it")


class Kind(StrEnum):
    NEW = "new"
    REPLY_SUBJECT = "reply_subject"  # [Ticket#n] in the subject, In-Reply-To unknown to us
    REPLY_REFERENCES = "reply_references"  # only In-Reply-To/References of an earlier mail
    AUTO_REPLY = "auto_reply"  # out of office, [Ticket#n] in the subject
    DUPLICATE = "duplicate"  # the same message delivered again (a retrying MTA)


# Share of the stream per kind, in percent.
MIX = {
    Kind.NEW: 60,
    Kind.REPLY_SUBJECT: 15,
    Kind.REPLY_REFERENCES: 15,
    Kind.AUTO_REPLY: 5,
    Kind.DUPLICATE: 5,
}
# What ingest_message should answer for each kind.
EXPECTED = {
    Kind.NEW: "new",
    Kind.REPLY_SUBJECT: "followup",
    Kind.REPLY_REFERENCES: "followup",
    Kind.AUTO_REPLY: "followup",
    Kind.DUPLICATE: "duplicate",
}


@dataclass(frozen=True)
class Sender:
    name: str
    email: str
    language: str  # a key of bench.corpus.LANGUAGES


@dataclass(frozen=True)
class Client:
    """A mail program's habits."""

    name: str
    charset: str
    body_encoding: int | None  # QP, BASE64, or None for 8bit
    header_encoding: int  # QP or BASE64 for RFC 2047 words
    html: bool
    rfc2231_filenames: bool  # else Outlook's RFC 2047 encoded filename="=?...?="


CLIENTS = {
    Client("Thunderbird 128.5", "utf-8", None, QP, html=False, rfc2231_filenames=True): 25,
    Client("Apple Mail (2.3826)", "utf-8", QP, QP, html=True, rfc2231_filenames=True): 10,
    Client("Gmail", "utf-8", BASE64, BASE64, html=True, rfc2231_filenames=True): 20,
    Client(
        "Microsoft Outlook 16.0", "windows-1252", QP, QP, html=True, rfc2231_filenames=False
    ): 20,
    Client("Roundcube Webmail", "iso-8859-1", QP, QP, html=False, rfc2231_filenames=True): 15,
    Client("Mutt/2.2", "iso-8859-15", None, QP, html=False, rfc2231_filenames=True): 10,
}
# Lines that need more than Latin-1 (€, typographic quotes) now and then: senders whose
# charset lacks them fall back to UTF-8 for that message, as mail programs do.
EXTRAS = {
    "de": (
        "Die Gebühr von 75 € habe ich schon überwiesen.",
        "Fehlermeldung: „Zugriff verweigert“.",
    ),
    "it": ("Ho già pagato la tassa di 156 €.", "Il messaggio dice: “accesso negato”."),
    "en": ("I already paid the €20 fee.", "It just says “access denied”."),
}
OUT_OF_OFFICE = {
    "de": (
        "Automatische Antwort: ",
        "Ich bin bis zum 3. Februar nicht im Büro und lese keine Mails.",
    ),
    "it": (
        "Risposta automatica: ",
        "Sono fuori ufficio fino al 3 febbraio, senza accesso alla posta.",
    ),
    "en": ("Automatic reply: ", "I am out of the office until 3 February with no access to mail."),
}
WROTE = {
    "de": "Am {date} schrieb {name}:",
    "it": "Il {date} {name} ha scritto:",
    "en": "On {date}, {name} wrote:",
}
# (maintype, subtype, file name per language)
ATTACHMENTS = (
    (
        "application",
        "pdf",
        {
            "de": "Fehlermeldung Übersicht.pdf",
            "it": "ricevuta università.pdf",
            "en": "error report.pdf",
        },
    ),
    (
        "image",
        "png",
        {
            "de": "Bildschirmfoto Anmeldung.png",
            "it": "schermata accesso.png",
            "en": "screenshot.png",
        },
    ),
    (
        "image",
        "jpeg",
        {
            "de": "Foto_Drucker_Hörsaal.jpg",
            "it": "foto_stampante_aula.jpg",
            "en": "printer photo.jpg",
        },
    ),
    (
        "application",
        "vnd.openxmlformats-officedocument.wordprocessingml.document",
        {
            "de": "Antrag Bescheinigung.docx",
            "it": "modulo iscrizione città.docx",
            "en": "enrolment form.docx",
        },
    ),
)


@dataclass
class GeneratedMail:
    index: int
    kind: Kind
    conversation: int
    message_id: str
    # The conversation's first message: every mail of the conversation belongs in its ticket.
    root_id: str
    head: bytes
    tail: bytes = b""
    blob: int | None = None
    # A duplicate is ``head`` (one more Received line) + the original's bytes.
    original: GeneratedMail | None = field(default=None, repr=False)

    @property
    def has_attachment(self) -> bool:
        return self.blob is not None or (self.original is not None and self.original.has_attachment)

    def render(self, numbers: Mapping[str, str], blobs: Sequence[bytes]) -> bytes:
        """The raw message. ``numbers``: Message-ID -> ticket number of messages already
        ingested (a reply's subject carries the number of its conversation's ticket)."""
        if self.original is not None:
            return self.head + self.original.render(numbers, blobs)
        head = self.head
        if NUMBER_SLOT in head:
            head = head.replace(NUMBER_SLOT, numbers.get(self.root_id, "").encode())
        if self.blob is None:
            return head
        return b"".join((head, blobs[self.blob], self.tail))


@dataclass
class MailSet:
    mails: list[GeneratedMail]
    # Base64 attachment bodies (76-character lines), shared between messages.
    blobs: list[bytes]
    conversations: int

    def expected(self) -> Counter[str]:
        return Counter(EXPECTED[mail.kind] for mail in self.mails)

    def kinds(self) -> Counter[str]:
        return Counter(str(mail.kind) for mail in self.mails)

    def partition(self, parts: int) -> list[list[GeneratedMail]]:
        """Whole conversations per part, in stream order: a reply stays behind its
        original in the same process."""
        return [[m for m in self.mails if m.conversation % parts == part] for part in range(parts)]


@dataclass
class _Conversation:
    number: int
    sender: Sender
    client: Client
    title: str
    first_text: str
    first_date: str
    mailbox: str
    ids: list[str] = field(default_factory=list)
    mails: list[GeneratedMail] = field(default_factory=list)


def kinds_for(count: int, rng: random.Random, mix: Mapping[Kind, int]) -> list[Kind]:
    """Exactly the mix's shares (largest remainder), shuffled; the first is always new."""
    total = sum(mix.values())
    exact = {kind: count * weight / total for kind, weight in mix.items()}
    counts = {kind: int(value) for kind, value in exact.items()}
    by_remainder = sorted(mix, key=lambda kind: exact[kind] - counts[kind], reverse=True)
    for kind in by_remainder[: count - sum(counts.values())]:
        counts[kind] += 1
    kinds = [kind for kind, n in counts.items() for _ in range(n)]
    rng.shuffle(kinds)
    if kinds and kinds[0] is not Kind.NEW:
        first_new = kinds.index(Kind.NEW) if Kind.NEW in kinds else None
        if first_new is None:
            raise ValueError("a stream needs at least one new request")
        kinds[0], kinds[first_new] = kinds[first_new], kinds[0]
    return kinds


def generate(
    count: int,
    *,
    senders: Sequence[Sender],
    mailboxes: Mapping[str, str],
    hook: str,
    seed: int = 1,
    run: str = "bench",
    mix: Mapping[Kind, int] = MIX,
    attachment_share: float = 0.2,
    attachment_kib: tuple[int, int] = (50, 500),
    blob_pool: int = 64,
    unknown_senders: float = 0.1,
) -> MailSet:
    """``count`` messages. ``mailboxes``: topic -> "Display <address>" of its queue;
    ``hook``: the ticket hook ("Ticket#"); ``run`` goes into every Message-ID, so a second
    run on the same database is not taken for a redelivery of the first."""
    if not senders or not mailboxes:
        raise ValueError("need senders and mailboxes")
    rng = random.Random(seed)
    kinds = kinds_for(count, rng, mix)
    originals = [i for i, kind in enumerate(kinds) if kind is not Kind.DUPLICATE]
    with_attachment = set(rng.sample(originals, round(len(originals) * attachment_share)))
    pool = min(blob_pool, len(with_attachment))
    blobs = [
        base64.encodebytes(rng.randbytes(rng.randint(*attachment_kib) * 1024)).rstrip(b"\n")
        for _ in range(pool)
    ]
    topics = [t for t in TOPIC_WEIGHTS if t in mailboxes]
    weights = [TOPIC_WEIGHTS[t] for t in topics]
    clients, client_weights = list(CLIENTS), list(CLIENTS.values())
    conversations: list[_Conversation] = []
    mails: list[GeneratedMail] = []
    attachments = 0
    for index, kind in enumerate(kinds):
        date = format_datetime(
            datetime.fromtimestamp(FIRST_DATE + (index + rng.random()) * DATE_STEP, CET)
        )
        blob = None
        if index in with_attachment:
            blob, attachments = attachments % pool, attachments + 1
        if kind is Kind.NEW:
            topic = rng.choices(topics, weights)[0]
            sender = (
                _unknown_sender(rng, len(conversations))
                if rng.random() < unknown_senders
                else rng.choice(senders)
            )
            language = LANGUAGES[sender.language]
            text = _request_text(rng, language, topic, sender)
            conversation = _Conversation(
                number=len(conversations),
                sender=sender,
                client=rng.choices(clients, client_weights)[0],
                title=rng.choice(language.topics[topic].subjects),
                first_text=text,
                first_date=date,
                mailbox=mailboxes[topic],
            )
            conversations.append(conversation)
            mail = _build(rng, index, kind, conversation, conversation.title, text, date, blob, run)
        else:
            conversation = rng.choice(conversations[-ACTIVE_CONVERSATIONS:])
            if kind is Kind.DUPLICATE:
                original = rng.choice(conversation.mails)
                mail = GeneratedMail(
                    index=index,
                    kind=kind,
                    conversation=conversation.number,
                    message_id=original.message_id,
                    root_id=original.root_id,
                    head=_received(rng, date),
                    original=original,
                )
            else:
                mail = _reply(rng, index, kind, conversation, date, blob, run, hook)
        conversation.mails.append(mail)
        if mail.original is None:
            conversation.ids.append(mail.message_id)
        mails.append(mail)
    return MailSet(mails=mails, blobs=blobs, conversations=len(conversations))


def _unknown_sender(rng: random.Random, number: int) -> Sender:
    """Someone not in the customer database (a private address)."""
    language = rng.choice(list(NAMES))
    firsts, lasts = NAMES[language]
    first, last = rng.choice(firsts), rng.choice(lasts)
    local = f"{first}.{last}{number}".lower().encode("ascii", "ignore").decode()
    return Sender(f"{first} {last}", f"{local}@{rng.choice(UNKNOWN_DOMAINS)}", language)


def _request_text(rng: random.Random, language: Language, topic_name: str, sender: Sender) -> str:
    topic = language.topics[topic_name]
    problems = rng.sample(topic.problems, min(2, len(topic.problems)))
    lines = [rng.choice(language.greetings), "", " ".join(problems)]
    if rng.random() < 0.6:
        lines.append(rng.choice(language.details))
    if rng.random() < 0.15:
        lines.append(rng.choice(EXTRAS[sender.language]))
    lines += ["", rng.choice(language.closings), sender.name]
    return "\n".join(lines) + "\n"


def _reply(
    rng: random.Random,
    index: int,
    kind: Kind,
    conversation: _Conversation,
    date: str,
    blob: int | None,
    run: str,
    hook: str,
) -> GeneratedMail:
    sender = conversation.sender
    language = LANGUAGES[sender.language]
    # Replies to an agent's answer carry its Message-ID, which is not one of ours here:
    # only the subject can thread them.
    numbered = f"[{hook}{NUMBER_SLOT.decode()}] Re: {conversation.title}"
    in_reply_to = f"<{rng.getrandbits(64):016x}.sportello@helpdesk.example.org>"
    extra: dict[str, str] = {}
    if kind is Kind.AUTO_REPLY:
        prefix, text = OUT_OF_OFFICE[sender.language]
        subject, body = prefix + numbered, f"{text}\n\n{sender.name}\n"
        extra = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    else:
        quoted = "\n".join(
            f"> {line}" if line else ">" for line in conversation.first_text.split("\n")
        )
        wrote = WROTE[sender.language].format(date=conversation.first_date, name=sender.name)
        body = (
            f"{rng.choice(language.greetings)}\n\n{rng.choice(language.followups)}\n\n"
            f"{rng.choice(language.closings)}\n{sender.name}\n\n{wrote}\n{quoted}\n"
        )
        if kind is Kind.REPLY_SUBJECT:
            subject = language.reply_prefix + numbered
            extra = {"References": in_reply_to}
        else:
            subject = language.reply_prefix + conversation.title
            in_reply_to = conversation.ids[-1]
            extra = {"References": " ".join(conversation.ids[-10:])}
    extra["In-Reply-To"] = in_reply_to
    return _build(rng, index, kind, conversation, subject, body, date, blob, run, extra)


def _received(rng: random.Random, date: str) -> bytes:
    relay = rng.randint(2, 9)
    return (
        f"Received: from mx{relay}.example.net (mx{relay}.example.net [192.0.2.{relay}])\n"
        f"\tby mail.helpdesk.example.org (Postfix) with ESMTPS id {rng.getrandbits(40):010X};\n"
        f"\t{date}\n"
    ).encode()


def _charset(client: Client, *texts: str) -> Charset:
    name = client.charset
    try:
        for text in texts:
            text.encode(name)
    except UnicodeEncodeError:
        name = "utf-8"
    charset = Charset(name)
    charset.header_encoding = client.header_encoding
    # None (8bit) is what the email package means, though typeshed says int.
    charset.body_encoding = client.body_encoding  # type: ignore[assignment]
    return charset


def _header(text: str, charset: Charset) -> str:
    """RFC 2047 words in the client's charset from the first non-ASCII word on; the
    leading ASCII words (reply prefix, [Ticket#<slot>], Re:) stay plain, as most clients
    write them and so that the number slot is never inside an encoded word."""
    if text.isascii():
        return text
    words = text.split(" ")
    cut = next(i for i, word in enumerate(words) if not word.isascii())
    encoded = Header(" ".join(words[cut:]), charset).encode()
    return " ".join([*words[:cut], encoded])


def _boundary(rng: random.Random) -> str:
    # Seeded, unlike the email package's own: the same seed gives the same bytes.
    return f"----=_Part_{rng.getrandbits(64):016x}"


def _text_part(text: str, subtype: str, charset: Charset) -> Message:
    part = MIMENonMultipart("text", subtype)
    del part["MIME-Version"]  # the message has one; its parts need none
    part.set_payload(text, charset)
    return part


def _build(
    rng: random.Random,
    index: int,
    kind: Kind,
    conversation: _Conversation,
    subject: str,
    body: str,
    date: str,
    blob: int | None,
    run: str,
    extra: Mapping[str, str] | None = None,
) -> GeneratedMail:
    client, sender = conversation.client, conversation.sender
    charset = _charset(client, subject, body, sender.name)
    content: Message = _text_part(body, "plain", charset)
    if client.html:
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
        alternative = MIMEMultipart("alternative", boundary=_boundary(rng))
        alternative.attach(content)
        alternative.attach(_text_part(f"<html><body>{paragraphs}</body></html>\n", "html", charset))
        content = alternative
    message = content
    if blob is not None:
        message = MIMEMultipart("mixed", boundary=_boundary(rng))
        del content["MIME-Version"]
        message.attach(content)
        maintype, subtype, names = rng.choice(ATTACHMENTS)
        attachment = MIMEBase(maintype, subtype)
        del attachment["MIME-Version"]
        filename = names[sender.language]
        if client.rfc2231_filenames or filename.isascii():
            attachment.add_header(
                "Content-Disposition", "attachment", filename=("utf-8", "", filename)
            )
        else:
            attachment.add_header(
                "Content-Disposition", "attachment", filename=Header(filename, charset).encode()
            )
        attachment["Content-Transfer-Encoding"] = "base64"
        attachment.set_payload(BLOB_SLOT)
        message.attach(attachment)
    domain = sender.email.rpartition("@")[2]
    message_id = f"<{run}.{index:x}.{rng.getrandbits(48):012x}@{domain}>"
    headers = {
        "From": formataddr((sender.name, sender.email), charset),
        "To": conversation.mailbox,
        "Subject": _header(subject, charset),
        "Date": date,
        "Message-ID": message_id,
        "MIME-Version": "1.0",
        "User-Agent": client.name,
        "Content-Language": sender.language,
        **(extra or {}),
    }
    # Headers first, in the usual order: Message.__setitem__ appends.
    body_headers = list(message.items())
    for name in list(message.keys()):
        del message[name]
    for name, value in headers.items():
        message[name] = value
    for name, value in body_headers:
        if name.lower() != "mime-version":
            message[name] = value
    raw = _received(rng, date) + message.as_bytes()
    head, slot, tail = raw.partition(BLOB_SLOT.encode())
    return GeneratedMail(
        index=index,
        kind=kind,
        conversation=conversation.number,
        message_id=message_id,
        root_id=conversation.ids[0] if conversation.ids else message_id,
        head=head,
        tail=tail if slot else b"",
        blob=blob if slot else None,
    )
