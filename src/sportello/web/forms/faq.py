"""The FAQ article form of the agent interface."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.kb.models import Category, Language, Visibility
from sportello.tickets.editor_labels import labels_json

TEXT_MAX = 200_000


def _rich(label: Any, rows: int = 6) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX,
        # Always HTML: the editor (web/editor.js) edits it in place, without pasted images
        # (an FAQ article's images are its attachments, cid:FILENAME).
        widget=forms.Textarea(
            attrs={"rows": rows, "data-rich-text": "html", "data-editor-labels": labels_json()}
        ),
        help_text=_("HTML; scripts, styles and external images are removed on display."),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class FaqItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=250)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    original = forms.IntegerField(
        label=_("Translation of FAQ#"),
        required=False,
        min_value=1,
        help_text=_("The number of the article this one translates."),
    )
    keywords = forms.CharField(label=_("Keywords"), max_length=500, required=False)
    symptom = _rich(_("Symptom"), 3)
    problem = _rich(_("Problem"))
    solution = _rich(_("Solution"), 10)
    comment = _rich(_("Comment"), 3)
    request_form_slug = forms.SlugField(
        label=_("Request form"),
        max_length=100,
        required=False,
        help_text=_("The slug of the request form offered below the article."),
    )
    valid = forms.BooleanField(label=_("Valid"), required=False, initial=True)
    attachment_files = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_('Images are inline: use them as <img src="cid:FILENAME"> in the text.'),
    )

    def __init__(self, *args: Any, agent: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = (  # type: ignore[attr-defined]
            permissions.faq_categories(agent, "rw").filter(valid=True).order_by("full_name")
        )


class TicketLinkForm(forms.Form):
    ticket = forms.CharField(label=_("Ticket number"), max_length=50)
