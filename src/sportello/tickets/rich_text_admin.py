"""The editor in the admin: templates, signatures and salutations are written with the
same editor as the article dialogs (``web/editor.js``) and stored as HTML.

These texts have no format column: one that starts with a tag is HTML. The form cleans
such a text on the server (``core.sanitize`` through ``rich_text.clean_text_html``, a
pasted image dropped) whatever the browser sent, so no script is ever stored; plain text
(from a browser without script) is kept as typed.
"""

from __future__ import annotations

from typing import Any

from django import forms

from sportello.tickets import rich_text
from sportello.tickets.editor_labels import labels_json


class RichTextarea(forms.Textarea):
    """A textarea the editor takes over; the classic labels script runs before the
    module (both deferred, in order), as the strict Content-Security-Policy allows."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"rows": 12, "data-rich-text": "", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # In the agent's language at rendering time (the admin's language).
        labelled = {**(attrs or {}), "data-editor-labels": labels_json()}
        return super().get_context(name, value, labelled)

    @property
    def media(self) -> forms.Media:
        return forms.Media(
            css={
                "all": [
                    "django_prose_editor/material-icons.css",
                    "django_prose_editor/editor.css",
                ]
            },
            # The stubs know only paths; Django takes Script objects too (5.2).
            js=[
                forms.Script("web/editor-labels.js", defer=True),  # type: ignore[list-item]
                forms.Script("web/editor.js", type="module"),  # type: ignore[list-item]
            ],
        )


class RichTextAdminForm(forms.ModelForm):
    """An admin form whose ``text`` is written with the editor. ``content_type`` tells the
    editor what the stored text holds (it turns plain text into paragraphs)."""

    content_type = forms.ChoiceField(
        choices=[(t, t) for t in rich_text.CONTENT_TYPES],
        required=False,
        widget=forms.HiddenInput(attrs={"data-content-type": ""}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"].widget = RichTextarea()
        stored = getattr(self.instance, "text", "") or ""
        self.fields["content_type"].initial = (
            rich_text.HTML if rich_text.looks_like_html(stored) else rich_text.PLAIN
        )

    def clean_text(self) -> str:
        return clean_admin_text(str(self.cleaned_data.get("text") or ""))


def clean_admin_text(text: str) -> str:
    """An admin's text as stored: HTML (it starts with a tag) cleaned, plain text kept."""
    if rich_text.looks_like_html(text):
        return rich_text.clean_text_html(text)
    return text
