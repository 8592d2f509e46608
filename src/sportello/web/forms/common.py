from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import REFRESH_CHOICES, SKINS, User, time_zones
from sportello.accounts.services import TRANSPORTS, selectable_queues
from sportello.notifications.models import NotificationType
from sportello.queues.models import Queue
from sportello.web.forms.ticket_actions import (
    ArticleFieldsMixin,
    DialogForm,
    RichTextMixin,
    TimeUnitsMixin,
)


class AnswerForm(RichTextMixin, TimeUnitsMixin, ArticleFieldsMixin, forms.Form):
    """The zoom's quick answer, with the answer's article dynamic fields and, as every
    dialog, the ticket version it was rendered for; its text from the editor is HTML."""

    rich_text_field = "text"
    changed = forms.CharField(widget=forms.HiddenInput)
    to = forms.CharField(label=_("To"), max_length=1000)
    cc = forms.CharField(label=_("Cc"), max_length=1000, required=False)
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), max_length=200_000
    )

    def addresses(self, field: str) -> list[str]:
        value: str = self.cleaned_data.get(field, "")
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]

    clean_changed = DialogForm.clean_changed


class PreferencesForm(forms.Form):
    """Language, time zone, name suffix, refresh interval, skin, My Queues, absence and,
    per notification type, email and in-app switches."""

    APPEARANCE = ("language", "time_zone", "name_suffix", "refresh_seconds", "skin")

    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", _("as the browser asks")), *settings.LANGUAGES],
        required=False,
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)
    name_suffix = forms.CharField(label=_("Name suffix"), max_length=100, required=False)
    refresh_seconds = forms.TypedChoiceField(
        label=_("Refresh overviews"), choices=REFRESH_CHOICES, coerce=int, empty_value=0,  # type: ignore[arg-type]
        required=False,
    )  # fmt: skip
    skin = forms.ChoiceField(label=_("Skin"), choices=SKINS, required=False)

    my_queues = forms.ModelMultipleChoiceField(
        label=_("My Queues"), queryset=Queue.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    out_of_office_start = forms.DateField(
        label=_("Out of office from"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    out_of_office_end = forms.DateField(
        label=_("Out of office until"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    after_create = forms.ChoiceField(
        label=_("After creating a ticket"),
        choices=User._meta.get_field("after_create").choices,  # type: ignore[arg-type]
        required=False,
    )

    def __init__(self, *args: Any, agent: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone_field = self.fields["time_zone"]
        assert isinstance(zone_field, forms.ChoiceField)
        zone_field.choices = [
            ("", _("the server's time zone (%(zone)s)") % {"zone": settings.TIME_ZONE}),
            *((zone, zone) for zone in time_zones()),
        ]
        queues = selectable_queues(agent)
        field = self.fields["my_queues"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Queue.objects.filter(pk__in=[q.pk for q in queues]).order_by("full_name")
        for kind, label in NotificationType.choices:
            for transport in TRANSPORTS:
                self.fields[f"notify_{kind}_{transport}"] = forms.BooleanField(
                    label=label, required=False, initial=agent.wants(kind, transport)
                )

    def appearance(self) -> dict[str, str | int]:
        values = {name: self.cleaned_data[name] for name in self.APPEARANCE}
        if not values["skin"]:  # not sent: keep the current skin
            del values["skin"]
        return values

    def notification_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (label, self[f"notify_{kind}_email"], self[f"notify_{kind}_app"])
            for kind, label in NotificationType.choices
        ]

    def notifications(self) -> dict[str, dict[str, bool]]:
        data = self.cleaned_data
        return {
            kind: {t: bool(data.get(f"notify_{kind}_{t}")) for t in TRANSPORTS}
            for kind, _label in NotificationType.choices
        }
