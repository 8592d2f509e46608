"""Creating a personal API token on the preferences page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.api.models import AGENT_SCOPES, Scope


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=AGENT_SCOPES, initial=Scope.READ)
    expires = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Empty: until revoked."),
    )
