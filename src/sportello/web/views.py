"""Agent pages. Thin: selectors read, actions write, the permission module decides."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sportello.accounts import permissions
from sportello.accounts.services import update_appearance, update_preferences
from sportello.core.actor import Actor
from sportello.core.errors import DomainError, NotFound
from sportello.core.errors import PermissionDenied as DomainPermissionDenied
from sportello.mail.actions import send_answer
from sportello.mail.context import customer_address
from sportello.notifications import services as notifications
from sportello.notifications.models import Notification
from sportello.tickets import selectors
from sportello.tickets.models import Channel, SenderType, Ticket
from sportello.web import zoom, zoom_render
from sportello.web.forms import AnswerForm, PreferencesForm

View = Callable[..., HttpResponseBase]


def agent_required(view: View) -> View:
    """Logged-in, active agents only; the system user never logs in."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "is_system", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


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
    flt = zoom.ZoomFilter.from_query(request.GET)
    data = zoom.build(ticket, request.user, flt)  # type: ignore[arg-type]
    history = ticket.history.order_by("-id")[:5]
    user = request.user
    render_context = zoom_render.context(
        ticket,
        get_token(request),
        may_act=permissions.may(user, "rw", ticket.queue),  # type: ignore[arg-type]
        locked_by_other=ticket.is_locked and ticket.owner_id != user.pk,
    )
    if answer_form is None:
        answer_form = AnswerForm(
            initial={"to": customer_address(ticket)}, article_fields=data.article_fields
        )
    response = render(
        request,
        "web/ticket.html",
        {
            "ticket": ticket,
            "zoom": data,
            "article_rows": zoom_render.rows(render_context, data.articles),
            "article_cards": zoom_render.cards(render_context, data.shown),
            "filter": flt,
            "history": history,
            "answer_form": answer_form,
            "channels": Channel.choices,
            "sender_types": SenderType.choices,
        },
        status=status,
    )
    if flt.load_external:
        # The agent asked for the mail's external images: let the browser fetch them.
        response._csp_update = {"img-src": ["https:", "http:"]}  # type: ignore[attr-defined]
    return response


@agent_required
def ticket_zoom(request: HttpRequest, number: str) -> HttpResponse:
    return _zoom(request, _visible_ticket(request, number))


@agent_required
@require_POST
def article_mark(request: HttpRequest, number: str, article: int) -> HttpResponse:
    ticket = _visible_ticket(request, number)
    item = ticket.articles.filter(number=article).first()
    if item is None:
        raise Http404
    marked = zoom.toggle_mark(request.user, item)  # type: ignore[arg-type]
    if request.htmx:  # type: ignore[attr-defined]
        ctx = zoom_render.context(ticket, get_token(request))
        return HttpResponse(zoom_render.mark_button(ctx, item.number, marked))
    return redirect(reverse("web:ticket", args=[ticket.number]) + f"#article-{item.number}")


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
            article_fields=form.article_values(),
        )
    except DomainError as error:
        form.add_error(None, str(error))
        status = 403 if isinstance(error, DomainPermissionDenied) else 400
        return _zoom(request, ticket, form, status=status)
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
        "after_create": agent.after_create,  # type: ignore[union-attr]
        **{name: getattr(agent, name) for name in PreferencesForm.APPEARANCE},
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
                after_create=data["after_create"] or None,
                appearance=form.appearance(),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if agent.language:  # type: ignore[union-attr]
                translation.activate(agent.language)  # type: ignore[union-attr]
            messages.success(request, _("Your preferences were saved."))
            return redirect("web:preferences")
    status = 400 if request.method == "POST" else 200
    return render(request, "web/preferences.html", {"form": form}, status=status)


@agent_required
@require_POST
def switch_skin(request: HttpRequest) -> HttpResponse:
    """The top bar's switch: the other skin, saved as the agent's preference."""
    agent = request.user
    skin = "light" if agent.skin == "dark" else "dark"  # type: ignore[union-attr]
    update_appearance(agent, {"skin": skin})  # type: ignore[arg-type]
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("web:preferences")
    return redirect(target)
