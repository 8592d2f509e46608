"""Search pages. Thin: the form builds criteria, ``services.search_tickets`` reads."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sportello.accounts.decorators import agent_required
from sportello.accounts.models import User
from sportello.core.errors import InvalidInput
from sportello.search import export
from sportello.search.models import SearchTemplate
from sportello.search.services import search_page, search_tickets
from sportello.sla.services import prefetch_for_due_times
from sportello.tickets.dynamic_fields import ticket_fields
from sportello.tickets.models import Article
from sportello.web.forms.overviews import BulkForm
from sportello.web.forms.search import DENSITIES, NOT_OPTIONS, SearchForm, search_attributes


def _options(params: QueryDict) -> QueryDict:
    """The search options of a request (what a template saves and a link repeats)."""
    options = QueryDict(mutable=True)
    for key in params:
        if key not in NOT_OPTIONS:
            options.setlist(key, params.getlist(key))
    return options


def _with_attribute_changes(params: QueryDict, attributes: dict[str, Any]) -> QueryDict:
    """Apply the "add attribute" / "remove attribute" buttons to the attribute list."""
    options = _options(params)
    shown = options.getlist("attrs") or ["fulltext"]
    added, removed = params.get("add", ""), params.get("remove", "")
    if added in attributes and added not in shown:
        shown.append(added)
        if added == "queues":
            options["subqueues"] = "on"  # sub-queues are included unless unticked
    if removed in shown:
        shown.remove(removed)
        for name in attributes.get(removed, (None, ()))[1]:
            options.pop(name, None)
    options.setlist("attrs", shown)
    return options


def _replaced(options: QueryDict, **values: str) -> str:
    changed = options.copy()
    for key, value in values.items():
        changed[key] = value
    return changed.urlencode()


def _template_options(agent: User, template_id: str) -> QueryDict:
    if not template_id.isdigit():
        raise Http404
    template = get_object_or_404(SearchTemplate, pk=int(template_id), agent=agent)
    options = QueryDict(mutable=True)
    for key, values in template.options.items():
        if isinstance(values, list) and key not in NOT_OPTIONS:
            options.setlist(str(key), [str(v) for v in values])
    return options


@require_GET
@agent_required
def search(request: HttpRequest) -> HttpResponse:
    agent: User = request.user  # type: ignore[assignment]
    template_id = request.GET.get("template", "")
    run = "run" in request.GET or bool(template_id)
    fields = list(ticket_fields())
    attributes = search_attributes(fields)
    options = (
        _template_options(agent, template_id)
        if template_id
        else _with_attribute_changes(request.GET, attributes)
    )
    form = SearchForm(options if options else None, agent=agent, fields=fields)
    context: dict[str, Any] = {
        "form": form,
        "attributes": attributes,
        "templates": agent.search_templates.all(),
        "current_template": template_id,
        "query": options.urlencode(),
        "run": run,
        "shown": [
            (name, attributes[name][0], [form[field] for field in attributes[name][1]])
            for name in form.shown()
        ],
        "addable": [
            (name, label) for name, (label, _f) in attributes.items() if name not in form.shown()
        ],
    }
    if run and form.is_valid():
        try:
            criteria = form.criteria()
            tickets = search_tickets(agent, criteria)
            page = search_page(
                tickets,
                _page_number(request.GET.get("page")),
                form.cleaned_data.get("per_page") or 25,
                recent=functools.partial(search_tickets, agent, criteria),
            )
        except InvalidInput as error:
            form.add_error("fulltext" if "fulltext" in form.shown() else None, str(error))
        else:
            density = form.cleaned_data.get("density") or "S"
            context.update(
                page=page,
                searched=True,
                density=density,
                tickets=_rows(page, density),
                # Bulk actions on the results, back to this page after them.
                bulk_form=BulkForm(agent=agent),
                next=request.get_full_path(),
                densities=[(d, label, _replaced(options, density=d)) for d, label in DENSITIES],
            )
    return render(request, "search/search.html", context)


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 9 else 1


def _rows(page: Any, density: str) -> list[Any]:
    """The page's tickets with what their due times need; for the large view with each
    one's latest article, fetched in one query for the whole page."""
    tickets = list(page.rows)
    prefetch_for_due_times(tickets)
    if density == "L":
        latest: dict[int, Article] = {}
        articles = Article.objects.filter(ticket_id__in=[t.pk for t in tickets])
        for article in articles.order_by("ticket_id", "-number"):
            latest.setdefault(article.ticket_id, article)
        for ticket in tickets:
            ticket.latest_article = latest.get(ticket.pk)
    return tickets


def _criteria_or_400(request: HttpRequest) -> Any:
    agent: User = request.user  # type: ignore[assignment]
    form = SearchForm(_options(request.GET), agent=agent)
    if not form.is_valid():
        return None
    try:
        return search_tickets(agent, form.criteria())
    except InvalidInput:
        return None


@require_GET
@agent_required
def export_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    tickets = _criteria_or_400(request)
    if tickets is None:
        return HttpResponse(_("The search options are not valid."), status=400)
    response = StreamingHttpResponse(
        export.csv_lines(tickets), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


@require_GET
@agent_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    tickets = _criteria_or_400(request)
    if tickets is None:
        return HttpResponse(_("The search options are not valid."), status=400)
    response = HttpResponse(
        export.xlsx_bytes(tickets),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("xlsx")}"'
    return response


def _filename(extension: str) -> str:
    return f"tickets-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


@require_POST
@agent_required
def template_save(request: HttpRequest) -> HttpResponse:
    """Save the current options under a name; an existing template of that name is
    updated, so "save" after "load" updates the loaded template."""
    agent: User = request.user  # type: ignore[assignment]
    name = request.POST.get("name", "").strip()[:200]
    options = QueryDict(request.POST.get("query", ""))
    values = {key: options.getlist(key) for key in options if key not in NOT_OPTIONS}
    if not name:
        messages.error(request, _("Give the search template a name."))
        return HttpResponseRedirect(reverse("search:search") + "?" + options.urlencode())
    with transaction.atomic():
        template, created = SearchTemplate.objects.select_for_update().get_or_create(
            agent=agent, name=name, defaults={"options": values}
        )
        if not created:
            template.options = values
            template.changed = timezone.now()
            template.save(update_fields=["options", "changed"])
    if created:
        messages.success(request, _("Search template “%(name)s” saved.") % {"name": name})
    else:
        messages.success(request, _("Search template “%(name)s” updated.") % {"name": name})
    return HttpResponseRedirect(reverse("search:search") + f"?template={template.pk}")


@require_POST
@agent_required
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(SearchTemplate, pk=pk, agent=request.user)
    name = template.name
    try:
        template.delete()
    except IntegrityError:  # pragma: no cover - nothing refers to a template
        raise Http404 from None
    messages.success(request, _("Search template “%(name)s” deleted.") % {"name": name})
    return HttpResponseRedirect(reverse("search:search"))
