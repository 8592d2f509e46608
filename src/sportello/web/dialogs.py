"""The table of the ticket and article action dialogs: each dialog's form, the action it
performs, whether opening it takes the lock, the permission it needs, and whether it
takes attachments and offers standard templates (``web.views.ticket_actions`` shows
and submits them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sportello.accounts import permissions
from sportello.core.actor import Actor
from sportello.core.errors import NotFound
from sportello.mail import forwarding
from sportello.mail.compose import OutgoingAttachment
from sportello.mail.models import TemplateType
from sportello.tickets import actions, selectors
from sportello.tickets.articles import AttachmentInput
from sportello.tickets.models import Article, Ticket
from sportello.web import uploads
from sportello.web.forms import ticket_actions as f

Perform = Callable[["Context"], Any]


@dataclass
class Context:
    request: HttpRequest
    ticket: Ticket
    article: Article | None
    data: dict[str, Any]
    form: Any
    actor: Actor
    uploads: uploads.Uploads | None = None

    def attachments(self) -> list[AttachmentInput]:
        return uploads.for_article(self.uploads.items) if self.uploads else []

    def mail_attachments(self) -> list[OutgoingAttachment]:
        return uploads.for_mail(self.uploads.items) if self.uploads else []


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
    # The dialog writes an article that takes attachments (the per-form upload cache).
    attachments: bool = False
    # The standard templates it offers (TemplateType) and the field they fill.
    template_type: str = ""
    text_field: str = "body"


def _other_ticket(ctx: Context, number: str) -> Ticket:
    """A second ticket named in a dialog; unreadable ones do not exist for the agent."""
    try:
        other = selectors.ticket_by_number(number)
    except NotFound:
        other = None
    if other is None or not permissions.may(ctx.actor.user, "ro", other.queue):
        raise NotFound(_("No ticket with number %(number)s.") % {"number": number})
    return other


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
        attachments=ctx.attachments(),
        accounted_minutes=d["time_units"],
        content_type=d["content_type"],
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
            attachments=ctx.attachments(),
            accounted_minutes=d["time_units"],
            content_type=d["content_type"],
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
        attachments=ctx.attachments(),
        content_type=d["content_type"],
    )


def _close(ctx: Context) -> None:
    d = ctx.data
    actions.close(
        ctx.ticket,
        d["state"],
        actor=ctx.actor,
        note_body=d["body"],
        note_subject=d["subject"],
        attachments=ctx.attachments(),
        content_type=d["content_type"],
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
        attachments=ctx.mail_attachments(),
        accounted_minutes=ctx.data["time_units"],
        content_type=ctx.data["content_type"],
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
        attachments=ctx.mail_attachments(),
        accounted_minutes=ctx.data["time_units"],
        content_type=ctx.data["content_type"],
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


def _reply_dialog(title: Any, *, reply_all: bool) -> Dialog:
    return Dialog(
        title,
        f.ReplyForm,
        _reply,
        needs_lock=True,
        article=True,
        attachments=True,
        template_type=TemplateType.ANSWER,
        text_field="text",
        initial=_reply_initial(reply_all),
        done=gettext_lazy("The answer was queued for sending."),
    )


DIALOGS: dict[str, Dialog] = {
    "note": Dialog(
        gettext_lazy("Note"),
        f.NoteForm,
        _note,
        done=gettext_lazy("Note added."),
        permission="note",
        attachments=True,
        template_type=TemplateType.NOTE,
    ),
    "phone-outbound": Dialog(
        gettext_lazy("Outbound phone call"),
        f.PhoneForm,
        _phone(False),
        needs_lock=True,
        permission="note",
        attachments=True,
        template_type=TemplateType.PHONE_CALL,
    ),
    "phone-inbound": Dialog(
        gettext_lazy("Inbound phone call"),
        f.PhoneForm,
        _phone(True),
        needs_lock=True,
        permission="note",
        attachments=True,
        template_type=TemplateType.PHONE_CALL,
    ),
    "pending": Dialog(
        gettext_lazy("Pending"),
        f.PendingForm,
        _pending,
        needs_lock=True,
        attachments=True,
        template_type=TemplateType.NOTE,
    ),
    "close": Dialog(
        gettext_lazy("Close"),
        f.CloseForm,
        _close,
        needs_lock=True,
        done=gettext_lazy("Ticket closed."),
        attachments=True,
        template_type=TemplateType.NOTE,
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
    "reply": _reply_dialog(gettext_lazy("Reply"), reply_all=False),
    "reply-all": _reply_dialog(gettext_lazy("Reply to all"), reply_all=True),
    "forward": Dialog(
        gettext_lazy("Forward"),
        f.ForwardForm,
        _forward,
        needs_lock=True,
        article=True,
        attachments=True,
        template_type=TemplateType.FORWARD,
        text_field="text",
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
# Type, title, service and SLA: a module of their own, built on Dialog and Context.
from sportello.web.attribute_dialogs import ATTRIBUTE_DIALOGS  # noqa: E402

DIALOGS.update(ATTRIBUTE_DIALOGS)
LOCKING_DIALOGS = frozenset(name for name, d in DIALOGS.items() if d.needs_lock)
# What the ticket's watchers are told while the dialog is open (tickets.presence).
PRESENCE_ACTIVITY: dict[str, str] = {name: "edit" for name in LOCKING_DIALOGS} | {
    "reply": "answer",
    "reply-all": "answer",
    "note": "note",
    "phone-inbound": "phone",
    "phone-outbound": "phone",
    "forward": "forward",
    "bounce": "forward",
}
