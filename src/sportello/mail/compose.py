"""Composing outgoing mail: sandboxed variables, subjects with the ticket hook, MIME bytes.

Salutations, signatures, templates and auto-responses are admin-written text with
variables such as ``{{ customer.first_name }}``, rendered by Jinja2's sandbox so a text can
read the documented variables and nothing else.
"""

from __future__ import annotations

import functools
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.core.errors import InvalidInput

_REPLY_PREFIX = re.compile(
    r"^\s*((re|aw|r|antw|sv|vs|fwd?|wg|i|tr)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


@functools.cache
def _environment() -> Any:
    # Imported on first use: the mail pipe starts a process per message.
    from jinja2 import ChainableUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=True
    )


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> Any:
    # Salutations, signatures and notification texts repeat: compile each once.
    return _environment().from_string(text)


def render_text(text: str, context: Mapping[str, Any]) -> str:
    """Render admin-written text; a broken or unsafe template is a clear input error."""
    from jinja2 import TemplateError

    try:
        return _compiled(text).render(**context)
    except TemplateError as error:
        raise InvalidInput(_("The text cannot be rendered: %(error)s"), error=str(error)) from None


def person(
    first_name: str = "", last_name: str = "", email: str = "", login: str = ""
) -> dict[str, str]:
    full_name = f"{first_name} {last_name}".strip()
    return {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "login": login,
        "full_name": full_name or email,
    }


def strip_reply_prefixes(subject: str) -> str:
    return _REPLY_PREFIX.sub("", subject).strip()


def strip_ticket_hook(subject: str, number: str) -> str:
    hook = re.escape(settings.SPORTELLO_TICKET_HOOK)
    pattern = rf"\[?\s*{hook}\s*:?\s*{re.escape(number)}\s*\]?\s*"
    return re.sub(pattern, "", subject, flags=re.IGNORECASE).strip()


def answer_subject(number: str, title: str, *, prefix: str = "Re: ") -> str:
    """OTRS style: ``[Ticket#<number>] Re: <title>`` (the mail-in side finds the number)."""
    title = strip_reply_prefixes(strip_ticket_hook(title, number))
    return f"[{settings.SPORTELLO_TICKET_HOOK}{number}] {prefix}{title}".rstrip()


def quote(text: str, *, author: str, date: str) -> str:
    quoted = "\n".join("> " + line if line else ">" for line in text.splitlines())
    return f"{date} {author}:\n{quoted}\n"


def new_message_id() -> str:
    """Short enough to stay on one header line (some parsers mishandle a folded ID)."""
    stamp = format(int(time.time() * 1000), "x")
    return f"<{stamp}.{secrets.token_hex(8)}@{settings.SPORTELLO_MAIL_DOMAIN}>"


@dataclass
class OutgoingAttachment:
    filename: str
    content_type: str
    content: bytes
    # Set for an image the HTML part shows (``cid:``): a related part, not an attachment.
    content_id: str = ""


def _address(display_name: str, email: str) -> Address:
    local, _, domain = email.rpartition("@")
    return Address(display_name=display_name, username=local, domain=domain)


def build_message(
    *,
    sender: tuple[str, str],
    to: Sequence[str],
    subject: str,
    body: str,
    message_id: str,
    cc: Sequence[str] = (),
    in_reply_to: str = "",
    references: str = "",
    headers: Mapping[str, str] | None = None,
    attachments: Sequence[OutgoingAttachment] = (),
    html: str = "",
) -> bytes:
    """The message's bytes as they go over SMTP (RFC 2047/2231 encoding by ``email``).
    With ``html``: multipart/alternative (``body`` as its plain rendering first), the
    HTML in multipart/related with the inline images, all in multipart/mixed when there
    are attachments."""
    message = EmailMessage(policy=SMTP)
    message["From"] = _address(*sender)
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    message["X-Loop"] = settings.SPORTELLO_LOOP_ID
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
        html_part = list(message.iter_parts())[1]
        assert isinstance(html_part, EmailMessage)
        for image in (a for a in attachments if a.content_id):
            maintype, _, subtype = image.content_type.partition("/")
            html_part.add_related(
                image.content,
                maintype=maintype,
                subtype=subtype,
                cid=f"<{image.content_id}>",
                filename=image.filename,
                disposition="inline",
            )
    for item in attachments:
        if html and item.content_id:
            continue
        maintype, _, subtype = item.content_type.partition("/")
        message.add_attachment(
            item.content,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=item.filename,
        )
    return message.as_bytes()
