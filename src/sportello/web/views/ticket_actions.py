"""The ticket and article action dialogs, the history page and the action menu.

One generic dialog view: it renders a dialog's form with the ticket version it shows,
and on submit runs the dialog's action inside ``actions.editing`` (row lock + version
check), so two agents submitting at once never overwrite each other silently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from sportello.mail import forwarding
from sportello.mail.models import StandardTemplate
from sportello.tickets import actions, selectors
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Ticket
from sportello.web.forms import ticket_actions as f
from sportello.web.views.common import agent_required

Perform = Callable[["Context"], Any]


@dataclass
class Context:
    request: HttpRequest
    ticket: Ticket
    article: Article | None
    data: dict[str, Any]
    form: Any
    actor: Actor


@dataclass(frozen=True)
class Dialog:
    title: Any
    form: type[f.DialogForm]
    perform: Perform
    # Opening the dialog takes the lock (undo-and-finish releases it again).
    needs_lock: bool = False
    article: bool = False
    initial: Callable[[Ticket, Article | None], dict[str, Any]] | None = None
    done: Any = None
    # What the agent needs on the ticket's queue to open the dialog at all; the action
    # itself checks again (and any further permission, e.g. on a target queue).
    permission: str = "rw"


def _visible_ticket(request: HttpRequest, number: str) -> Ticket:
    try:
        ticket = selectors.ticket_by_number(number)
    except NotFound:
        raise Http404 from None
    if not permissions.may(_user(request), "ro", ticket.queue):
        raise Http404
    return ticket


def _other_ticket(ctx: Context, number: str) -> Ticket:
    """A second ticket named in a dialog; unreadable ones do not exist for the agent."""
    try:
        other = selectors.ticket_by_number(number)
    except NotFound:
        other = None
    if other is None or not permissions.may(ctx.actor.user, "ro", other.queue):
        raise NotFound(_("No ticket with number %(number)s.") % {"number": number})
    return other


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


# What each dialog does. Actions raise DomainError; the view shows it in the dialog.


def _note(ctx: Context) -> None:
    d = ctx.data
    actions.note(
        ctx.ticket,
        actor=ctx.actor,
        body=d["body"],
        subject=d["subject"],
        visible_for_customer=d["visible_for_customer"],
        notify=list(d["notify"]),
        state=d["state"],
        pending_until=d["pending_until"],
        article_fields=ctx.form.article_values(),
    )


def _phone(inbound: bool) -> Perform:
    def perform(ctx: Context) -> None:
        d = ctx.data
        actions.phone_call(
            ctx.ticket,
            actor=ctx.actor,
            inbound=inbound,
            body=d["body"],
            subject=d["subject"],
            state=d["state"],
            pending_until=d["pending_until"],
            article_fields=ctx.form.article_values(),
        )

    return perform


def _pending(ctx: Context) -> None:
    d = ctx.data
    actions.set_pending(
        ctx.ticket,
        d["state"],
        d["pending_until"],
        actor=ctx.actor,
        note_body=d["body"],
        note_subject=d["subject"],
    )


def _close(ctx: Context) -> None:
    d = ctx.data
    actions.close(
        ctx.ticket, d["state"], actor=ctx.actor, note_body=d["body"], note_subject=d["subject"]
    )


def _move(ctx: Context) -> None:
    d = ctx.data
    actions.move_with_note(
        ctx.ticket, d["queue"], actor=ctx.actor, note_body=d["body"], note_subject=d["subject"]
    )


def _link(ctx: Context) -> None:
    actions.link(
        ctx.ticket, _other_ticket(ctx, ctx.data["number"]), actor=ctx.actor, type=ctx.data["type"]
    )


def _unlink(ctx: Context) -> None:
    if not actions.unlink(ctx.ticket, _other_ticket(ctx, ctx.data["number"]), actor=ctx.actor):
        raise NotFound(_("These tickets are not linked."))


def _merge(ctx: Context) -> Ticket:
    target = _other_ticket(ctx, ctx.data["number"])
    return actions.merge(ctx.ticket, target, actor=ctx.actor, note_body=ctx.data["body"])


def _master_slave(ctx: Context) -> None:
    role = ctx.data["role"]
    if role == "master":
        actions.set_master(ctx.ticket, actor=ctx.actor)
    elif role == "slave":
        master = _other_ticket(ctx, ctx.data["master_number"].strip())
        actions.set_slave(ctx.ticket, master, actor=ctx.actor)
    else:
        actions.unset_master_slave(ctx.ticket, actor=ctx.actor)


def _free_fields(ctx: Context) -> None:
    actions.set_free_fields(
        ctx.ticket,
        ctx.form.dynamic_values(),
        actor=ctx.actor,
        state=ctx.data["state"],
        pending_until=ctx.data["pending_until"],
    )


def _split(ctx: Context) -> Ticket:
    assert ctx.article is not None
    return actions.split(
        ctx.article, actor=ctx.actor, title=ctx.data["title"], queue=ctx.data["queue"]
    )


def _reply(ctx: Context) -> None:
    assert ctx.article is not None
    form = ctx.form
    forwarding.reply(
        ctx.article,
        actor=ctx.actor,
        text=ctx.data["text"],
        to=form.addresses("to"),
        cc=form.addresses("cc"),
        keep_attachments=ctx.data["keep_attachments"],
        next_state=ctx.data["state"],
        pending_until=ctx.data["pending_until"],
        article_fields=form.article_values(),
    )


def _forward(ctx: Context) -> None:
    assert ctx.article is not None
    forwarding.forward(
        ctx.article,
        actor=ctx.actor,
        to=ctx.form.addresses("to"),
        cc=ctx.form.addresses("cc"),
        text=ctx.data["text"],
        keep_attachments=ctx.data["keep_attachments"],
    )


def _bounce(ctx: Context) -> None:
    assert ctx.article is not None
    forwarding.bounce(ctx.article, actor=ctx.actor, to=ctx.data["to"])


def _reply_initial(all_: bool) -> Callable[[Ticket, Article | None], dict[str, Any]]:
    def initial(ticket: Ticket, article: Article | None) -> dict[str, Any]:
        assert article is not None
        to, cc = forwarding.reply_recipients(article, reply_all=all_)
        return {"to": ", ".join(to), "cc": ", ".join(cc)}

    return initial


DIALOGS: dict[str, Dialog] = {
    "note": Dialog(
        gettext_lazy("Note"),
        f.NoteForm,
        _note,
        done=gettext_lazy("Note added."),
        permission="note",
    ),
    "phone-outbound": Dialog(
        gettext_lazy("Outbound phone call"),
        f.PhoneForm,
        _phone(False),
        needs_lock=True,
        permission="note",
    ),
    "phone-inbound": Dialog(
        gettext_lazy("Inbound phone call"),
        f.PhoneForm,
        _phone(True),
        needs_lock=True,
        permission="note",
    ),
    "pending": Dialog(gettext_lazy("Pending"), f.PendingForm, _pending, needs_lock=True),
    "close": Dialog(
        gettext_lazy("Close"),
        f.CloseForm,
        _close,
        needs_lock=True,
        done=gettext_lazy("Ticket closed."),
    ),
    "spam": Dialog(
        gettext_lazy("Spam"), f.ConfirmForm, lambda c: actions.mark_spam(c.ticket, actor=c.actor)
    ),
    "move": Dialog(gettext_lazy("Move to another queue"), f.MoveForm, _move),
    "priority": Dialog(
        gettext_lazy("Priority"),
        f.PriorityForm,
        lambda c: actions.set_priority(c.ticket, c.data["priority"], actor=c.actor),
        initial=lambda t, a: {"priority": t.priority_id},
        permission="priority",
    ),
    "owner": Dialog(
        gettext_lazy("Owner"),
        f.OwnerForm,
        lambda c: actions.set_owner(c.ticket, c.data["owner"], actor=c.actor),
        initial=lambda t, a: {"owner": t.owner_id},
        permission="owner",
    ),
    "responsible": Dialog(
        gettext_lazy("Responsible"),
        f.ResponsibleForm,
        lambda c: actions.set_responsible(c.ticket, c.data["responsible"], actor=c.actor),
        initial=lambda t, a: {"responsible": t.responsible_id},
    ),
    "customer": Dialog(
        gettext_lazy("Customer"),
        f.CustomerForm,
        lambda c: actions.set_customer(
            c.ticket,
            customer_user_id=c.data["customer_user_id"],
            customer_company_id=c.data["customer_company_id"],
            actor=c.actor,
        ),
        initial=lambda t, a: {
            "customer_user_id": t.customer_user_id,
            "customer_company_id": t.customer_company_id,
        },
    ),
    "link": Dialog(gettext_lazy("Link"), f.LinkForm, _link),
    "unlink": Dialog(gettext_lazy("Remove link"), f.UnlinkForm, _unlink),
    "merge": Dialog(gettext_lazy("Merge"), f.MergeForm, _merge, needs_lock=True),
    "master-slave": Dialog(gettext_lazy("Master/slave"), f.MasterSlaveForm, _master_slave),
    "free-fields": Dialog(gettext_lazy("Free fields"), f.FreeFieldsForm, _free_fields),
    "reply": Dialog(
        gettext_lazy("Reply"),
        f.ReplyForm,
        _reply,
        needs_lock=True,
        article=True,
        initial=_reply_initial(False),
        done=gettext_lazy("The answer was queued for sending."),
    ),
    "reply-all": Dialog(
        gettext_lazy("Reply to all"),
        f.ReplyForm,
        _reply,
        needs_lock=True,
        article=True,
        initial=_reply_initial(True),
        done=gettext_lazy("The answer was queued for sending."),
    ),
    "forward": Dialog(
        gettext_lazy("Forward"),
        f.ForwardForm,
        _forward,
        needs_lock=True,
        article=True,
        done=gettext_lazy("The message was queued for sending."),
    ),
    "bounce": Dialog(
        gettext_lazy("Bounce"),
        f.BounceForm,
        _bounce,
        needs_lock=True,
        article=True,
        done=gettext_lazy("The message was queued for redirecting."),
    ),
    "split": Dialog(
        gettext_lazy("Split"),
        f.SplitForm,
        _split,
        article=True,
        initial=lambda t, a: {"title": t.title, "queue": t.queue_id},
        permission="ro",
    ),
}
LOCKING_DIALOGS = frozenset(name for name, d in DIALOGS.items() if d.needs_lock)


def _article(ticket: Ticket, article_number: int | None, dialog: Dialog) -> Article | None:
    if not dialog.article:
        if article_number is not None:
            raise Http404
        return None
    article = ticket.articles.filter(number=article_number or 0).first()
    if article is None:
        raise Http404
    return article


def _template_text(request: HttpRequest, ticket: Ticket) -> str | None:
    """The chosen template's text (only templates of this ticket's queue)."""
    template_id = request.GET.get("template", "")
    if not template_id.isdigit():
        return None
    template = StandardTemplate.objects.filter(
        pk=int(template_id), valid=True, queues=ticket.queue
    ).first()
    return template.text if template else None


def _render(
    request: HttpRequest,
    dialog: Dialog,
    name: str,
    ticket: Ticket,
    article: Article | None,
    form: f.DialogForm,
    status: int = 200,
    recent: Any = None,
) -> HttpResponse:
    context = {
        "dialog": dialog,
        "name": name,
        "ticket": ticket,
        "article": article,
        "form": form,
        "recent": recent,
        "action_url": request.path,
    }
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
        initial: dict[str, Any] = dialog.initial(ticket, article) if dialog.initial else {}
        initial["changed"] = ticket.changed.isoformat()
        initial["took_lock"] = request.GET.get("took_lock") == "1"
        text = _template_text(request, ticket) if name.startswith("reply") else None
        if text is not None:
            initial["text"], initial["template"] = text, request.GET.get("template")
        form = dialog.form(initial=initial, ticket=ticket, agent=_user(request), article=article)
        return _render(request, dialog, name, ticket, article, form)
    if request.method != "POST":
        return HttpResponse(status=405)
    form = dialog.form(request.POST, ticket=ticket, agent=_user(request), article=article)
    if not form.is_valid():
        return _render(request, dialog, name, ticket, article, form, status=400)
    try:
        with actions.editing(ticket, actor=actor, changed=form.cleaned_data["changed"]) as current:
            result = dialog.perform(
                Context(request, current, article, form.cleaned_data, form, actor)
            )
    except DomainError as error:
        return _refused(request, dialog, name, ticket, article, error)
    messages.success(request, str(dialog.done or _("Done.")))
    if isinstance(result, Ticket) and result.pk != ticket.pk:
        return _done(request, result)
    return _done(request, ticket)


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
    return _render(request, dialog, name, fresh, article, form, status=status, recent=recent)


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
