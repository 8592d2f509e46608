"""The ticket zoom, its article marks and its inline answer form."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sportello.accounts import permissions
from sportello.accounts.decorators import agent_required
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, DomainError
from sportello.core.errors import PermissionDenied as DomainPermissionDenied
from sportello.mail import forwarding
from sportello.mail.context import customer_address
from sportello.tickets import actions, presence, time_accounting
from sportello.tickets.models import Channel, SenderType, Ticket
from sportello.web import uploads, zoom, zoom_render
from sportello.web.forms.common import AnswerForm
from sportello.web.views import presence as presence_view
from sportello.web.views.common import visible_ticket


def _zoom(
    request: HttpRequest,
    ticket: Ticket,
    answer_form: AnswerForm | None = None,
    status: int = 200,
    files: uploads.Uploads | None = None,
) -> HttpResponse:
    flt = zoom.ZoomFilter.from_query(request.GET)
    data = zoom.build(ticket, request.user, flt)  # type: ignore[arg-type]
    history = ticket.history.order_by("-id")[:5]
    user = request.user
    # Answering (the inline form, the article menus' reply, forward, bounce) needs rw, as
    # the actions check: an agent without it is not shown what would be refused.
    may_answer = permissions.may(user, "rw", ticket.queue)  # type: ignore[arg-type]
    render_context = zoom_render.context(
        ticket,
        get_token(request),
        may_act=may_answer,
        locked_by_other=ticket.is_locked and ticket.owner_id != user.pk,
    )
    if answer_form is None:
        answer_form = AnswerForm(
            initial={"to": customer_address(ticket), "changed": ticket.changed.isoformat()},
            article_fields=data.article_fields,
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
            "may_answer": may_answer,
            "accounted_minutes": time_accounting.total_minutes(ticket),
            "channels": Channel.choices,
            "sender_types": SenderType.choices,
            **uploads.context(files),
            **presence_view.context(ticket.pk, user),  # type: ignore[arg-type]
        },
        status=status,
    )
    if flt.load_external:
        # The agent asked for the mail's external images: let the browser fetch them.
        response._csp_update = {"img-src": ["https:", "http:"]}  # type: ignore[attr-defined]
    return response


@agent_required
def ticket_zoom(request: HttpRequest, number: str) -> HttpResponse:
    return _zoom(request, visible_ticket(request, number))


@agent_required
@require_POST
def article_mark(request: HttpRequest, number: str, article: int) -> HttpResponse:
    ticket = visible_ticket(request, number)
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
    ticket = visible_ticket(request, number)
    files = uploads.receive(request, ticket.queue)
    if files.removed:
        form = AnswerForm(initial=uploads.as_initial(request.POST))
        return _zoom(request, ticket, form, files=files)
    form = AnswerForm(request.POST)
    if files.error:
        form.is_valid()
        form.add_error(None, files.error)
        return _zoom(request, ticket, form, status=413, files=files)
    if not form.is_valid():
        return _zoom(request, ticket, form, status=400, files=files)
    last_customer_article = ticket.articles.filter(sender_type="customer").order_by("-number")
    actor = Actor(user=request.user)  # type: ignore[arg-type]
    try:
        # The reply dialog's path: the version check, then the one answer function.
        with actions.editing(ticket, actor=actor, changed=form.cleaned_data["changed"]) as current:
            forwarding.answer(
                current,
                actor=actor,
                text=form.cleaned_data["text"],
                to=form.addresses("to"),
                cc=form.addresses("cc"),
                reply_to=last_customer_article.first(),
                article_fields=form.article_values(),
                attachments=uploads.for_mail(files.items),
                accounted_minutes=form.cleaned_data["time_units"],
                content_type=form.cleaned_data["content_type"],
            )
    except DomainError as error:
        fresh = visible_ticket(request, number)
        # The agent's input stays; the form now carries the version they will see.
        data = request.POST.copy()
        data["changed"] = fresh.changed.isoformat()
        form = AnswerForm(data)
        form.is_valid()
        form.add_error(None, str(error))
        status = (
            403
            if isinstance(error, DomainPermissionDenied)
            else 409
            if isinstance(error, Conflict)
            else 400
        )
        return _zoom(request, fresh, form, status=status, files=files)
    uploads.clear(files)
    presence.leave(ticket.pk, actor.user.pk)
    messages.success(request, _("The answer was queued for sending."))
    return redirect("web:ticket", number=ticket.number)
