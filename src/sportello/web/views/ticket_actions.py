"""The ticket and article action dialogs, the history page and the action menu.

One generic dialog view: it renders a dialog's form with the ticket version it shows,
and on submit runs the dialog's action inside ``actions.editing`` (row lock + version
check), so two agents submitting at once never overwrite each other silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sportello.accounts import permissions
from sportello.accounts.decorators import agent_required
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from sportello.mail import forwarding
from sportello.tickets import actions, presence, rich_text, selectors
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Ticket
from sportello.web import article_templates, uploads
from sportello.web.dialogs import DIALOGS, PRESENCE_ACTIVITY, Context, Dialog
from sportello.web.forms import ticket_actions as f


def _visible_ticket(request: HttpRequest, number: str) -> Ticket:
    try:
        ticket = selectors.ticket_by_number(number)
    except NotFound:
        raise Http404 from None
    if not permissions.may(_user(request), "ro", ticket.queue):
        raise Http404
    return ticket


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _article(ticket: Ticket, article_number: int | None, dialog: Dialog) -> Article | None:
    if not dialog.article:
        if article_number is not None:
            raise Http404
        return None
    article = ticket.articles.filter(number=article_number or 0).first()
    if article is None:
        raise Http404
    return article


def _render(
    request: HttpRequest,
    dialog: Dialog,
    name: str,
    ticket: Ticket,
    article: Article | None,
    form: f.DialogForm,
    status: int = 200,
    recent: Any = None,
    files: uploads.Uploads | None = None,
    template: str = "",
    error: str = "",
) -> HttpResponse:
    context = {
        "dialog": dialog,
        "name": name,
        "ticket": ticket,
        "article": article,
        "form": form,
        "recent": recent,
        "action_url": request.path,
        "templates": forwarding.templates_for(ticket, dialog.template_type)
        if dialog.template_type
        else [],
        "chosen_template": template,
        "template_error": error,
        "presence_activity": PRESENCE_ACTIVITY.get(name, ""),
    }
    if dialog.attachments:
        context.update(uploads.context(files))
    return render(request, "web/actions/dialog.html", context, status=status)


def _done(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    url = reverse("web:ticket", args=[ticket.number])
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@agent_required
def dialog_view(
    request: HttpRequest, number: str, name: str, article_number: int | None = None
) -> HttpResponse:
    dialog = DIALOGS.get(name)
    if dialog is None:
        raise Http404
    ticket = _visible_ticket(request, number)
    article = _article(ticket, article_number, dialog)
    if not permissions.may(_user(request), dialog.permission, ticket.queue):
        return _not_permitted(request, dialog, ticket)
    actor = Actor(user=_user(request))
    if request.method == "GET":
        return _show(request, dialog, name, ticket, article)
    if request.method != "POST":
        return HttpResponse(status=405)
    files = uploads.receive(request, ticket.queue) if dialog.attachments else None
    if files is not None and files.removed:
        # A remove button: the same form again, without the file and without errors.
        form = dialog.form(
            initial=uploads.as_initial(request.POST),
            ticket=ticket,
            agent=_user(request),
            article=article,
        )
        return _render(request, dialog, name, ticket, article, form, files=files)
    form = dialog.form(request.POST, ticket=ticket, agent=_user(request), article=article)
    if files is not None and files.error:
        form.is_valid()
        form.add_error(None, files.error)
        return _render(request, dialog, name, ticket, article, form, status=413, files=files)
    if not form.is_valid():
        return _render(request, dialog, name, ticket, article, form, status=400, files=files)
    try:
        with actions.editing(ticket, actor=actor, changed=form.cleaned_data["changed"]) as current:
            result = dialog.perform(
                Context(request, current, article, form.cleaned_data, form, actor, files)
            )
    except DomainError as error:
        return _refused(request, dialog, name, ticket, article, error, files)
    if files is not None:
        uploads.clear(files)
    presence.leave(ticket.pk, _user(request).pk)
    messages.success(request, str(dialog.done or _("Done.")))
    if isinstance(result, Ticket) and result.pk != ticket.pk:
        return _done(request, result)
    return _done(request, ticket)


def _show(
    request: HttpRequest, dialog: Dialog, name: str, ticket: Ticket, article: Article | None
) -> HttpResponse:
    """The dialog, fresh or with a chosen template inserted (its text rendered for this
    ticket, its attachments in the form's upload cache)."""
    initial: dict[str, Any] = dialog.initial(ticket, article) if dialog.initial else {}
    initial["changed"] = ticket.changed.isoformat()
    initial["took_lock"] = request.GET.get("took_lock") == "1"
    files = None
    if dialog.attachments:
        files = uploads.Uploads(uploads.form_id_of(request.GET.get(uploads.FORM_ID)))
    chosen = request.GET.get("template", "")
    error = ""
    if files is not None and chosen:
        try:
            inserted = article_templates.insert(
                ticket, dialog.template_type, chosen, agent=_user(request), form_id=files.form_id
            )
        except DomainError as refused:
            inserted, error = None, str(refused)
        if inserted is not None:
            initial[dialog.text_field] = inserted.text
            if rich_text.looks_like_html(inserted.text):
                # An HTML template: the editor takes it as such (without script, the
                # textarea sends the markup as HTML, cleaned as the editor's).
                initial["content_type"] = rich_text.HTML
            if inserted.subject and "subject" in dialog.form.base_fields:
                initial["subject"] = inserted.subject
    if files is not None:
        files.items = uploads.cached(_user(request), files.form_id)
    form = dialog.form(initial=initial, ticket=ticket, agent=_user(request), article=article)
    return _render(
        request, dialog, name, ticket, article, form, files=files, template=chosen, error=error
    )


def _not_permitted(request: HttpRequest, dialog: Dialog, ticket: Ticket) -> HttpResponse:
    """The agent sees the ticket but lacks the dialog's permission: say so (403)."""
    error = PermissionDenied(
        _("You lack the “%(permission)s” permission on queue %(queue)s."),
        permission=dialog.permission,
        queue=ticket.queue.full_name,
    )
    context = {"dialog": dialog, "ticket": ticket, "error": str(error)}
    return render(request, "web/actions/not_permitted.html", context, status=403)


def _refused(
    request: HttpRequest,
    dialog: Dialog,
    name: str,
    ticket: Ticket,
    article: Article | None,
    error: DomainError,
    files: uploads.Uploads | None = None,
) -> HttpResponse:
    """Show why, with the ticket as it is now: the form keeps the agent's input and
    carries the current version, so a second submit is a deliberate one."""
    fresh = selectors.ticket_by_number(ticket.number)
    data: QueryDict = request.POST.copy()
    data["changed"] = fresh.changed.isoformat()
    form = dialog.form(data, ticket=fresh, agent=_user(request), article=article)
    form.is_valid()
    form.add_error(None, str(error))
    status = (
        409
        if isinstance(error, Conflict)
        else 403
        if isinstance(error, PermissionDenied)
        else 404
        if isinstance(error, NotFound)
        else 400
    )
    recent = fresh.history.select_related("actor").order_by("-id")[:5] if status == 409 else None
    return _render(
        request, dialog, name, fresh, article, form, status=status, recent=recent, files=files
    )


@agent_required
@require_POST
def open_dialog(
    request: HttpRequest, number: str, name: str, article_number: int | None = None
) -> HttpResponse:
    """Open a lock-requiring dialog: take the lock first (refused while another agent
    holds it), then show the dialog remembering that it took the lock."""
    return _open(request, _visible_ticket(request, number), name, article_number)


def _open(
    request: HttpRequest, ticket: Ticket, name: str, article_number: int | None
) -> HttpResponse:
    dialog = DIALOGS.get(name)
    if dialog is None:
        raise Http404
    _article(ticket, article_number, dialog)
    if not permissions.may(_user(request), dialog.permission, ticket.queue):
        return _not_permitted(request, dialog, ticket)
    took = False
    if dialog.needs_lock:
        try:
            took = actions.lock_for_dialog(ticket, actor=Actor(user=_user(request)))
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("web:ticket", number=ticket.number)
    kwargs: dict[str, Any] = {"number": ticket.number, "name": name}
    if article_number is not None:
        kwargs["article_number"] = article_number
    url = reverse("actions:article-dialog" if dialog.article else "actions:dialog", kwargs=kwargs)
    return redirect(f"{url}?took_lock=1" if took else url)


@agent_required
@require_POST
def undo(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _visible_ticket(request, number)
    took_lock = request.POST.get("took_lock") in ("True", "true", "on", "1")
    actions.undo_and_finish(ticket, actor=Actor(user=_user(request)), took_lock=took_lock)
    presence.leave(ticket.pk, _user(request).pk)
    return redirect("web:ticket", number=ticket.number)


SIMPLE: dict[str, tuple[Callable[..., Any], Any]] = {
    "lock": (actions.lock, gettext_lazy("Ticket locked.")),
    "unlock": (actions.unlock, gettext_lazy("Ticket unlocked.")),
    "watch": (actions.watch, gettext_lazy("You are watching this ticket.")),
    "unwatch": (actions.unwatch, gettext_lazy("You no longer watch this ticket.")),
}


@agent_required
@require_POST
def simple_action(request: HttpRequest, number: str, name: str) -> HttpResponse:
    """Lock, unlock, watch, unwatch: one click, no dialog."""
    if name not in SIMPLE:
        raise Http404
    ticket = _visible_ticket(request, number)
    action, done = SIMPLE[name]
    try:
        action(ticket, actor=Actor(user=_user(request)))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, str(done))
    return redirect("web:ticket", number=ticket.number)


@agent_required
@require_POST
def article_pick(request: HttpRequest, number: str) -> HttpResponse:
    """The menu's article form: action and article number → that article's dialog (taking
    the lock first where the dialog needs it)."""
    ticket = _visible_ticket(request, number)
    name = request.POST.get("action", "")
    article_number = request.POST.get("article", "")
    if name not in DIALOGS or not DIALOGS[name].article or not article_number.isdigit():
        raise Http404
    if not ticket.articles.filter(number=int(article_number)).exists():
        raise Http404
    return _open(request, ticket, name, int(article_number))


@agent_required
def history(request: HttpRequest, number: str) -> HttpResponse:
    """Every history row, newest first, filterable by type and text."""
    ticket = _visible_ticket(request, number)
    rows = ticket.history.select_related("article").order_by("-id")
    chosen = request.GET.get("type", "")
    if chosen in HistoryType.values:
        rows = rows.filter(type=chosen)
    query = request.GET.get("q", "").strip()[:200]
    if query:
        rows = rows.filter(
            Q(actor_name__icontains=query)
            | Q(old_value__icontains=query)
            | Q(new_value__icontains=query)
            | Q(comment__icontains=query)
        )
    context = {
        "ticket": ticket,
        "rows": rows,
        "types": HistoryType.choices,
        "chosen": chosen,
        "query": query,
    }
    return render(request, "web/actions/history.html", context)
