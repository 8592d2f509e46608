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
from sportello.accounts.services import update_preferences
from sportello.core.actor import Actor
from sportello.core.errors import DomainError, NotFound
from sportello.mail.actions import send_answer
from sportello.mail.context import customer_address
from sportello.notifications import services as notifications
from sportello.notifications.models import Notification
from sportello.tickets import selectors
from sportello.tickets.models import Ticket
from sportello.web.forms import AnswerForm, PreferencesForm

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


@agent_required
def notification_list(request: HttpRequest) -> HttpResponse:
    items = (
        Notification.objects.filter(agent=request.user)  # type: ignore[misc]
        .select_related("ticket")
        .order_by("read_at", "-created")[:200]
    )
    return render(request, "web/notifications.html", {"notifications": items})


@agent_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notifications.mark_read(request.user, ids or None)  # type: ignore[arg-type]
    return redirect("web:notifications")


@agent_required
def preferences(request: HttpRequest) -> HttpResponse:
    agent = request.user
    initial = {
        "my_queues": list(agent.my_queues.all()),  # type: ignore[union-attr]
        "out_of_office_start": agent.out_of_office_start,  # type: ignore[union-attr]
        "out_of_office_end": agent.out_of_office_end,  # type: ignore[union-attr]
    }
    form = PreferencesForm(request.POST or None, agent=agent, initial=initial)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_preferences(
                agent,  # type: ignore[arg-type]
                my_queues=data["my_queues"],
                out_of_office=(data["out_of_office_start"], data["out_of_office_end"]),
                notifications=form.notifications(),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your preferences were saved."))
            return redirect("web:preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/preferences.html", {"form": form}, status=status)
