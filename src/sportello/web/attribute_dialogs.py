"""The dialogs changing a ticket's type, title, service and SLA: entries of the generic
dialog view's table (``web.dialogs.DIALOGS``), each through
``actions.change_attributes`` with the optional note. All need rw, as in OTRS.

``web.dialogs`` imports this module once its table exists and adds these entries;
import that module, not this one, to use the dialogs."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from sportello.tickets import actions
from sportello.web.dialogs import Context, Dialog
from sportello.web.forms import ticket_attributes as f


def _dialog(title: Any, form: type[f.AttributeForm], field: str, column: str, done: Any) -> Dialog:
    """``field``: the form field and the keyword of ``change_attributes``; ``column``:
    the ticket's value the dialog opens with."""

    def perform(ctx: Context) -> Any:
        return actions.change_attributes(
            ctx.ticket,
            actor=ctx.actor,
            note_body=ctx.data["body"],
            note_subject=ctx.data["subject"],
            **{field: ctx.data[field]},
        )

    return Dialog(title, form, perform, initial=lambda t, a: {field: getattr(t, column)}, done=done)


ATTRIBUTE_DIALOGS: dict[str, Dialog] = {
    "type": _dialog(
        gettext_lazy("Type"), f.TypeForm, "ticket_type", "type_id", gettext_lazy("Type saved.")
    ),
    "title": _dialog(
        gettext_lazy("Title"), f.TitleForm, "title", "title", gettext_lazy("Title saved.")
    ),
    "service": _dialog(
        gettext_lazy("Service"),
        f.ServiceForm,
        "service",
        "service_id",
        gettext_lazy("Service saved."),
    ),
    "sla": _dialog(gettext_lazy("SLA"), f.SLAForm, "sla", "sla_id", gettext_lazy("SLA saved.")),
}
