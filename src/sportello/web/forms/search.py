"""The search form: attributes the agent adds or removes, turned into ``Criteria``."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.queues.models import Queue
from sportello.search.services import UNITS, Archive, Criteria, TimeRange
from sportello.sla.models import SLA, Service
from sportello.tickets.dynamic_fields import FieldFilter, Match, ticket_fields
from sportello.tickets.models import (
    DynamicField,
    DynamicFieldType,
    Priority,
    State,
    StateType,
    TicketType,
)

TIME_ATTRIBUTES = {
    "created": _("Created"),
    "changed": _("Changed"),
    "closed": _("Closed"),
    "pending": _("Pending until"),
}
# Attribute -> (label, form fields it shows), in the order the form lists them.
ATTRIBUTES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "fulltext": (_("Full text"), ("fulltext",)),
    "number": (_("Ticket number"), ("number",)),
    "title": (_("Title"), ("title",)),
    "queues": (_("Queues"), ("queues", "subqueues")),
    "states": (_("States"), ("states",)),
    "state_types": (_("State types"), ("state_types",)),
    "priorities": (_("Priorities"), ("priorities",)),
    "types": (_("Types"), ("types",)),
    "owners": (_("Owner"), ("owners",)),
    "responsibles": (_("Responsible"), ("responsibles",)),
    "locked": (_("Lock"), ("locked",)),
    "customer_user": (_("Customer user"), ("customer_user",)),
    "customer_company": (_("Customer company"), ("customer_company",)),
    "services": (_("Services"), ("services",)),
    "slas": (_("SLAs"), ("slas",)),
    **{
        name: (label, tuple(f"{name}_{part}" for part in ("mode", "amount", "unit", "from", "to")))
        for name, label in TIME_ATTRIBUTES.items()
    },
}
DEFAULT_ATTRIBUTES = ["fulltext"]
DENSITIES = [("S", _("small")), ("M", _("medium")), ("L", _("large"))]
PAGE_SIZES = [25, 50, 100]
# Request parameters that are not search options (not saved in a template).
NOT_OPTIONS = {"page", "add", "remove", "template", "csrfmiddlewaretoken", "name", "run"}
# A dynamic field's attribute is its name behind this prefix.
DF_PREFIX = "df_"
RANGE_TYPES = (DynamicFieldType.INTEGER, DynamicFieldType.DATE, DynamicFieldType.DATETIME)
TEXT_TYPES = (DynamicFieldType.TEXT, DynamicFieldType.TEXTAREA)


def field_parts(field: DynamicField) -> tuple[str, ...]:
    """The form fields of a dynamic field's attribute, by its type."""
    name = DF_PREFIX + field.name
    if field.field_type in RANGE_TYPES:
        return (f"{name}_from", f"{name}_to")
    if field.field_type in TEXT_TYPES:
        return (f"{name}_match", name)
    return (name,)


def search_attributes(fields: list[DynamicField]) -> dict[str, tuple[Any, tuple[str, ...]]]:
    """Every attribute of the form: the fixed ones, then one per ticket dynamic field."""
    return {**ATTRIBUTES, **{DF_PREFIX + f.name: (f.label, field_parts(f)) for f in fields}}


class AgentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class SearchForm(forms.Form):
    attrs = forms.MultipleChoiceField(
        choices=[(k, v[0]) for k, v in ATTRIBUTES.items()],
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    fulltext = forms.CharField(
        label=_("Full text"),
        required=False,
        max_length=1000,
        help_text=_('Words, "a phrase", OR, NOT or -word, word* for a prefix.'),
    )
    number = forms.CharField(label=_("Ticket number"), required=False, max_length=60)
    title = forms.CharField(label=_("Title"), required=False, max_length=255)
    queues = forms.ModelMultipleChoiceField(
        label=_("Queues"), queryset=Queue.objects.none(), required=False
    )
    subqueues = forms.BooleanField(label=_("including sub-queues"), required=False, initial=True)
    states = forms.ModelMultipleChoiceField(
        label=_("States"), queryset=State.objects.all(), required=False
    )
    state_types = forms.MultipleChoiceField(
        label=_("State types"), choices=StateType.choices, required=False
    )
    priorities = forms.ModelMultipleChoiceField(
        label=_("Priorities"), queryset=Priority.objects.all(), required=False
    )
    types = forms.ModelMultipleChoiceField(
        label=_("Types"), queryset=TicketType.objects.all(), required=False
    )
    owners = AgentChoiceField(label=_("Owner"), queryset=User.objects.none(), required=False)
    responsibles = AgentChoiceField(
        label=_("Responsible"), queryset=User.objects.none(), required=False
    )
    locked = forms.ChoiceField(
        label=_("Lock"),
        choices=[("", _("any")), ("yes", _("locked")), ("no", _("unlocked"))],
        required=False,
    )
    customer_user = forms.CharField(label=_("Customer user"), required=False, max_length=250)
    customer_company = forms.CharField(label=_("Customer company"), required=False, max_length=150)
    services = forms.ModelMultipleChoiceField(
        label=_("Services"), queryset=Service.objects.order_by("full_name"), required=False
    )
    slas = forms.ModelMultipleChoiceField(
        label=_("SLAs"), queryset=SLA.objects.order_by("name"), required=False
    )
    archive = forms.ChoiceField(
        label=_("Archive"),
        choices=[
            (Archive.EXCLUDE, _("without archived tickets")),
            (Archive.INCLUDE, _("with archived tickets (archive search)")),
            (Archive.ONLY, _("archived tickets only")),
        ],
        required=False,
    )
    density = forms.ChoiceField(label=_("View"), choices=DENSITIES, required=False)
    per_page = forms.TypedChoiceField(
        label=_("Rows per page"),
        choices=[(n, n) for n in PAGE_SIZES],
        coerce=int,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        agent: User,
        fields: list[DynamicField] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.agent = agent
        self.dynamic_fields = list(ticket_fields()) if fields is None else fields
        self.attributes = search_attributes(self.dynamic_fields)
        attrs: Any = self.fields["attrs"]
        attrs.choices = [(k, v[0]) for k, v in self.attributes.items()]
        for dynamic in self.dynamic_fields:
            self._add_dynamic_field(dynamic)
        queues: Any = self.fields["queues"]
        queues.queryset = permissions.readable_queues(agent).order_by("full_name")
        agents = User.objects.filter(is_active=True).order_by("username")
        for name in ("owners", "responsibles"):
            field: Any = self.fields[name]
            field.queryset = agents
        for name in TIME_ATTRIBUTES:
            self.fields[f"{name}_mode"] = forms.ChoiceField(
                label=TIME_ATTRIBUTES[name],
                choices=[
                    ("", _("any time")),
                    ("within", _("within the last")),
                    ("older", _("more than … ago")),
                    ("between", _("between")),
                ],
                required=False,
            )
            self.fields[f"{name}_amount"] = forms.IntegerField(
                label=_("amount"), min_value=0, max_value=100_000, required=False
            )
            self.fields[f"{name}_unit"] = forms.ChoiceField(
                label=_("unit"),
                choices=[
                    ("minutes", _("minutes")),
                    ("hours", _("hours")),
                    ("days", _("days")),
                    ("weeks", _("weeks")),
                    ("months", _("months")),
                    ("years", _("years")),
                ],
                required=False,
            )
            self.fields[f"{name}_from"] = forms.DateField(
                label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"{name}_to"] = forms.DateField(
                label=_("to (inclusive)"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )

    def shown(self) -> list[str]:
        """The attributes on the form, in the form's order."""
        # From the raw data: an attribute with a wrong value stays on the form, with its
        # error shown next to it.
        data: Any = self.data
        chosen = data.getlist("attrs") if self.is_bound and hasattr(data, "getlist") else []
        wanted = {name for name in chosen if name in self.attributes} or set(DEFAULT_ATTRIBUTES)
        return [name for name in self.attributes if name in wanted]

    def _add_dynamic_field(self, field: DynamicField) -> None:
        name = DF_PREFIX + field.name
        kind = field.field_type
        if kind in TEXT_TYPES:
            self.fields[f"{name}_match"] = forms.ChoiceField(
                label=_("Match"),
                choices=[(Match.EQUALS, _("equals")), (Match.CONTAINS, _("contains"))],
                required=False,
            )
            self.fields[name] = forms.CharField(label=field.label, required=False, max_length=3800)
        elif kind == DynamicFieldType.CHECKBOX:
            self.fields[name] = forms.ChoiceField(
                label=field.label,
                choices=[("", _("any")), ("1", _("yes")), ("0", _("no"))],
                required=False,
            )
        elif kind in RANGE_TYPES:
            bound: type[forms.Field] = (
                forms.IntegerField if kind == DynamicFieldType.INTEGER else forms.DateField
            )
            widget = (
                forms.NumberInput()
                if kind == DynamicFieldType.INTEGER
                else forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"{name}_from"] = bound(label=_("from"), required=False, widget=widget)
            self.fields[f"{name}_to"] = bound(
                label=_("to (inclusive)"), required=False, widget=widget
            )
        else:
            keys = [str(c.get("key")) for c in field.choices or []]
            self.fields[name] = forms.MultipleChoiceField(
                label=field.label,
                choices=[(key, field.choice_label(key)) for key in keys],
                required=False,
            )

    def _field_filter(self, field: DynamicField) -> FieldFilter:
        data = self.cleaned_data
        name = DF_PREFIX + field.name
        if field.field_type in RANGE_TYPES:
            return FieldFilter(field, low=data.get(f"{name}_from"), high=data.get(f"{name}_to"))
        if field.field_type in TEXT_TYPES:
            match = data.get(f"{name}_match") or Match.EQUALS
            return FieldFilter(field, text=data.get(name) or "", match=match)
        value = data.get(name) or ()
        return FieldFilter(field, keys=(value,) if isinstance(value, str) else tuple(value))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in TIME_ATTRIBUTES:
            mode = data.get(f"{name}_mode")
            if mode in ("within", "older") and data.get(f"{name}_amount") is None:
                self.add_error(f"{name}_amount", _("Enter a number."))
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            if mode == "between" and start and end and start > end:
                self.add_error(f"{name}_to", _("The end lies before the start."))
        for field in self.dynamic_fields:
            if field.field_type in RANGE_TYPES:
                name = DF_PREFIX + field.name
                low, high = data.get(f"{name}_from"), data.get(f"{name}_to")
                if low is not None and high is not None and low > high:
                    self.add_error(f"{name}_to", _("The end lies before the start."))
        return data

    def criteria(self) -> Criteria:
        """The criteria of the attributes on the form (call after ``is_valid``)."""
        data = self.cleaned_data
        shown = set(self.shown())
        criteria = Criteria(archive=data.get("archive") or Archive.EXCLUDE)

        def ids(name: str) -> list[int]:
            return [obj.pk for obj in data.get(name) or ()] if name in shown else []

        if "fulltext" in shown:
            criteria.fulltext = data.get("fulltext") or ""
        if "number" in shown:
            criteria.number = data.get("number") or ""
        if "title" in shown:
            criteria.title = data.get("title") or ""
        criteria.queues = ids("queues")
        criteria.subqueues = bool(data.get("subqueues"))
        criteria.states = ids("states")
        criteria.priorities = ids("priorities")
        criteria.types = ids("types")
        criteria.owners = ids("owners")
        criteria.responsibles = ids("responsibles")
        criteria.services = ids("services")
        criteria.slas = ids("slas")
        criteria.dynamic_fields = [
            self._field_filter(f) for f in self.dynamic_fields if DF_PREFIX + f.name in shown
        ]
        if "state_types" in shown:
            criteria.state_types = list(data.get("state_types") or ())
        if "locked" in shown and data.get("locked"):
            criteria.locked = data["locked"] == "yes"
        if "customer_user" in shown:
            criteria.customer_user = data.get("customer_user") or ""
        if "customer_company" in shown:
            criteria.customer_company = data.get("customer_company") or ""
        for name in TIME_ATTRIBUTES:
            if name in shown:
                setattr(criteria, name, self._time_range(name))
        return criteria

    def _time_range(self, name: str) -> TimeRange:
        data = self.cleaned_data
        mode = data.get(f"{name}_mode")
        amount = data.get(f"{name}_amount")
        unit = UNITS.get(data.get(f"{name}_unit") or "days", UNITS["days"])
        if mode == "within" and amount is not None:
            return TimeRange(within=unit * amount)
        if mode == "older" and amount is not None:
            return TimeRange(older=unit * amount)
        if mode == "between":
            zone = timezone.get_current_timezone()
            start, end = data.get(f"{name}_from"), data.get(f"{name}_to")
            return TimeRange(
                start=datetime.combine(start, time.min, zone) if start else None,
                # "to" is inclusive: up to the start of the next day.
                end=datetime.combine(end + timedelta(days=1), time.min, zone) if end else None,
            )
        return TimeRange()
