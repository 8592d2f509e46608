"""Parse raw mail into plain data, never raising: broken input degrades, it is not lost.

The stdlib ``email`` package (modern policy) does the MIME work. What this module adds:
charset fallbacks (declared charset, then detection with charset-normalizer), NUL removal
(PostgreSQL text cannot hold NUL), a text rendering of HTML-only mail, safe attachment file
names, and the detection of automatic mail (auto-replies, bounces, bulk and list mail).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime

from sportello.mail import parts
from sportello.mail.addresses import Address, parse_addresses
from sportello.mail.charsets import decode_bytes, decode_header_value, raw_text
from sportello.mail.html_text import html_to_text

logger = logging.getLogger(__name__)

MAX_FILENAME = 200
MAX_DEPTH = 20  # nested multiparts deeper than this are kept as opaque attachments
ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "resent-to")
AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FILENAME_BAD = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_MEDIA_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+")


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content_id: str
    inline: bool
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    def payload(self) -> bytes:
        return self.data


@dataclass
class ParsedMessage:
    raw: bytes = field(repr=False)
    content_hash: str = ""
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_: Address | None = None
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    delivered_to: list[Address] = field(default_factory=list)
    date: datetime | None = None
    body_text: str = ""
    body_html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    auto_submitted_reason: str = ""
    # The message a bounce returns (its first attached message or returned headers).
    returned_subject: str = ""
    returned_message_id: str = ""
    x_loop: list[str] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    # Lower-cased name -> values in order, built on the first look-up.
    _index: dict[str, list[str]] | None = field(default=None, init=False, repr=False, compare=False)

    def header(self, name: str) -> str:
        """The first value of a header (decoded), or "" when absent."""
        values = self.header_values(name)
        return values[0] if values else ""

    def header_values(self, name: str) -> list[str]:
        if self._index is None:  # the headers are set once, by the parser
            self._index = {}
            for key, value in self.headers:
                self._index.setdefault(key.lower(), []).append(value)
        return list(self._index.get(name.lower(), ()))

    @property
    def recipients(self) -> list[str]:
        """Every recipient address, lower-cased, envelope headers first: they say which
        function address the copy was delivered to, also for Bcc."""
        found = [a.email.lower() for a in (*self.delivered_to, *self.to, *self.cc)]
        return [email for email in dict.fromkeys(found) if "@" in email]


def clean_text(value: str) -> str:
    return value.replace("\x00", "")


def _decode_header_value(raw: str, hint: str | None = None) -> str:
    text = decode_header_value(raw, hint)
    return clean_text(" ".join(text.split()) if "\n" in text or "\r" in text else text)


def _charset_hint(message: Message) -> str | None:
    """Raw 8-bit headers are usually in the charset of the message's text."""
    try:
        for part in message.walk():
            charset = part.get_content_charset()
            if charset and charset not in ("us-ascii", "ascii"):
                return charset
    except (ValueError, TypeError, LookupError, IndexError):
        pass
    return None


class _Headers:
    """The raw headers of a message, decoded once; the charset that raw 8-bit text in
    them is read with is looked up only when there is such text."""

    def __init__(self, message: Message) -> None:
        self.message = message
        self.raw = [(n, v if isinstance(v, str) else str(v)) for n, v in message.raw_items()]
        self._hint: str | None = None

    def hint(self) -> str | None:
        if self._hint is None:
            self._hint = _charset_hint(self.message) or ""
        return self._hint or None

    def decode(self, raw: str) -> str:
        return _decode_header_value(raw, None if raw.isascii() else self.hint())

    def items(self) -> list[tuple[str, str]]:
        return [(name, self.decode(value).strip()) for name, value in self.raw]

    def addresses(self, *names: str) -> list[Address]:
        values = [value for name in names for n, value in self.raw if n.lower() == name]
        return parse_addresses(values, self.decode)


def _message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)[:200]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _auto_submitted(message: ParsedMessage) -> str:
    """Why this looks like automatic mail ("" when it does not)."""
    auto = message.header("Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    precedence = message.header("Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress", "List-Id"):
        value = message.header(name)
        if value and not (name == "X-Autoreply" and value.lower() == "no"):
            if name == "X-Auto-Response-Suppress" and value.lower() in ("none", ""):
                continue
            return f"{name}: {value}"
    content_type = message.header("Content-Type").lower()
    if content_type.startswith("multipart/report"):
        return "multipart/report"
    sender = message.from_.email.lower() if message.from_ else ""
    if sender.split("@")[0] in AUTOMATIC_SENDERS:
        return f"From: {sender}"
    return ""


def _safe_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _FILENAME_BAD.sub("_", clean_text(name)).strip(" .")
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        extension = extension[:16] if dot else ""
        name = (stem if dot else name)[: MAX_FILENAME - len(extension) - 1]
        name = f"{name}.{extension}" if extension else name
    return name


_NAME_HEADERS = ("content-disposition", "content-type")


def _given_filename(part: Message) -> str:
    """The sender's file name: RFC 2231 (continuations, its charset read as
    ``mail.charsets`` reads charsets), encoded words, raw 8-bit; "" when none."""
    headers = part
    raw = [(n, str(v)) for n, v in part.raw_items() if n.lower() in _NAME_HEADERS]
    if any(not text.isascii() for _header, text in raw):
        # Raw 8-bit: the stdlib would turn each byte into U+FFFD; decode first.
        headers = Message()
        for header, text in raw:
            headers[header] = raw_text(text)
    try:
        value = headers.get_param("filename", None, "content-disposition")
        if value is None:
            value = headers.get_param("name", None, "content-type")
    except (ValueError, TypeError, LookupError, IndexError):
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, percent-decoded text)
        data = value[2].encode("latin-1", "surrogateescape")
        name = decode_bytes(data, value[0] or "utf-8")
    else:
        name = _decode_header_value(str(value or ""))
    return _safe_filename(name)


def _part_bytes(part: Message, content_type: str) -> bytes:
    try:
        if content_type in parts.REPORT_TYPES:
            return parts.report_bytes(part)
        if part.is_multipart() or part.get_content_maintype() == "message":
            return _message_bytes(part)
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, IndexError, AssertionError):
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _message_bytes(part: Message) -> bytes:
    """The bytes of an attached message (message/rfc822 and friends): the whole message,
    every part of it."""
    inner = part.get_payload()
    target = inner[0] if isinstance(inner, list) and inner else None
    if isinstance(target, Message):
        try:
            return target.as_bytes(policy=policy.compat32.clone(linesep="\n"))
        except (ValueError, TypeError, LookupError, IndexError, UnicodeError, AttributeError):
            pass
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    text = part.get_payload()
    return text.encode("utf-8", "surrogateescape") if isinstance(text, str) else b""


def _text_of(part: Message, data: bytes) -> str:
    try:
        charset = part.get_content_charset()
    except (ValueError, TypeError, LookupError, IndexError):
        charset = None
    text = decode_bytes(data, charset).replace("\r\n", "\n").replace("\r", "\n")
    return clean_text(text)


class _Walker:
    def __init__(self, parsed: ParsedMessage) -> None:
        self.parsed = parsed
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attached: list[bytes] = []  # attached messages, to show one when no text

    def walk(self, part: Message, depth: int = 0) -> None:
        content_type = _content_type(part)
        if part.is_multipart() and depth < MAX_DEPTH and not content_type.startswith("message/"):
            payload = part.get_payload()
            for child in payload if isinstance(payload, list) else []:
                if isinstance(child, Message):
                    self.walk(child, depth + 1)
            return
        if content_type.startswith("multipart/") and depth < MAX_DEPTH:
            recovered = _recover_multipart(part, content_type)
            if recovered is not None:
                self.parsed.defects.append("recovered multipart boundary")
                self.walk(recovered, depth + 1)
                return
        self.leaf(part, content_type)

    def leaf(self, part: Message, content_type: str) -> None:
        disposition = (part.get_content_disposition() or "").lower()
        data = _part_bytes(part, content_type)
        name = _given_filename(part)
        body_candidate = disposition != "attachment" and not name
        if body_candidate and content_type == "text/plain" and not self.plain:
            self.plain.append(_text_of(part, data))
            return
        if body_candidate and content_type == "text/html" and not self.html:
            self.html.append(_text_of(part, data))
            return
        if content_type in parts.MESSAGE_TYPES or content_type == "text/rfc822-headers":
            self.returned(content_type, data)
            if not name and content_type in parts.MESSAGE_TYPES:
                # Named after its subject, as OTRS names it.
                subject = _decode_header_value(parts.message_subject(data))
                subject = subject.replace("/", "_").replace("\\", "_")  # not a path
                name = _safe_filename(f"{subject}.eml") if subject else ""
        content_id = clean_text(str(part.get("Content-ID", "") or "")).strip().strip("<>")
        self.parsed.attachments.append(
            ParsedAttachment(
                filename=name or parts.default_name(content_type),
                content_type=content_type,
                content_id=content_id[:250],
                inline=disposition == "inline" or (bool(content_id) and disposition == ""),
                data=data,
            )
        )
        if content_type in parts.TNEF_TYPES or name.lower() == "winmail.dat":
            for found in parts.unpack_tnef(data):  # the winmail.dat itself is kept too
                self.parsed.attachments.append(
                    ParsedAttachment(
                        filename=_safe_filename(found.filename)
                        or parts.default_name(found.content_type),
                        content_type=found.content_type,
                        content_id="",
                        inline=False,
                        data=found.data,
                    )
                )

    def returned(self, content_type: str, data: bytes) -> None:
        """The first attached message or returned headers: in a bounce, the message it
        returns (whose subject or Message-ID names the ticket)."""
        if self.parsed.returned_subject or self.parsed.returned_message_id:
            return
        subject, message_id = parts.returned_message(data)
        self.parsed.returned_subject = _decode_header_value(subject)
        ids = _message_ids(message_id)
        self.parsed.returned_message_id = ids[0][:900] if ids else ""
        if content_type != "text/rfc822-headers":
            self.attached.append(data)


_BOUNDARY_LINE = re.compile(rb"^--([^\s]{1,200})[ \t]*\r?$", re.MULTILINE)


def _recover_multipart(part: Message, content_type: str) -> Message | None:
    """A multipart whose boundary parameter was lost (for example folded onto an
    unindented line): take the boundary from the first delimiter line of the body."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return None
    data = payload.encode("utf-8", "surrogateescape")
    found = _BOUNDARY_LINE.search(data)
    if found is None:
        return None
    boundary = found.group(1).decode("ascii", "replace").replace('"', "")
    head = f'Content-Type: {content_type}; boundary="{boundary}"\n\n'.encode()
    recovered = BytesParser(policy=policy.compat32).parsebytes(head + data)
    return recovered if recovered.is_multipart() else None


def _content_type(part: Message) -> str:
    try:
        value = part.get_content_type()
    except (ValueError, TypeError, IndexError):
        return "application/octet-stream"
    return value if _MEDIA_TYPE.fullmatch(value) else "application/octet-stream"


def _is_report(parsed: ParsedMessage, message: Message) -> bool:
    report = _content_type(message) == "multipart/report"
    return report or any(a.content_type in parts.REPORT_TYPES for a in parsed.attachments)


def _body(parsed: ParsedMessage, message: Message, *, top: bool) -> None:
    walker = _Walker(parsed)
    try:
        walker.walk(message)
    except RecursionError:
        parsed.defects.append("nesting too deep")
    parsed.body_html = walker.html[0] if walker.html else ""
    if walker.plain:
        parsed.body_text = walker.plain[0]
    elif parsed.body_html:
        parsed.body_text = html_to_text(parsed.body_html)
    elif walker.attached and top and not _is_report(parsed, message):
        # Forwarded as an attachment with no text of its own: show the forwarded text
        # (one level: the attached message's own attachments stay inside its .eml). Not
        # for a report: the message it returns is not what it says.
        inner = ParsedMessage(raw=walker.attached[0])
        _parse_into(inner, walker.attached[0], top=False)
        parsed.body_text = inner.body_text


# The headers a second delivery of one message carries unchanged: with the Message-ID and
# the body they tell a re-delivery from a different mail that reuses the ID (trackers and
# service desks send notifications with one ID and different subjects).
IDENTITY_HEADERS = ("message-id", "date", "from", "subject", "to", "cc")
_LINE_END = re.compile(rb"\r?\n\r?\n")


def content_hash(raw: bytes, headers: dict[str, list[str]] | None = None) -> str:
    """Identity of a message across deliveries. With a Message-ID: the identity headers as
    they were written (not decoded: the decoder may improve, the fingerprint must not
    change) and the body with its line ends unified (a pipe gets LF, IMAP CRLF); transport
    headers such as Received or Delivered-To differ between deliveries and are left out.
    Without a Message-ID: the bytes."""
    if not headers or not headers.get("message-id"):
        return hashlib.sha256(raw).hexdigest()
    digest = hashlib.sha256()
    for name in IDENTITY_HEADERS:
        values = "\x1f".join(" ".join(value.split()) for value in headers.get(name, ()))
        digest.update(f"{name}:{values}\n".encode("utf-8", "surrogateescape"))
    separator = _LINE_END.search(raw)
    body = raw[separator.end() :] if separator else b""
    digest.update(hashlib.sha256(body.replace(b"\r\n", b"\n").rstrip(b"\r\n")).digest())
    return digest.hexdigest()


def _identity_headers(raw: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {name: [] for name in IDENTITY_HEADERS}
    for name, value in raw:
        values = found.get(name.lower())
        if values is not None:
            values.append(value)
    return found


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse ``raw``. Never raises for any input; problems are listed in ``defects``."""
    parsed = ParsedMessage(raw=raw)
    try:
        _parse_into(parsed, raw)
    except Exception as error:  # last resort: keep the raw bytes and a readable body
        logger.warning("mail parser fell back to raw text: %r", error)
        parsed.defects.append(f"parser error: {error!r}")
        if not parsed.body_text:
            parsed.body_text = clean_text(decode_bytes(raw, None))
    if not parsed.content_hash:
        parsed.content_hash = content_hash(raw)
    return parsed


_UNINDENTED_PARAMETER = re.compile(rb";[ \t]*\r?\n[\w-]+\*?(?:\*\d+)?\*?=")


def _repair_folding(raw: bytes) -> bytes:
    """Some mailers fold a MIME parameter onto a line without the leading blank
    (``Content-Type: multipart/alternative;`` then ``boundary="..."``). Indent such
    lines inside header blocks so the parameter is not lost."""
    if not _UNINDENTED_PARAMETER.search(raw):
        return raw
    lines = raw.split(b"\n")
    in_headers = True
    for index, line in enumerate(lines):
        stripped = line.rstrip(b"\r")
        if not stripped:
            in_headers = False
        elif stripped.startswith(b"--"):
            in_headers = True
        elif (
            in_headers
            and index
            and lines[index - 1].rstrip(b"\r \t").endswith(b";")
            and re.match(rb"[\w-]+\*?(?:\*\d+)?\*?=", stripped)
        ):
            lines[index] = b"\t" + line
    return b"\n".join(lines)


_ENCODING_HEADER = b"content-transfer-encoding:"
_HEADERS_END = re.compile(rb"\n\r?\n")
# What a base64 body may hold besides its alphabet: padding and line breaks.
_BASE64_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"
# Shorter bodies are not worth it.
_JOIN_MIN = 8192
_MARKER = 64


def _join_base64_lines(raw: bytes) -> tuple[bytes, list[str]]:
    """The feed parser takes a body line by line (a 500 KiB attachment is some 7,000
    lines, each checked for a boundary); base64 ignores line breaks, so the lines of a
    large base64 body are handed to it as one line. Returns the source for the parser and
    the start of each joined body, for ``_joined_as_expected``. The stored message keeps
    its bytes."""
    lower = raw.lower()
    pieces: list[bytes] = []
    markers: list[str] = []
    position = search = 0
    while (at := lower.find(_ENCODING_HEADER, search)) >= 0:
        search = at + len(_ENCODING_HEADER)
        line_end = raw.find(b"\n", at)
        if (at and raw[at - 1] != 0x0A) or line_end < 0:
            continue
        if lower[search:line_end].strip() != b"base64":
            continue
        headers_end = _HEADERS_END.search(raw, line_end - 1)
        if headers_end is None:
            break
        start = headers_end.end()
        end = raw.find(b"\n--", start)  # base64 has no "-": the next boundary line
        end = len(raw) if end < 0 else end
        body = raw[start:end]
        search = max(search, end)
        if len(body) < _JOIN_MIN or body.translate(None, _BASE64_BYTES):
            continue
        joined = body.replace(b"\r", b"").replace(b"\n", b"")
        pieces += [raw[position:start], joined]
        markers.append(joined[:_MARKER].decode("ascii"))
        position = end - 1 if raw[end - 1 : end] == b"\r" else end
    if not pieces:
        return raw, []
    pieces.append(raw[position:])
    return b"".join(pieces), markers


def _joined_as_expected(message: Message, markers: list[str]) -> bool:
    """Every joined body became the payload of a base64 part, and no other part holds
    one (a mail quoted as plain text, headers and all, must keep its lines)."""
    found: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload()
        if not isinstance(payload, str):
            continue
        if str(part.get("Content-Transfer-Encoding", "")).strip().lower() == "base64":
            found.append(payload.lstrip()[:_MARKER])
        elif any(marker in payload for marker in markers):
            return False
    return all(marker in found for marker in markers)


def _parse_into(parsed: ParsedMessage, raw: bytes, *, top: bool = True) -> None:
    source, joined = _join_base64_lines(_repair_folding(raw))
    message: Message = BytesParser(policy=policy.compat32).parsebytes(source)
    if joined and not _joined_as_expected(message, joined):
        message = BytesParser(policy=policy.compat32).parsebytes(_repair_folding(raw))
    parsed.defects.extend(type(defect).__name__ for defect in message.defects)
    headers = _Headers(message)
    parsed.headers = headers.items()
    ids = _message_ids(parsed.header("Message-ID"))
    parsed.message_id = ids[0][:900] if ids else ""
    parsed.content_hash = content_hash(raw, _identity_headers(headers.raw) if ids else None)
    parsed.in_reply_to = _message_ids(" ".join(parsed.header_values("In-Reply-To")))
    parsed.references = _message_ids(" ".join(parsed.header_values("References")))
    parsed.subject = parsed.header("Subject")
    senders = headers.addresses("from")
    parsed.from_ = senders[0] if senders else None
    parsed.to = headers.addresses("to")
    parsed.cc = headers.addresses("cc")
    parsed.reply_to = headers.addresses("reply-to")
    parsed.delivered_to = headers.addresses(*ENVELOPE_HEADERS)
    parsed.date = _date(parsed.header("Date"))
    parsed.x_loop = parsed.header_values("X-Loop")
    _body(parsed, message, top=top)
    parsed.auto_submitted_reason = _auto_submitted(parsed)
