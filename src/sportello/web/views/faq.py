"""The agent's FAQ pages: explorer, search, zoom, create/edit/duplicate, approval
queue, journal, print view, attachments, ratings, ticket links and the picker of the
article dialogs. Thin: ``kb.actions`` writes, ``kb.selectors`` reads, and every
permission question goes to ``accounts.permissions``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sportello.accounts import permissions
from sportello.accounts.decorators import agent_required
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import DomainError, NotFound, PermissionDenied
from sportello.kb import actions, selectors
from sportello.kb.models import CONTENT_FIELDS, Category, FaqAttachment, FaqItem, Language
from sportello.tickets.articles import AttachmentInput
from sportello.web.faq_render import plain_text, rendered_fields
from sportello.web.forms.faq import FaqItemForm, TicketLinkForm
from sportello.web.views.common import visible_ticket
from sportello.web.views.downloads import safe_filename


def _agent(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _item(request: HttpRequest, number: int, permission: str = "ro") -> FaqItem:
    """The article; 404 when it does not exist or the agent may not read it, 403 when
    ``permission`` (rw) is needed and missing."""
    try:
        item = selectors.agent_item(_agent(request), number)
    except NotFound:
        raise Http404 from None
    if permission != "ro" and not permissions.faq_may(_agent(request), permission, item.category):
        raise DjangoPermissionDenied(_("You may not change this FAQ article."))
    return item


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    status = 403 if isinstance(error, PermissionDenied) else 400
    return render(request, "web/faq/error.html", {"message": str(error)}, status=status)


def _category(request: HttpRequest) -> Category | None:
    raw = request.GET.get("category", "")
    if not raw.isdigit():
        return None
    return permissions.faq_categories(_agent(request), "ro").filter(pk=int(raw)).first()


@require_GET
@agent_required
def explorer(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    category = _category(request)
    sort = request.GET.get("sort", "title")
    items = selectors.agent_items(agent).filter(valid=True)
    if category is not None:
        items = items.filter(category=category)
    context: dict[str, Any] = {
        "tree": selectors.category_tree(agent),
        "category": category,
        "items": selectors.sorted_items(items, sort)[:200],
        "sort": sort if sort in selectors.SORTS else "title",
        "sorts": [
            ("title", _("Title")),
            ("number", _("Number")),
            ("changed", _("Changed")),
            ("created", _("Newest")),
            ("rating", _("Rating")),
        ],
    }
    if category is None:
        context["lists"] = [
            ("top", _("Top 10"), selectors.top_rated(agent)),
            ("newest", _("Newest"), selectors.newest(agent)),
            ("changed", _("Recently changed"), selectors.recently_changed(agent)),
        ]
    return render(request, "web/faq/explorer.html", context)


@require_GET
@agent_required
def search(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    query = request.GET.get("q", "").strip()[:200]
    language = request.GET.get("language", "")
    category = _category(request)
    results = (
        selectors.agent_search(agent, query, language=language, category=category)
        if query or language or category
        else []
    )
    context = {
        "query": query,
        "language": language,
        "category": category,
        "languages": Language.choices,
        "categories": [c for c, _count in selectors.category_tree(agent)],
        "results": results,
        "searched": bool(query or language or category),
    }
    return render(request, "web/faq/search.html", context)


def _fields(item: FaqItem) -> list[tuple[str, Any, Any]]:
    labels = {
        name: getattr(FaqItem._meta.get_field(name), "verbose_name", name)
        for name in CONTENT_FIELDS
    }
    attachments = list(item.attachments.all())
    rendered = rendered_fields(
        {name: getattr(item, name) for name in CONTENT_FIELDS},
        attachments,
        lambda a: reverse("web:faq-attachment", args=[item.number, a.pk]),
    )
    return [(name, labels[name], html) for name, html in rendered]


@require_GET
@agent_required
def zoom(request: HttpRequest, number: int) -> HttpResponse:
    agent = _agent(request)
    item = _item(request, number)
    links = [
        link.ticket
        for link in item.ticket_links.select_related("ticket", "ticket__queue").order_by("id")
        if permissions.may(agent, "ro", link.ticket.queue)
    ]
    translations = [
        (t, _fields(t))
        for t in selectors.translations(item)
        if t.pk != item.pk and permissions.faq_may(agent, "ro", t.category)
    ]
    voter = f"agent:{agent.pk}"
    context = {
        "item": item,
        "fields": _fields(item),
        "attachments": item.attachments.all(),
        "history": item.history.order_by("-id")[:50],
        "versions": item.versions.select_related("created_by").order_by("-number")[:20],
        "links": links,
        "translations": translations,
        "may_edit": permissions.faq_may(agent, "rw", item.category),
        "may_approve": item.pending and permissions.faq_may_approve(agent),
        "voted": item.votes.filter(voter=voter).exists(),
        "link_form": TicketLinkForm(),
        "public_url": _public_url(item),
    }
    return render(request, "web/faq/zoom.html", context)


def _public_url(item: FaqItem) -> str:
    """Where a customer reads the article: the public URL, the portal's, or none."""
    if item.published_id is None or item.visibility == "internal":
        return ""
    if item.published_visibility == "public":
        return reverse("faq:article", args=[item.number, item.slug])
    if item.published_visibility == "external":
        return reverse("portal:faq-article", args=[item.number])
    return ""


def _attachments(form: FaqItemForm) -> list[AttachmentInput]:
    uploaded = form.cleaned_data.get("attachment_files") or []
    return [
        AttachmentInput(
            filename=f.name or "file",
            content_type=f.content_type or "",
            content=f.read(),
            content_id=f.name or "",
            inline=(f.content_type or "").startswith("image/"),
        )
        for f in uploaded
    ]


def _input(form: FaqItemForm, agent: User) -> actions.ItemInput:
    data = form.cleaned_data
    original = None
    if data.get("original"):
        original = selectors.agent_items(agent).filter(number=data["original"]).first()
        if original is None:
            raise NotFound(_("No FAQ article with number %(number)s."), number=data["original"])
    return actions.ItemInput(
        title=data["title"],
        category=data["category"],
        visibility=data["visibility"],
        language=data["language"],
        keywords=data.get("keywords", ""),
        symptom=data.get("symptom", ""),
        problem=data.get("problem", ""),
        solution=data.get("solution", ""),
        comment=data.get("comment", ""),
        request_form_slug=data.get("request_form_slug", ""),
        valid=bool(data.get("valid")),
        original=original,
        attachments=_attachments(form),
    )


def _prefill_from_ticket(request: HttpRequest) -> dict[str, Any]:
    """ "Create FAQ from this ticket": title, the first article as problem and the
    agent's last answer as solution."""
    number = request.GET.get("ticket", "")
    if not number:
        return {}
    ticket = visible_ticket(request, number)
    first = ticket.articles.order_by("number").first()
    answer = (
        ticket.articles.filter(sender_type="agent", created_by=_agent(request))
        .order_by("-number")
        .first()
    )
    return {
        "title": ticket.title,
        "problem": (first.body if first else ""),
        "solution": (answer.body if answer else ""),
        "ticket": ticket.number,
    }


@require_http_methods(["GET", "POST"])
@agent_required
def create(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    initial: dict[str, Any] = {"valid": True, "language": (request.LANGUAGE_CODE or "en")[:2]}
    initial.update(_prefill_from_ticket(request))
    translate = request.GET.get("original", "")
    if translate.isdigit():
        original = selectors.agent_items(agent).filter(number=int(translate)).first()
        if original is not None:
            initial.update(original=original.number, category=original.category_id)
            initial.update(visibility=original.visibility, keywords=original.keywords)
    form = FaqItemForm(request.POST or None, request.FILES or None, agent=agent, initial=initial)
    if not form.fields["category"].queryset.exists():  # type: ignore[attr-defined]
        return _refused(request, PermissionDenied(_("You may not write in any FAQ category.")))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                item = actions.create_item(_input(form, agent), actor=Actor(user=agent))
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                ticket_number = request.POST.get("ticket", "")
                if ticket_number:
                    ticket = visible_ticket(request, ticket_number)
                    try:
                        actions.link_ticket(item, ticket, actor=Actor(user=agent))
                    except DomainError as error:
                        messages.error(request, str(error))
                messages.success(request, _("FAQ#%(number)s saved.") % {"number": item.number})
                return redirect("web:faq-zoom", number=item.number)
    context = {"form": form, "item": None, "ticket": initial.get("ticket", "")}
    return render(request, "web/faq/edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@agent_required
def edit(request: HttpRequest, number: int) -> HttpResponse:
    agent = _agent(request)
    item = _item(request, number, "rw")
    initial = {
        name: getattr(item, name)
        for name in ("title", "visibility", "language", "keywords", "request_form_slug", "valid")
    }
    initial.update({name: getattr(item, name) for name in CONTENT_FIELDS})
    initial["category"] = item.category_id
    initial["original"] = item.original.number if item.original else None
    form = FaqItemForm(request.POST or None, request.FILES or None, agent=agent, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.update_item(item, _input(form, agent), actor=Actor(user=agent))
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("FAQ#%(number)s saved.") % {"number": item.number})
                return redirect("web:faq-zoom", number=item.number)
    context = {"form": form, "item": item, "attachments": item.attachments.all()}
    return render(request, "web/faq/edit.html", context, status=status)


@require_POST
@agent_required
def duplicate(request: HttpRequest, number: int) -> HttpResponse:
    agent = _agent(request)
    item = _item(request, number, "rw")
    try:
        copy = actions.duplicate_item(item, actor=Actor(user=agent))
    except DomainError as error:
        return _refused(request, error)
    return redirect("web:faq-edit", number=copy.number)


@require_POST
@agent_required
def approve(request: HttpRequest, number: int) -> HttpResponse:
    item = _item(request, number)
    try:
        actions.approve(item, actor=Actor(user=_agent(request)))
    except DomainError as error:
        return _refused(request, error)
    messages.success(request, _("FAQ#%(number)s approved.") % {"number": item.number})
    return redirect(request.POST.get("next") or reverse("web:faq-zoom", args=[item.number]))


@require_GET
@agent_required
def approval_queue(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    context = {
        "items": selectors.approval_queue(agent)[:200],
        "may_approve": permissions.faq_may_approve(agent),
        "approval": actions.approval_required(),
    }
    return render(request, "web/faq/approval.html", context)


@require_GET
@agent_required
def journal(request: HttpRequest) -> HttpResponse:
    return render(request, "web/faq/journal.html", {"rows": selectors.journal(_agent(request))})


@require_GET
@agent_required
def print_view(request: HttpRequest, number: int) -> HttpResponse:
    item = _item(request, number)
    context = {"item": item, "fields": _fields(item), "attachments": item.attachments.all()}
    return render(request, "web/faq/print.html", context)


@require_GET
@agent_required
def pdf_view(request: HttpRequest, number: int) -> HttpResponse:
    """The article as a PDF made on the server (the ticket PDFs' fonts and layout)."""
    item = _item(request, number)
    from sportello.web import pdf
    from sportello.web.views.printing import pdf_response

    try:
        content = pdf.faq_pdf(item)
    except DomainError as error:
        return HttpResponse(str(error), status=503, content_type="text/plain; charset=utf-8")
    return pdf_response(content, f"faq-{item.number}.pdf")


@require_POST
@agent_required
def rate(request: HttpRequest, number: int) -> HttpResponse:
    item = _item(request, number)
    try:
        value = int(request.POST.get("rating", ""))
        counted = actions.rate(item, voter=f"agent:{_agent(request).pk}", value=value)
    except ValueError:
        return _refused(request, actions.InvalidInput(_("A rating is a number from 1 to 5.")))
    except DomainError as error:
        return _refused(request, error)
    if counted:
        messages.success(request, _("Thank you for your rating."))
    else:
        messages.info(request, _("You have rated this article already."))
    return redirect("web:faq-zoom", number=item.number)


def _attachment(item: FaqItem, pk: int) -> FaqAttachment:
    attachment = item.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment


def attachment_response(attachment: FaqAttachment) -> FileResponse:
    """The file, inline for images, as a download otherwise; never sniffed."""
    inline = attachment.content_type.startswith("image/") and attachment.content_type != (
        "image/svg+xml"
    )
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=safe_filename(attachment.filename),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@agent_required
def attachment(request: HttpRequest, number: int, pk: int) -> FileResponse:
    return attachment_response(_attachment(_item(request, number), pk))


@require_POST
@agent_required
def attachment_delete(request: HttpRequest, number: int, pk: int) -> HttpResponse:
    item = _item(request, number, "rw")
    try:
        actions.remove_attachment(_attachment(item, pk), actor=Actor(user=_agent(request)))
    except DomainError as error:
        return _refused(request, error)
    return redirect("web:faq-edit", number=item.number)


@require_POST
@agent_required
def link_ticket(request: HttpRequest, number: int) -> HttpResponse:
    item = _item(request, number)
    form = TicketLinkForm(request.POST)
    if not form.is_valid():
        return _refused(request, actions.InvalidInput(_("Enter a ticket number.")))
    ticket = visible_ticket(request, form.cleaned_data["ticket"].strip())
    unlink = request.POST.get("unlink") == "1"
    try:
        if unlink:
            actions.unlink_ticket(item, ticket, actor=Actor(user=_agent(request)))
        else:
            actions.link_ticket(item, ticket, actor=Actor(user=_agent(request)))
    except DomainError as error:
        return _refused(request, error)
    target = request.POST.get("next", "")
    if target == "ticket":
        return redirect("web:ticket", number=ticket.number)
    return redirect("web:faq-zoom", number=item.number)


@require_GET
@agent_required
def picker(request: HttpRequest) -> HttpResponse:
    """The FAQ picker of the article dialogs (htmx, search as you type): each hit with
    the text to insert as a quote and as a link."""
    agent = _agent(request)
    query = request.GET.get("q", "").strip()[:200]
    results = selectors.agent_search(agent, query, limit=8) if len(query) >= 2 else []
    hits = []
    base = request.build_absolute_uri("/").rstrip("/")
    for item in results:
        url = _public_url(item)
        quote = "\n".join(f"> {line}" for line in plain_text(vars(item)).splitlines())
        hits.append(
            {
                "item": item,
                "quote": f"FAQ#{item.number}: {item.title}\n{quote}",
                "link": f"FAQ#{item.number}: {item.title}\n{base}{url}" if url else "",
            }
        )
    return render(request, "web/faq/picker_results.html", {"hits": hits, "query": query})


@require_GET
@agent_required
def ticket_faq(request: HttpRequest, number: str) -> HttpResponse:
    """The zoom's linked FAQ articles (loaded by htmx, so the zoom itself reads no FAQ
    rows), with the link form and "create FAQ from this ticket"."""
    agent = _agent(request)
    ticket = visible_ticket(request, number)
    items = selectors.agent_items(agent).filter(ticket_links__ticket=ticket).order_by("number")
    context = {
        "ticket": ticket,
        "items": items,
        "may_link": permissions.may(agent, "rw", ticket.queue),
    }
    return render(request, "web/faq/ticket_links.html", context)
