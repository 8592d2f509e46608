"""Agent pages. Thin: selectors read, actions write, the permission module decides."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.core.errors import DomainError, NotFound
from sportello.mail.actions import send_answer
from sportello.mail.context import customer_address
from sportello.tickets import selectors
from sportello.tickets.models import Ticket
from sportello.web.forms import AnswerForm

View = Callable[..., HttpResponse]


def agent_required(view: View) -> View:
    """Logged-in, active agents only; the system user never logs in."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "is_system", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@agent_required
def home(request: HttpRequest) -> HttpResponse:
    tickets = selectors.ticket_list(limit=50)
    return render(request, "web/home.html", {"tickets": tickets})


def _visible_ticket(request: HttpRequest, number: str) -> Ticket:
    """The ticket, or 404 when it does not exist or the agent may not see it."""
    try:
        ticket = selectors.ticket_by_number(number)
    except NotFound:
        raise Http404 from None
    if not permissions.may(request.user, "ro", ticket.queue):  # type: ignore[arg-type]
        raise Http404
    return ticket


def _zoom(
    request: HttpRequest, ticket: Ticket, answer_form: AnswerForm | None = None, status: int = 200
) -> HttpResponse:
    articles = ticket.articles.order_by("number").prefetch_related("attachments", "outbox")
    history = ticket.history.order_by("-id")
    if answer_form is None:
        answer_form = AnswerForm(initial={"to": customer_address(ticket)})
    return render(
        request,
        "web/ticket.html",
        {"ticket": ticket, "articles": articles, "history": history, "answer_form": answer_form},
        status=status,
    )


@agent_required
def ticket_zoom(request: HttpRequest, number: str) -> HttpResponse:
    return _zoom(request, _visible_ticket(request, number))


@agent_required
@require_POST
def ticket_answer(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _visible_ticket(request, number)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _zoom(request, ticket, form, status=400)
    last_customer_article = ticket.articles.filter(sender_type="customer").order_by("-number")
    try:
        send_answer(
            ticket,
            actor=Actor(user=request.user),  # type: ignore[arg-type]
            text=form.cleaned_data["text"],
            to=form.addresses("to"),
            cc=form.addresses("cc"),
            reply_to=last_customer_article.first(),
        )
    except DomainError as error:
        form.add_error(None, str(error))
        return _zoom(request, ticket, form, status=400)
    messages.success(request, _("The answer was queued for sending."))
    return redirect("web:ticket", number=ticket.number)
