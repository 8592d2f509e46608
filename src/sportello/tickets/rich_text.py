"""Text as an agent writes it: plain, or HTML from the editor (``text/html``).

HTML is cleaned on the server whatever the editor sent (``core.sanitize``, the rules of
every page), its pasted images become inline attachments with a Content-ID, and its
plain-text rendering goes with it (the article's ``body``, the mail's text part).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from sportello.core.errors import InvalidInput
from sportello.core.sanitize import clean_authored
from sportello.mail.html_text import html_to_text
from sportello.tickets.articles import AttachmentInput

PLAIN = "text/plain"
HTML = "text/html"
CONTENT_TYPES = (PLAIN, HTML)
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
# Admin-written texts (signatures, salutations, templates) have no format column: one that
# starts with a tag is HTML.
_STARTS_WITH_TAG = re.compile(r"\A\s*<(?:[a-z][a-z0-9]*)(?:\s[^>]*)?/?>", re.IGNORECASE)


@dataclass(frozen=True)
class RichText:
    text: str
    html: str = ""
    images: tuple[AttachmentInput, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.images


def looks_like_html(text: str) -> bool:
    return bool(_STARTS_WITH_TAG.match(text))


def text_to_html(text: str) -> str:
    """Plain text as HTML paragraphs (lines kept with ``<br>``), escaped."""
    blocks = re.split(r"\n\s*\n", text.strip("\n"))
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in block.split("\n")) + "</p>"
        for block in blocks
        if block.strip()
    )


def clean_html(markup: str) -> tuple[str, tuple[AttachmentInput, ...]]:
    """Authored HTML cleaned, with its pasted images as inline attachments (each within
    ``SPORTELLO_INLINE_IMAGE_MAX_SIZE``, else a clear input error)."""
    images: list[AttachmentInput] = []
    # nh3 ignores what its callback raises: the first refusal is raised afterwards.
    refused: list[InvalidInput] = []
    limit = settings.SPORTELLO_INLINE_IMAGE_MAX_SIZE

    def keep(content_type: str, encoded: str) -> str | None:
        try:
            content = base64.b64decode("".join(encoded.split()), validate=True)
        except (binascii.Error, ValueError):
            refused.append(InvalidInput(_("A pasted image could not be read.")))
            return None
        if len(content) > limit:
            refused.append(
                InvalidInput(
                    _("A pasted image is too large (%(size)s, at most %(limit)s)."),
                    size=filesizeformat(len(content)),
                    limit=filesizeformat(limit),
                )
            )
            return None
        content_id = f"{secrets.token_hex(8)}@{settings.SPORTELLO_MAIL_DOMAIN}"
        name = f"image-{len(images) + 1}.{EXTENSIONS[content_type]}"
        images.append(AttachmentInput(name, content_type, content, content_id, inline=True))
        return f"cid:{content_id}"

    cleaned = clean_authored(markup, inline_image=keep)
    if refused:
        raise refused[0]
    return cleaned, tuple(images)


def clean_text_html(markup: str) -> str:
    """An admin's HTML (signature, template) cleaned; a pasted image there is dropped."""
    return clean_authored(markup, inline_image=lambda content_type, data: None)


def from_input(content: str, content_type: str = PLAIN) -> RichText:
    """What a form or the API sent: plain text as it is, HTML cleaned and rendered."""
    if content_type not in CONTENT_TYPES:
        raise InvalidInput(
            _("Unknown content type %(type)s (text/plain or text/html)."), type=content_type
        )
    if content_type == PLAIN:
        return RichText(content)
    cleaned, images = clean_html(content)
    return RichText(html_to_text(cleaned), cleaned, images)
