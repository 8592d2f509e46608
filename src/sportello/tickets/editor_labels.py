"""The editor's own labels (django-prose-editor names its buttons and dialog fields in
English) in the agent's language, handed to ``web/editor-labels.js``."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _

LABELS = {
    "bold": _("Bold"),
    "italic": _("Italic"),
    "underline": _("Underline"),
    "strike": _("Strikethrough"),
    "Code": _("Code"),
    "Code block": _("Code block"),
    "paragraph": _("Paragraph"),
    "heading 2": _("Heading 2"),
    "heading 3": _("Heading 3"),
    "unordered list": _("Bulleted list"),
    "ordered list": _("Numbered list"),
    "blockquote": _("Quote"),
    "horizontal rule": _("Horizontal line"),
    "insert link": _("Insert link"),
    "remove link": _("Remove link"),
    "undo": _("Undo"),
    "redo": _("Redo"),
    "Insert table": _("Insert table"),
    "Add column": _("Add column"),
    "Delete column": _("Delete column"),
    "Add row": _("Add row"),
    "Delete row": _("Delete row"),
    "Merge cells": _("Merge cells"),
    "Split cell": _("Split cell"),
    "Toggle header cell": _("Toggle header cell"),
    "Delete table": _("Delete table"),
    "Edit Link": _("Edit link"),
    "URL": _("URL"),
    "Title": _("Title"),
    "Open in new window": _("Open in a new window"),
    "Cancel": _("Cancel"),
    "Update": _("Apply"),
    "Insert Table": _("Insert table"),
    "Table Properties": _("Table properties"),
    "Rows": _("Rows"),
    "Columns": _("Columns"),
    "Include header row": _("With a header row"),
    "List properties": _("List properties"),
    "List type": _("List type"),
    "Start at": _("Start at"),
    "Bullets": _("Bullets"),
    "Decimal numbers": _("Numbers"),
    "Lowercase letters": _("Lowercase letters"),
    "Uppercase letters": _("Uppercase letters"),
    "Lowercase Roman numerals": _("Lowercase Roman numerals"),
    "Uppercase Roman numerals": _("Uppercase Roman numerals"),
}


def labels_json() -> str:
    return json.dumps({key: str(label) for key, label in LABELS.items()})
