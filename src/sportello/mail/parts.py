"""Attachments that need more than their bytes: a name when the sender gave none, attached
messages and delivery reports, and Outlook's winmail.dat (TNEF) unpacked."""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser

logger = logging.getLogger(__name__)

TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")
MESSAGE_TYPES = ("message/rfc822", "message/global")
# Reports whose fields the parser holds as several blocks of headers.
REPORT_TYPES = ("message/delivery-status", "message/disposition-notification")
# Names for types the registry does not know, or knows with an unusual extension first.
EXTENSIONS = {
    "application/octet-stream": ".bin",
    "text/plain": ".txt",
    "image/jpeg": ".jpg",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "text/rfc822-headers": ".txt",
    "message/rfc822": ".eml",
    "message/global": ".eml",
}
STEMS = {
    "message/delivery-status": "delivery-status",
    "message/disposition-notification": "disposition-notification",
    "text/rfc822-headers": "returned-headers",
}
_SUBJECT = re.compile(rb"^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_HEADERS_END = re.compile(rb"\r?\n\r?\n")


def default_name(content_type: str) -> str:
    """A name from the content type, as OTRS gives one: file.bin, image.gif, file.html."""
    extension = EXTENSIONS.get(content_type) or (
        mimetypes.guess_extension(content_type, strict=False) or ".bin"
    )
    stem = STEMS.get(content_type) or ("image" if content_type.startswith("image/") else "file")
    return f"{stem}{extension}"


def message_subject(data: bytes) -> str:
    """The raw Subject of a message's header block (the caller decodes it)."""
    end = _HEADERS_END.search(data)
    found = _SUBJECT.search(data[: end.start() if end else len(data)])
    return found.group(1).decode("ascii", "surrogateescape").strip() if found else ""


def report_bytes(part: Message) -> bytes:
    """A delivery or disposition report: all its field blocks (the parser holds each as
    a message of headers; only the first would be the per-message fields)."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        data = part.get_payload(decode=True)
        return data if isinstance(data, bytes) else b""
    blocks = []
    for block in payload:
        if isinstance(block, Message):
            blocks.append(block.as_bytes(policy=policy.compat32.clone(linesep="\n")).strip())
    return b"\n\n".join(blocks) + b"\n"


def returned_message(data: bytes) -> tuple[str, str]:
    """Raw Subject and Message-ID of a returned message or its headers."""
    end = _HEADERS_END.search(data)
    head = data[: end.start() if end else len(data)]
    parsed = BytesParser(policy=policy.compat32).parsebytes(head + b"\n\n", headersonly=True)
    return str(parsed.get("Subject", "") or ""), str(parsed.get("Message-ID", "") or "")


@dataclass(frozen=True)
class Unpacked:
    filename: str
    content_type: str
    data: bytes


def unpack_tnef(data: bytes) -> list[Unpacked]:
    """The files inside a winmail.dat; none when it cannot be read (the part itself is
    kept either way)."""
    from tnefparse import TNEF  # only for the rare Outlook mail that carries one

    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception:  # any malformed stream: keep the part as it came
        logger.info("winmail.dat could not be unpacked", exc_info=True)
        return []
    files: list[Unpacked] = []
    for attachment in tnef.attachments:
        try:
            name = attachment.long_filename() or attachment.name
        except (UnicodeError, AttributeError, TypeError):
            name = ""
        if isinstance(name, bytes):
            name = name.decode("utf-8", "replace")
        content = attachment.data if isinstance(attachment.data, bytes) else b""
        content_type = mimetypes.guess_type(name)[0] if name else None
        files.append(Unpacked(name, content_type or "application/octet-stream", content))
    return files
