"""FAQ fields for the browser: the article's rich text through the mail HTML sanitizer
(``core.sanitize``), its ``cid:`` images pointing at the article's own attachments by a
URL the calling page chooses (agent, portal or public)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from html import unescape
from typing import Any

from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from sportello.core.sanitize import sanitize
from sportello.kb.models import CONTENT_FIELDS, FaqAttachment


def rendered_fields(
    values: Mapping[str, Any],
    attachments: Iterable[FaqAttachment],
    url: Callable[[FaqAttachment], str],
) -> list[tuple[str, SafeString]]:
    """(field name, sanitized HTML) of the non-empty content fields."""
    by_cid = {a.content_id or a.filename: a for a in attachments}

    def cid_url(content_id: str) -> str | None:
        attachment = by_cid.get(content_id)
        return url(attachment) if attachment is not None else None

    result = []
    for name in CONTENT_FIELDS:
        html = values.get(name) or ""
        if html.strip():
            result.append((name, mark_safe(sanitize(html, cid_url=cid_url).html)))  # noqa: S308
    return result


BLOCK_END = re.compile(r"(?i)<br\s*/?>|</(p|div|li|h[1-6]|tr|pre|blockquote)>")


def field_text(html: str) -> str:
    """One field's text without markup, its paragraphs and list items on lines of their
    own (for the PDF)."""
    text = unescape(strip_tags(BLOCK_END.sub("\n", html or "")))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def plain_text(values: Mapping[str, Any]) -> str:
    """The article's text without markup, for quoting in an answer."""
    parts = []
    for name in ("symptom", "problem", "solution"):
        text = strip_tags(values.get(name) or "").strip()
        if text:
            parts.append(text)
    return "\n\n".join(parts)
