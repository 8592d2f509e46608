from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class AnswerForm(forms.Form):
    to = forms.CharField(label=_("To"), max_length=1000)
    cc = forms.CharField(label=_("Cc"), max_length=1000, required=False)
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), max_length=200_000
    )

    def addresses(self, field: str) -> list[str]:
        value: str = self.cleaned_data.get(field, "")
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
