"""Forms of the overviews: widget settings and the bulk action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.queues.models import Queue
from sportello.sla import selectors as sla_selectors
from sportello.tickets import overviews
from sportello.tickets.bulk import BULK_ACTIONS
from sportello.tickets.models import Priority, State, StateType, TicketType
from sportello.web import dashboard

BULK_LABELS = {
    "lock": _("Lock"),
    "unlock": _("Unlock"),
    "move": _("Move to queue"),
    "state": _("Set state"),
    "priority": _("Set priority"),
    "type": _("Set type"),
    "service": _("Set service"),
    "sla": _("Set SLA"),
    "owner": _("Set owner"),
    "responsible": _("Set responsible"),
    "note": _("Add note"),
    "merge": _("Merge into ticket"),
    "link": _("Link to ticket"),
}


class WidgetSettingsForm(forms.Form):
    per_page = forms.TypedChoiceField(
        label=_("Rows per page"),
        coerce=int,
        choices=[(n, n) for n in dashboard.PER_PAGE_CHOICES],
    )
    columns = forms.MultipleChoiceField(
        label=_("Columns"), choices=(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, columns: list[tuple[str, Any]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Dynamic fields are columns too: the choices are read when the form is made.
        choices = dashboard.column_choices() if columns is None else columns
        self.fields["columns"].choices = choices  # type: ignore[attr-defined]


LOCK_CHOICES = [("", _("locked or not")), ("lock", _("locked")), ("unlock", _("unlocked"))]


def _ids_field(
    label: Any, widget: type[forms.Widget] = forms.SelectMultiple
) -> forms.TypedMultipleChoiceField:
    """A filter field of ids; its choices are set per agent by ``WidgetFilterForm``."""
    return forms.TypedMultipleChoiceField(
        label=label, coerce=int, required=False, choices=(), widget=widget
    )


class WidgetFilterForm(WidgetSettingsForm):
    """A ticket list widget's settings with its saved filter; the choices are what the
    agent may see and the open states (the lists show open tickets only)."""

    queues = _ids_field(_("Queues"))
    states = _ids_field(_("States"), forms.CheckboxSelectMultiple)
    priorities = _ids_field(_("Priorities"), forms.CheckboxSelectMultiple)
    types = _ids_field(_("Types"), forms.CheckboxSelectMultiple)
    lock = forms.ChoiceField(label=_("Lock"), required=False, choices=LOCK_CHOICES)

    def __init__(self, *args: Any, agent: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queues = permissions.queue_choices(agent, "ro")
        states = State.objects.filter(valid=True, type__in=overviews.OPEN_TYPES).order_by("name")
        choices = {
            "queues": [(q.pk, q.full_name) for q in queues],
            "states": [(s.pk, str(s)) for s in states],
            "priorities": [(p.pk, str(p)) for p in Priority.objects.filter(valid=True)],
            "types": [(t.pk, str(t)) for t in TicketType.objects.filter(valid=True)],
        }
        for name, values in choices.items():
            self.fields[name].choices = values  # type: ignore[attr-defined]

    def ticket_filter(self) -> overviews.TicketFilter:
        return dashboard.filter_from(self.cleaned_data)


class BulkForm(forms.Form):
    ticket = forms.TypedMultipleChoiceField(label=_("Tickets"), coerce=int, choices=())
    action = forms.ChoiceField(
        label=_("Action"), choices=[(a, BULK_LABELS[a]) for a in BULK_ACTIONS]
    )
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none(), required=False)
    state = forms.ModelChoiceField(
        label=_("State"),
        queryset=State.objects.filter(valid=True).exclude(
            type__in=[StateType.MERGED, StateType.REMOVED]
        ),
        required=False,
    )
    pending_until = forms.DateTimeField(
        label=_("Pending until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    priority = forms.ModelChoiceField(
        label=_("Priority"), queryset=Priority.objects.filter(valid=True), required=False
    )
    ticket_type = forms.ModelChoiceField(
        label=_("Type"), queryset=TicketType.objects.filter(valid=True), required=False
    )
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=sla_selectors.valid_services(), required=False
    )
    sla = forms.ModelChoiceField(
        label=_("SLA"), queryset=sla_selectors.slas_for(None), required=False
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    responsible = forms.ModelChoiceField(
        label=_("Responsible"), queryset=User.objects.none(), required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=250, required=False)
    body = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    target = forms.CharField(label=_("Target ticket number"), max_length=50, required=False)

    def __init__(self, *args: Any, agent: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = User.objects.filter(is_active=True, is_system=False).order_by("username")
        # The bulk form's queue is a move target.
        self.fields["queue"].queryset = permissions.queue_choices(agent, "move_into")  # type: ignore[attr-defined]
        self.fields["owner"].queryset = agents  # type: ignore[attr-defined]
        self.fields["responsible"].queryset = agents  # type: ignore[attr-defined]
        raw = self.data.getlist("ticket") if hasattr(self.data, "getlist") else []
        self.fields["ticket"].choices = [(v, v) for v in raw if str(v).isdigit()]  # type: ignore[attr-defined]

    def params(self) -> dict[str, Any]:
        data = self.cleaned_data
        keys = ("queue", "state", "pending_until", "priority", "owner", "responsible")
        values = {k: data.get(k) for k in keys}
        values.update({k: data.get(k) for k in ("ticket_type", "service", "sla")})
        values.update(subject=data.get("subject", ""), body=data.get("body", ""))
        values["target"] = (data.get("target") or "").strip()
        return values
