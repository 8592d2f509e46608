"""Attachments, raw sources and .eml files: always through the ticket's permission check,
always with a safe filename, never rendered by the browser unless harmless."""

from __future__ import annotations

import re
import unicodedata

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase

from sportello.accounts.decorators import agent_required
from sportello.tickets.articles import raw_message
from sportello.tickets.models import Article, Attachment
from sportello.web import zoom
from sportello.web.views.common import visible_ticket

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')


def safe_filename(name: str, default: str = "attachment") -> str:
    """No path, no control characters, no quotes; never empty, never hidden."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:200] or default


def _article(request: HttpRequest, number: str, article: int) -> Article:
    ticket = visible_ticket(request, number)
    item = ticket.articles.filter(number=article).first()
    if item is None:
        raise Http404
    return item


@agent_required
def attachment(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    ticket = visible_ticket(request, number)
    item = Attachment.objects.filter(pk=pk, article__ticket=ticket).first()
    if item is None or not item.file:
        raise Http404
    inline = request.GET.get("inline") == "1" and zoom.previewable(item)
    content_type = item.content_type.split(";")[0].strip().lower() if inline else None
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=safe_filename(item.filename),
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        # A preview is a document of its own: no scripts, no plugins, no framing by others.
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
        response["Cache-Control"] = "private, max-age=3600"
    return response


def _raw_bytes(item: Article) -> bytes:
    raw = raw_message(item)
    if raw is None:
        raise Http404
    return raw


@agent_required
def article_raw(request: HttpRequest, number: str, article: int) -> HttpResponse:
    item = _article(request, number, article)
    response = HttpResponse(_raw_bytes(item), content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@agent_required
def article_eml(request: HttpRequest, number: str, article: int) -> HttpResponse:
    item = _article(request, number, article)
    response = HttpResponse(_raw_bytes(item), content_type="message/rfc822")
    filename = safe_filename(f"{item.ticket.number}-{item.number}.eml")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
