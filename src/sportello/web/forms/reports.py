"""The statistic edit form: name, description, kind and, for a matrix, its axes; any
kind's full configuration as JSON (checked by ``reports.config``)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.reports.config import GRANULARITY_LABELS, PERIOD_LABELS
from sportello.reports.models import StatisticKind

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


class StatisticForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    kind = forms.ChoiceField(label=_("Kind"), choices=StatisticKind.choices)
    x = forms.ChoiceField(label=_("X axis"), choices=AXES, initial="time")
    granularity = forms.ChoiceField(
        label=_("Time interval"), choices=list(GRANULARITY_LABELS.items()), initial="month"
    )
    y = forms.ChoiceField(
        label=_("Y axis"), choices=[("", _("none")), *AXES], required=False, initial="queue"
    )
    time_field = forms.ChoiceField(label=_("Time of"), choices=TIME_FIELDS, initial="created")
    period = forms.ChoiceField(
        label=_("Period"), choices=list(PERIOD_LABELS.items()),
        initial="last_12_months",
    )  # fmt: skip
    chart = forms.ChoiceField(label=_("Chart"), choices=CHARTS, initial="bar")
    config = forms.CharField(
        label=_("Configuration (JSON)"),
        help_text=_("Lists and built-in reports; a matrix's restrictions, sum and cell value."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def _json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.cleaned_data.get("config") or "{}")
        except ValueError:
            raise forms.ValidationError(_("The configuration is not valid JSON.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The configuration is not valid JSON."))
        return value

    def configuration(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["kind"] != StatisticKind.MATRIX:
            return self._json()
        extra = self._json() if (data.get("config") or "").strip() else {}
        config: dict[str, Any] = {
            key: extra[key] for key in ("restrictions", "sum_field", "value") if key in extra
        }
        config |= {
            "x": {"attribute": data["x"], "granularity": data["granularity"]},
            "time_field": data["time_field"],
            "period": {"relative": data["period"]},
            "chart": data["chart"],
        }
        if data.get("y"):
            config["y"] = {"attribute": data["y"], "granularity": data["granularity"]}
        return config


def initial_for(kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """Form values of a saved statistic."""
    values: dict[str, Any] = {"kind": kind, "config": json.dumps(config, indent=1)}
    if kind == StatisticKind.MATRIX:
        values.update(
            x=config["x"]["attribute"],
            granularity=config["x"].get("granularity", "month"),
            y=(config.get("y") or {}).get("attribute", ""),
            time_field=config.get("time_field", "created"),
            period=(config.get("period") or {}).get("relative") or "last_12_months",
            chart=config.get("chart", "bar"),
        )
    return values
