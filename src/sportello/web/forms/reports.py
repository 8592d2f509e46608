"""The statistic edit form: one form for the three kinds (a matrix's axes, a list's
columns, a built-in report and its parameters) with the restrictions, the period and the
chart they share. ``configuration()`` builds the JSON that ``reports.config`` checks;
``initial_for`` turns a saved one back into form values. The fields of the kinds not
chosen are ignored, so switching the kind keeps what was entered."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.customers.models import CustomerCompany
from sportello.reports import config as cfg
from sportello.reports.config import GRANULARITY_LABELS, PERIOD_LABELS
from sportello.reports.engine import column_label
from sportello.reports.models import StatisticKind
from sportello.sla.models import SLA, Service
from sportello.tickets.models import (
    DynamicField,
    DynamicFieldType,
    Priority,
    State,
    StateType,
    TicketType,
)

AXES = (
    ("time", _("Time")),
    ("queue", _("Queue")),
    ("state", _("State")),
    ("state_type", _("State type")),
    ("priority", _("Priority")),
    ("type", _("Type")),
    ("owner", _("Owner")),
    ("responsible", _("Responsible")),
    ("customer_company", _("Customer company")),
    ("service", _("Service")),
    ("sla", _("SLA")),
)
TIME_FIELDS = (
    ("created", _("Created")),
    ("closed", _("Closed")),
    ("first_response", _("First response")),
    ("history", _("Any history event")),
)
CHARTS = (
    ("bar", _("Bar")),
    ("stacked", _("Stacked bar")),
    ("line", _("Line")),
    ("pie", _("Pie")),
    ("none", _("No chart")),
)
BUILTIN_REPORTS = (
    ("sla_compliance", _("SLA compliance")),
    ("first_response_distribution", _("First response time distribution")),
    ("solution_distribution", _("Solution time distribution")),
    ("agent_workload", _("Agent workload")),
    ("state_changes", _("State changes")),
    ("backlog", _("Backlog")),
    ("channel_mix", _("New tickets by channel")),
)
# Company restrictions list this many companies at most (the rest by the JSON API).
MAX_COMPANIES = 500


def restriction_choices(agent: User) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """Each attribute a statistic may be restricted on, with the values to choose from
    (only the queues the agent may read)."""
    agents = [
        (str(u.pk), u.get_full_name() or u.username)
        for u in User.objects.filter(is_active=True, is_system=False).order_by("username")
    ]
    found: list[tuple[str, str, list[tuple[str, str]]]] = [
        (
            "queue",
            str(_("Queue")),
            [
                (str(pk), name)
                for pk, name in permissions.readable_queues(agent)
                .order_by("full_name")
                .values_list("pk", "full_name")
            ],
        ),
        ("state", str(_("State")), _pairs(State.objects.order_by("name"), "name")),
        ("state_type", str(_("State type")), [(k, str(v)) for k, v in StateType.choices]),
        ("priority", str(_("Priority")), _pairs(Priority.objects.order_by("pk"), "name")),
        ("type", str(_("Type")), _pairs(TicketType.objects.order_by("name"), "name")),
        ("owner", str(_("Owner")), agents),
        ("responsible", str(_("Responsible")), agents),
        (
            "customer_company",
            str(_("Customer company")),
            list(
                CustomerCompany.objects.filter(valid=True)
                .order_by("name")
                .values_list("customer_id", "name")[:MAX_COMPANIES]
            ),
        ),
        ("service", str(_("Service")), _pairs(Service.objects.order_by("full_name"), "full_name")),
        ("sla", str(_("SLA")), _pairs(SLA.objects.order_by("name"), "name")),
    ]
    for field in DynamicField.objects.filter(
        object_type="ticket",
        valid=True,
        field_type__in=[DynamicFieldType.DROPDOWN, DynamicFieldType.MULTISELECT],
    ):
        keys = [str(choice.get("key")) for choice in field.choices or [] if choice.get("key")]
        found.append((f"df:{field.name}", field.label, [(k, field.choice_label(k)) for k in keys]))
    return found


def _pairs(queryset: Any, name: str) -> list[tuple[str, str]]:
    return [(str(pk), str(label)) for pk, label in queryset.values_list("pk", name)]


def _field_name(attribute: str) -> str:
    return "r_" + attribute.replace(":", "__")


class StatisticForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=StatisticKind.choices)
    # Matrix
    x = forms.ChoiceField(label=_("X axis"), choices=AXES, initial="time", required=False)
    y = forms.ChoiceField(
        label=_("Y axis"), choices=[("", _("none")), *AXES], required=False, initial="queue"
    )
    time_field = forms.ChoiceField(
        label=_("Time of"), choices=TIME_FIELDS, initial="created", required=False
    )
    sum_field = forms.ChoiceField(label=_("Sum of"), choices=[], required=False)
    value = forms.ChoiceField(
        label=_("Cells"),
        choices=[
            ("tickets", _("number of tickets")),
            ("accounted_time", _("accounted time (minutes)")),
        ],
        initial="tickets",
        required=False,
    )
    # Built-in report
    report = forms.ChoiceField(label=_("Report"), choices=BUILTIN_REPORTS, required=False)
    by = forms.ChoiceField(
        label=_("Group by"),
        choices=[("queue", _("Queue")), ("sla", _("SLA"))],
        initial="queue",
        required=False,
    )
    queue_at = forms.ChoiceField(
        label=_("Queue"),
        choices=[
            ("history", _("the queue the ticket was created in")),
            ("current", _("the ticket's current queue")),
        ],
        initial="history",
        required=False,
        help_text=_(
            "SLA compliance and the time distributions. A customer contact counts in the"
            " queue it was answered in."
        ),
    )
    # Shared by the matrix and the built-in reports
    granularity = forms.ChoiceField(
        label=_("Time interval"),
        choices=list(GRANULARITY_LABELS.items()),
        initial="month",
        required=False,
    )
    # List
    columns = forms.MultipleChoiceField(
        label=_("Columns"),
        choices=[(c, c) for c in cfg.LIST_COLUMNS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=["number", "title", "created", "queue", "state"],
    )
    list_time_field = forms.ChoiceField(
        label=_("Period applies to"),
        choices=[("created", _("Created")), ("closed", _("Closed"))],
        initial="created",
        required=False,
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=[], initial="created", required=False)
    descending = forms.BooleanField(label=_("Descending"), required=False)
    limit = forms.IntegerField(
        label=_("Limit"), min_value=1, max_value=100_000, initial=1000, required=False
    )
    # Shared
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("", _("from … until (dates below)")), *PERIOD_LABELS.items()],
        initial="last_12_months",
        required=False,
        help_text=_("Relative periods are taken in your time zone."),
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    chart = forms.ChoiceField(label=_("Chart"), choices=CHARTS, initial="bar", required=False)

    def __init__(self, *args: Any, agent: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        column_choices = [(c, column_label(c)) for c in cfg.LIST_COLUMNS]
        self.fields["columns"].choices = column_choices  # type: ignore[attr-defined]
        self.fields["sort"].choices = column_choices  # type: ignore[attr-defined]
        for column in cfg.LIST_COLUMNS:
            label = _("Position of %(column)s") % {"column": column_label(column)}
            self.fields[f"pos_{column}"] = forms.IntegerField(
                label=label,
                required=False,
                min_value=1,
                max_value=len(cfg.LIST_COLUMNS),
                widget=forms.NumberInput(attrs={"class": "position", "aria-label": label}),
            )
        self.fields["sum_field"].choices = [  # type: ignore[attr-defined]
            ("", _("count tickets")),
            *(
                (df.name, df.label)
                for df in DynamicField.objects.filter(
                    object_type="ticket", field_type=DynamicFieldType.INTEGER
                )
            ),
        ]
        self.restrictions = restriction_choices(agent)
        for attribute, label, choices in self.restrictions:
            self.fields[_field_name(attribute)] = forms.MultipleChoiceField(
                label=label,
                choices=choices,
                required=False,
                widget=forms.SelectMultiple(attrs={"size": min(max(len(choices), 2), 6)}),
            )

    # Groups of bound fields for the template.
    def restriction_fields(self) -> list[Any]:
        return [self[_field_name(attribute)] for attribute, _l, _c in self.restrictions]

    def column_rows(self) -> list[dict[str, Any]]:
        chosen = set(self["columns"].value() or [])
        return [
            {"value": value, "label": label, "checked": value in chosen,
             "position": self[f"pos_{value}"], "id": f"id_columns_{number}"}
            for number, (value, label) in enumerate(self.fields["columns"].choices)  # type: ignore[attr-defined]
        ]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if data.get("start") or data.get("end"):
            if not data.get("start"):
                self.add_error("start", _("An absolute period needs a start and an end."))
            elif not data.get("end"):
                self.add_error("end", _("An absolute period needs a start and an end."))
            elif data["end"] < data["start"]:
                self.add_error("end", _("The period ends before it starts."))
        elif not data.get("period"):
            self.add_error("period", _("Choose a period, or a start and an end."))
        if kind == StatisticKind.MATRIX and not data.get("x"):
            self.add_error("x", _("Choose the X axis."))
        elif kind == StatisticKind.MATRIX and data.get("y") and data.get("y") == data.get("x"):
            self.add_error("y", _("The two axes must differ."))
        if (
            kind == StatisticKind.MATRIX
            and data.get("value") == "accounted_time"
            and data.get("time_field") == "history"
        ):
            # A ticket's time would count once per history row.
            self.add_error("value", _("Accounted time is summed over tickets, not history rows."))
        if kind == StatisticKind.LIST and not data.get("columns"):
            self.add_error("columns", _("Choose at least one column."))
        if kind == StatisticKind.BUILTIN and not data.get("report"):
            self.add_error("report", _("Choose a report."))
        return data

    def _period(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data.get("start") and data.get("end"):
            return {"start": data["start"].isoformat(), "end": data["end"].isoformat()}
        return {"relative": data["period"]}

    def _restrictions(self) -> list[dict[str, Any]]:
        found = []
        for attribute, _label, _choices in self.restrictions:
            values = self.cleaned_data.get(_field_name(attribute)) or []
            if values:
                found.append({"attribute": attribute, "values": list(values)})
        return found

    def _columns(self) -> list[str]:
        """The chosen columns, ordered by their position (unnumbered ones after, in the
        list's order)."""
        data = self.cleaned_data
        chosen = [c for c in cfg.LIST_COLUMNS if c in (data.get("columns") or [])]
        rank = {c: number for number, c in enumerate(chosen)}
        return sorted(
            chosen, key=lambda c: (data.get(f"pos_{c}") or len(cfg.LIST_COLUMNS) + 1, rank[c])
        )

    def configuration(self) -> dict[str, Any]:
        data = self.cleaned_data
        granularity, chart = data.get("granularity") or "month", data.get("chart") or "bar"
        shared: dict[str, Any] = {"period": self._period(), "restrictions": self._restrictions()}
        if data["kind"] == StatisticKind.LIST:
            return shared | {
                "columns": self._columns(),
                "time_field": data.get("list_time_field") or "created",
                "sort": data.get("sort") or "created",
                "descending": bool(data.get("descending")),
                "limit": data.get("limit") or 1000,
            }
        if data["kind"] == StatisticKind.BUILTIN:
            return shared | {
                "report": data.get("report"),
                "granularity": granularity,
                "by": data.get("by") or "queue",
                "queue_at": data.get("queue_at") or "history",
                "chart": chart,
            }
        config = shared | {
            "x": {"attribute": data["x"], "granularity": granularity},
            "time_field": data.get("time_field") or "created",
            "chart": chart,
        }
        if data.get("sum_field"):
            config["sum_field"] = data["sum_field"]
        if data.get("value") == "accounted_time":
            config["value"] = "accounted_time"
        if data.get("y"):
            config["y"] = {"attribute": data["y"], "granularity": granularity}
        return config


def initial_for(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """Form values of a saved statistic."""
    period = config.get("period") or {}
    values: dict[str, Any] = {
        "kind": kind,
        "period": period.get("relative") or "",
        "start": period.get("start"),
        "end": period.get("end"),
        "chart": config.get("chart", "bar"),
        "granularity": config.get("granularity", "month"),
    }
    for item in config.get("restrictions") or []:
        values[_field_name(item["attribute"])] = list(item["values"])
    if kind == StatisticKind.MATRIX:
        values.update(
            x=config["x"]["attribute"],
            granularity=config["x"].get("granularity", "month"),
            y=(config.get("y") or {}).get("attribute", ""),
            time_field=config.get("time_field", "created"),
            sum_field=config.get("sum_field") or "",
            value=config.get("value", "tickets"),
        )
    elif kind == StatisticKind.LIST:
        columns = list(config.get("columns") or [])
        values.update(
            columns=columns,
            list_time_field=config.get("time_field", "created"),
            sort=config.get("sort", "created"),
            descending=bool(config.get("descending")),
            limit=config.get("limit", 1000),
        )
        values |= {f"pos_{column}": number + 1 for number, column in enumerate(columns)}
    else:
        values.update(
            report=config.get("report"),
            by=config.get("by", "queue"),
            queue_at=config.get("queue_at", "history"),
        )
    return values
