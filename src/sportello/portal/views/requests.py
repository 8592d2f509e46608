"""My requests: the customer's tickets, one ticket, reply, close, attachment download."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from sportello.accounts import permissions
from sportello.core.errors import DomainError
from sportello.customers.models import CustomerUser
from sportello.portal import selectors, services
from sportello.portal.auth import customer_required, get_customer
from sportello.portal.forms import ReplyForm
from sportello.portal.views.common import render, request_too_large
from sportello.tickets.models import Ticket

PAGE_SIZE = 25


def _customer(request: HttpRequest) -> CustomerUser:
    customer = get_customer(request)
    assert customer is not None  # customer_required ran first
    return customer


@require_GET
@customer_required
def my_requests(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    status = request.GET.get("status", "")
    status = status if status in ("open", "closed") else ""
    search = request.GET.get("q", "")[:200]
    tickets = selectors.my_requests(customer, status=status, search=search)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(t, selectors.customer_state(t)) for t in page.object_list]
    context = {"page": page, "rows": rows, "status": status, "q": search}
    return render(request, "my_requests.html", context)


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    form: ReplyForm | None = None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    customer = _customer(request)
    articles = (
        permissions.customer_articles(customer, ticket)
        .order_by("number")
        .prefetch_related("attachments")
    )
    context = {
        "ticket": ticket,
        "state": selectors.customer_state(ticket),
        "articles": articles,
        "form": form or ReplyForm(),
        "may_close": permissions.customer_may_close(customer, ticket),
        "error": error,
    }
    return render(request, "ticket.html", context, status=status)


@require_GET
@customer_required
def ticket(request: HttpRequest, number: str) -> HttpResponse:
    return _ticket_page(request, selectors.my_ticket(_customer(request), number))


@require_POST
@customer_required
def reply(request: HttpRequest, number: str) -> HttpResponse:
    customer = _customer(request)
    current = selectors.my_ticket(customer, number)
    refused = request_too_large(request)
    if refused is not None:
        return refused
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _ticket_page(request, current, form, status=400)
    try:
        target = services.reply(
            customer,
            current,
            text=form.cleaned_data["text"],
            attachments=services.uploads_to_attachments(form.cleaned_data["attachments"]),
        )
    except DomainError as error:
        form.add_error(None, str(error))
        return _ticket_page(request, current, form, status=409)
    return redirect("portal:ticket", number=target.number)


@require_POST
@customer_required
def close(request: HttpRequest, number: str) -> HttpResponse:
    customer = _customer(request)
    current = selectors.my_ticket(customer, number)
    try:
        services.close(customer, current)
    except DomainError as error:
        return _ticket_page(request, current, status=409, error=str(error))
    return redirect("portal:ticket", number=current.number)


@require_GET
@customer_required
def attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    customer = _customer(request)
    item = selectors.my_attachment(customer, selectors.my_ticket(customer, number), attachment_id)
    response = FileResponse(
        item.file.open("rb"),
        as_attachment=True,
        filename=services.safe_filename(item.filename),
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
