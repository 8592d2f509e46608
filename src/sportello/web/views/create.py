"""New phone ticket, new email ticket, and the customer search behind both."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sportello.accounts.decorators import agent_required
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import DomainError
from sportello.customers.models import CustomerUser
from sportello.mail.actions import create_email_ticket
from sportello.mail.html_text import html_to_text
from sportello.queues.models import Queue
from sportello.tickets import actions, rich_text
from sportello.tickets.models import Ticket
from sportello.web import article_templates, uploads
from sportello.web.forms.create import NewEmailTicketForm, NewPhoneTicketForm, NewTicketForm
from sportello.web.models import FormUpload

SEARCH_LIMIT = 15


def _done(request: HttpRequest, ticket: Ticket, view_name: str) -> HttpResponse:
    messages.success(request, _("Ticket %(number)s was created.") % {"number": ticket.number})
    if getattr(request.user, "after_create", "zoom") == "form":
        return redirect(view_name)
    return redirect("web:ticket", number=ticket.number)


def _chosen_queue(query: QueryDict) -> Queue | None:
    """The queue the form names (for its attachment limit and templates; the form
    checks the rest)."""
    value = query.get("queue", "")
    return Queue.objects.filter(pk=int(value)).first() if value.isdigit() else None


def _insert_template(
    request: HttpRequest, form_class: type[NewTicketForm], files: uploads.Uploads
) -> tuple[NewTicketForm, str]:
    """The form as submitted with the chosen Create template inserted before the text:
    its placeholders filled (customer, agent, queue), its files added to the uploads."""
    agent = request.user
    assert isinstance(agent, User)
    initial = uploads.as_initial(request.POST)
    try:
        inserted = article_templates.insert_for_new_ticket(
            request.POST.get("template", ""),
            agent=agent,
            form_id=files.form_id,
            queue=_chosen_queue(request.POST),
            customer=request.POST.get("customer", "").strip(),
        )
    except DomainError as refused:
        return form_class(initial=initial, agent=agent), str(refused)
    if inserted is not None:
        typed = request.POST.get("text", "").strip()
        text = inserted.text
        if rich_text.looks_like_html(text):  # the phone ticket's text is plain
            text = html_to_text(rich_text.clean_text_html(text)).strip()
        initial["text"] = text + (f"\n\n{typed}" if typed else "")
        files.items = uploads.cached(agent, files.form_id)
    return form_class(initial=initial, agent=agent), ""


def _new_ticket(
    request: HttpRequest, form_class: type[NewTicketForm], kind: str, create: Callable[..., Ticket]
) -> HttpResponse:
    """The shared flow of both forms: uploads into the form's cache (kept when the form
    comes back), a remove button shows the form again, the limit is a 413 form error."""
    agent = request.user
    if request.method != "POST":
        form = form_class(agent=agent)  # type: ignore[arg-type]
        return _page(request, form, kind, uploads.Uploads(uploads.new_form_id()))
    files = uploads.receive(request, _chosen_queue(request.POST))
    if kind == "phone" and request.POST.get("insert") and not files.error:
        form, error = _insert_template(request, form_class, files)
        return _page(request, form, kind, files, error=error)
    if files.removed:
        initial = uploads.as_initial(request.POST)
        return _page(request, form_class(initial=initial, agent=agent), kind, files)  # type: ignore[arg-type]
    form = form_class(request.POST, agent=agent)  # type: ignore[arg-type]
    if files.error:
        form.is_valid()
        form.add_error(None, files.error)
        return _page(request, form, kind, files, status=413)
    if form.is_valid():
        try:
            ticket = create(form, Actor(user=agent), files.items)  # type: ignore[arg-type]
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            uploads.clear(files)
            return _done(request, ticket, f"web:new-{kind}-ticket")
    return _page(request, form, kind, files, status=400)


def _page(
    request: HttpRequest,
    form: NewTicketForm,
    kind: str,
    files: uploads.Uploads,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    context = {"form": form, "kind": kind, **uploads.context(files)}
    if kind == "phone":
        chosen = form.data.get("template") or form.initial.get("template", "")
        context["templates"] = article_templates.create_templates(_chosen_queue(request.POST))
        context["chosen_template"], context["template_error"] = str(chosen), error
    return render(request, "web/new_ticket.html", context, status=status)


@agent_required
def new_phone_ticket(request: HttpRequest) -> HttpResponse:
    def create(form: NewTicketForm, actor: Actor, files: list[FormUpload]) -> Ticket:
        return actions.create_phone_ticket(
            actor=actor,
            text=form.cleaned_data["text"],
            from_address=form.customer_address(),
            attachments=uploads.for_article(files),
            content_type=form.cleaned_data["content_type"],
            **form.common(),
        )

    return _new_ticket(request, NewPhoneTicketForm, "phone", create)


@agent_required
def new_email_ticket(request: HttpRequest) -> HttpResponse:
    def create(form: NewTicketForm, actor: Actor, files: list[FormUpload]) -> Ticket:
        assert isinstance(form, NewEmailTicketForm)
        return create_email_ticket(
            actor=actor,
            text=form.cleaned_data.get("text", ""),
            to=[form.customer_email()],
            cc=form.cc_addresses(),
            template=form.cleaned_data.get("template"),
            attachments=uploads.for_mail(files),
            content_type=form.cleaned_data["content_type"],
            **form.common(),
        )

    return _new_ticket(request, NewEmailTicketForm, "email", create)


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
