"""PDF print of a ticket (every article, internal ones marked) and of one article.

The PDF library (fpdf2 with its image and font packages) is imported on the first print,
not with the URL configuration: every process that reverses a URL loads this module,
including the MTA pipe building an auto-response's ticket link.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from sportello.accounts.decorators import agent_required
from sportello.core.errors import DomainError
from sportello.web.views.common import visible_ticket
from sportello.web.views.downloads import safe_filename


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{safe_filename(filename)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@agent_required
def ticket_print(request: HttpRequest, number: str) -> HttpResponse:
    ticket = visible_ticket(request, number)
    articles = ticket.articles.order_by("number").prefetch_related("attachments")
    from sportello.web import pdf

    try:
        content = pdf.ticket_pdf(ticket, articles)
    except DomainError as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    return pdf_response(content, f"ticket-{ticket.number}.pdf")


@agent_required
def article_print(request: HttpRequest, number: str, article: int) -> HttpResponse:
    ticket = visible_ticket(request, number)
    item = ticket.articles.prefetch_related("attachments").filter(number=article).first()
    if item is None:
        raise Http404
    from sportello.web import pdf

    try:
        content = pdf.article_pdf(ticket, item)
    except DomainError as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    return pdf_response(content, f"ticket-{ticket.number}-{item.number}.pdf")
