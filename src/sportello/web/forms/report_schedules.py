"""The form of a statistic's mail schedule (the agent "Reports" area)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import User
from sportello.reports.models import ExportFormat, Frequency, ReportSchedule

WEEKDAYS = (
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
)


class AgentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.username} <{obj.email}>"


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(label=_("Frequency"), choices=Frequency.choices)
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    weekday = forms.TypedChoiceField(
        label=_("Weekday"), choices=WEEKDAYS, coerce=int, initial=0,
        help_text=_("Weekly schedules."),
    )  # fmt: skip
    day = forms.IntegerField(
        label=_("Day of month"), min_value=1, max_value=28, initial=1,
        help_text=_("Monthly schedules: 1 to 28."),
    )  # fmt: skip
    time_zone = forms.ChoiceField(label=_("Time zone"))
    agents = AgentChoice(
        label=_("Agents"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    addresses = forms.CharField(
        label=_("Other addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One mail address a line."),
    )
    formats = forms.MultipleChoiceField(
        label=_("Attachments"),
        choices=[(ExportFormat.XLSX, "XLSX"), (ExportFormat.PDF, "PDF")],
        widget=forms.CheckboxSelectMultiple,
        initial=[ExportFormat.XLSX],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = User.objects.filter(is_active=True, is_system=False).exclude(email="")
        self.fields["agents"].queryset = agents.order_by("username")  # type: ignore[attr-defined]
        self.fields["time_zone"].choices = [  # type: ignore[attr-defined]
            (name, name) for name in sorted(zoneinfo.available_timezones())
        ]

    def clean_addresses(self) -> list[str]:
        found = []
        for line in (self.cleaned_data.get("addresses") or "").replace(",", "\n").splitlines():
            address = line.strip()
            if not address:
                continue
            try:
                validate_email(address)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("“%(address)s” is not a mail address."), params={"address": address}
                ) from None
            found.append(address)
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("agents") and not data.get("addresses") and "addresses" in data:
            self.add_error("agents", _("A schedule needs at least one recipient."))
        return data


def schedule_initial(schedule: ReportSchedule) -> dict[str, Any]:
    return {
        "frequency": schedule.frequency,
        "time": schedule.time,
        "weekday": schedule.weekday,
        "day": schedule.day,
        "time_zone": schedule.time_zone,
        "agents": list(schedule.agents.all()),
        "addresses": "\n".join(schedule.addresses or []),
        "formats": [f for f in schedule.formats or [] if f != ExportFormat.CSV],
    }
