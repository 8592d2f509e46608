"""Parse raw mail into plain data, never raising: broken input degrades, it is not lost.

The stdlib ``email`` package (modern policy) does the MIME work. What this module adds:
charset fallbacks (declared charset, then detection with charset-normalizer), NUL removal
(PostgreSQL text cannot hold NUL), a text rendering of HTML-only mail, safe attachment file
names, and the detection of automatic mail (auto-replies, bounces, bulk and list mail).
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from sportello.mail.html_text import html_to_text

logger = logging.getLogger(__name__)

MAX_FILENAME = 200
SHORT_TEXT = 120  # below this many bytes, charset detection is not trusted
MAX_DEPTH = 20  # nested multiparts deeper than this are kept as opaque attachments
ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "resent-to")
AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bytes the header decoder could not decode (8-bit headers), as surrogate escapes.
_SURROGATE = re.compile("[\udc80-\udcff]")
_FILENAME_BAD = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_MEDIA_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+")


@dataclass(frozen=True)
class Address:
    name: str
    email: str

    def __str__(self) -> str:
        if not self.name:
            return self.email
        name = self.name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{name}" <{self.email}>'


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


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Declared charset first; an unknown or lying charset falls back to detection."""
    if charset:
        charset = charset.strip().strip("\"'").lower()
        try:
            codecs.lookup(charset)
        except LookupError:
            charset = None
    if charset:
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(data) < SHORT_TEXT:
        # Detection is guesswork on a few bytes; Western mail is by far the most common.
        return data.decode("cp1252", errors="replace")
    from charset_normalizer import from_bytes  # only for the rare undeclared 8-bit text

    best = from_bytes(data[:200_000]).best()
    if best is not None:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace")


def _decode_header_value(raw: str, hint: str | None = None) -> str:
    """Decode RFC 2047 words; undecodable bytes (8-bit headers) go through detection."""
    if raw.isascii() and "=?" not in raw:
        text = raw  # no encoded word: what decoding would return, without its cost
    else:
        try:
            text = str(make_header(decode_header(raw)))
        except (UnicodeError, LookupError, ValueError, AssertionError, IndexError):
            text = raw
    if _SURROGATE.search(text):
        data = text.encode("utf-8", errors="surrogateescape")
        text = _decode_bytes(data, hint)
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


def _header_items(message: Message) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    hint: str | None = None
    for name, value in message.raw_items():
        raw = value if isinstance(value, str) else str(value)
        if hint is None and not raw.isascii():
            hint = _charset_hint(message) or ""
        items.append((name, _decode_header_value(raw, hint or None).strip()))
    return items


def _addresses(values: list[str]) -> list[Address]:
    result: list[Address] = []
    try:
        pairs = getaddresses(values)
    except (TypeError, ValueError, IndexError):
        pairs = []
    for name, email in pairs:
        email = clean_text(email.strip().strip("<>"))
        if not email or len(email) > 320:
            continue
        result.append(Address(clean_text(name.strip()), email))
    if not result:
        # Unparseable but present: keep whatever looks like an address.
        for value in values:
            for email in re.findall(r"[^\s<>,;\"']+@[^\s<>,;\"']+", value):
                result.append(Address("", email))
    return result


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


def _filename(part: Message, index: int, content_type: str) -> str:
    try:
        name = part.get_filename() or ""
    except (ValueError, TypeError, LookupError, IndexError):
        name = ""
    name = _safe_filename(_decode_header_value(name)) if name else ""
    if name:
        return name
    if content_type == "message/rfc822":
        extension = ".eml"
    else:
        extension = mimetypes.guess_extension(content_type, strict=False) or ".bin"
    return f"attachment-{index}{extension}"


def _part_bytes(part: Message) -> bytes:
    try:
        if part.is_multipart() or part.get_content_maintype() == "message":
            return _message_bytes(part.get_payload(0) if part.is_multipart() else part)
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, IndexError, AssertionError):
        data = None
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else b""


def _message_bytes(part: Message | object) -> bytes:
    """The bytes of an attached message (message/rfc822 and friends)."""
    if not isinstance(part, Message):
        return b""
    inner = part.get_payload()
    target = inner[0] if isinstance(inner, list) and inner else part
    if isinstance(target, Message):
        try:
            return target.as_bytes(policy=policy.compat32.clone(linesep="\n"))
        except (ValueError, TypeError, LookupError, IndexError, UnicodeError, AttributeError):
            pass
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _text_of(part: Message, data: bytes) -> str:
    try:
        charset = part.get_content_charset()
    except (ValueError, TypeError, LookupError, IndexError):
        charset = None
    text = _decode_bytes(data, charset).replace("\r\n", "\n").replace("\r", "\n")
    return clean_text(text)


class _Walker:
    def __init__(self, parsed: ParsedMessage) -> None:
        self.parsed = parsed
        self.plain: list[str] = []
        self.html: list[str] = []

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
        data = _part_bytes(part)
        try:
            has_name = bool(part.get_filename())
        except (ValueError, TypeError, LookupError, IndexError):
            has_name = True
        body_candidate = disposition != "attachment" and not has_name
        if body_candidate and content_type == "text/plain" and not self.plain:
            self.plain.append(_text_of(part, data))
            return
        if body_candidate and content_type == "text/html" and not self.html:
            self.html.append(_text_of(part, data))
            return
        index = len(self.parsed.attachments) + 1
        content_id = clean_text(str(part.get("Content-ID", "") or "")).strip().strip("<>")
        self.parsed.attachments.append(
            ParsedAttachment(
                filename=_filename(part, index, content_type),
                content_type=content_type,
                content_id=content_id[:250],
                inline=disposition == "inline" or (bool(content_id) and disposition == ""),
                data=data,
            )
        )


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


def _body(parsed: ParsedMessage, message: Message) -> None:
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


def content_hash(raw: bytes, message_id: str) -> str:
    """Identity of a delivery: with a Message-ID, the ID and the body (transport headers
    such as Received differ between two deliveries of one message); without, the bytes."""
    if not message_id:
        return hashlib.sha256(raw).hexdigest()
    separator = re.search(rb"\r?\n\r?\n", raw)
    body = raw[separator.end() :] if separator else b""
    digest = hashlib.sha256(b"mid:" + message_id.encode("utf-8", "replace") + b"\n")
    digest.update(hashlib.sha256(body).digest())
    return digest.hexdigest()


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse ``raw``. Never raises for any input; problems are listed in ``defects``."""
    parsed = ParsedMessage(raw=raw)
    try:
        _parse_into(parsed, raw)
    except Exception as error:  # last resort: keep the raw bytes and a readable body
        logger.warning("mail parser fell back to raw text: %r", error)
        parsed.defects.append(f"parser error: {error!r}")
        if not parsed.body_text:
            parsed.body_text = clean_text(_decode_bytes(raw, None))
    if not parsed.content_hash:
        parsed.content_hash = content_hash(raw, parsed.message_id)
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


def _parse_into(parsed: ParsedMessage, raw: bytes) -> None:
    source, joined = _join_base64_lines(_repair_folding(raw))
    message: Message = BytesParser(policy=policy.compat32).parsebytes(source)
    if joined and not _joined_as_expected(message, joined):
        message = BytesParser(policy=policy.compat32).parsebytes(_repair_folding(raw))
    parsed.defects.extend(type(defect).__name__ for defect in message.defects)
    parsed.headers = _header_items(message)
    ids = _message_ids(parsed.header("Message-ID"))
    parsed.message_id = ids[0][:900] if ids else ""
    parsed.content_hash = content_hash(raw, parsed.message_id)
    parsed.in_reply_to = _message_ids(" ".join(parsed.header_values("In-Reply-To")))
    parsed.references = _message_ids(" ".join(parsed.header_values("References")))
    parsed.subject = parsed.header("Subject")
    senders = _addresses(parsed.header_values("From"))
    parsed.from_ = senders[0] if senders else None
    parsed.to = _addresses(parsed.header_values("To"))
    parsed.cc = _addresses(parsed.header_values("Cc"))
    parsed.reply_to = _addresses(parsed.header_values("Reply-To"))
    envelope = [value for name in ENVELOPE_HEADERS for value in parsed.header_values(name)]
    parsed.delivered_to = _addresses(envelope)
    parsed.date = _date(parsed.header("Date"))
    parsed.x_loop = parsed.header_values("X-Loop")
    _body(parsed, message)
    parsed.auto_submitted_reason = _auto_submitted(parsed)
