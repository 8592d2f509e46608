"""New phone ticket, new email ticket, and the customer search behind both."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sportello.core.actor import Actor
from sportello.core.errors import DomainError
from sportello.customers.models import CustomerUser
from sportello.mail.actions import create_email_ticket
from sportello.tickets import actions
from sportello.tickets.models import Ticket
from sportello.web.forms.create import NewEmailTicketForm, NewTicketForm
from sportello.web.views.common import agent_required

SEARCH_LIMIT = 15


def _done(request: HttpRequest, ticket: Ticket, view_name: str) -> HttpResponse:
    messages.success(request, _("Ticket %(number)s was created.") % {"number": ticket.number})
    if getattr(request.user, "after_create", "zoom") == "form":
        return redirect(view_name)
    return redirect("web:ticket", number=ticket.number)


@agent_required
def new_phone_ticket(request: HttpRequest) -> HttpResponse:
    form = NewTicketForm(request.POST or None, request.FILES or None, agent=request.user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        try:
            ticket = actions.create_phone_ticket(
                actor=Actor(user=request.user),  # type: ignore[arg-type]
                text=form.cleaned_data["text"],
                from_address=form.customer_address(),
                **form.common(),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, ticket, "web:new-phone-ticket")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/new_ticket.html", {"form": form, "kind": "phone"}, status=status)


@agent_required
def new_email_ticket(request: HttpRequest) -> HttpResponse:
    form = NewEmailTicketForm(request.POST or None, request.FILES or None, agent=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = create_email_ticket(
                actor=Actor(user=request.user),  # type: ignore[arg-type]
                text=form.cleaned_data.get("text", ""),
                to=[form.customer_email()],
                cc=form.cc_addresses(),
                template=form.cleaned_data.get("template"),
                **form.common(),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, ticket, "web:new-email-ticket")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/new_ticket.html", {"form": form, "kind": "email"}, status=status)


@agent_required
def customer_search(request: HttpRequest) -> HttpResponse:
    """htmx: ``<option>``s for the customer field's datalist (search as you type)."""
    # The create forms send "customer", the customer dialog "customer_user_id".
    query = request.GET
    term = query.get("customer") or query.get("customer_user_id") or query.get("q") or ""
    term = term.strip()[:100]
    found: list[CustomerUser] = []
    if len(term) >= 2:
        found = list(
            CustomerUser.objects.filter(valid=True)
            .filter(
                Q(login__istartswith=term)
                | Q(email__istartswith=term)
                | Q(first_name__istartswith=term)
                | Q(last_name__istartswith=term)
            )
            .select_related("company")
            .order_by("last_name", "first_name", "login")[:SEARCH_LIMIT]
        )
    return render(request, "web/customer_options.html", {"customers": found, "term": term})
