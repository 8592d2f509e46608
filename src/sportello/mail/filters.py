"""Postmaster filters and trusted X-Sportello-* headers: what to do with a new message."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from sportello.mail.parsing import ParsedMessage

SETTABLE = ("queue", "priority", "type", "state", "title", "customer_user", "customer_company")
HEADER_PREFIX = "X-Sportello-"
# Header spelling as documented: X-Sportello-Queue, X-Sportello-CustomerUser, …
HEADER_NAMES = {
    "queue": "Queue",
    "priority": "Priority",
    "type": "Type",
    "state": "State",
    "title": "Title",
    "customer_user": "CustomerUser",
    "customer_company": "CustomerCompany",
    "ignore": "Ignore",
}


@dataclass
class Decision:
    """Attributes a filter or trusted header sets for the ticket the mail creates."""

    queue: str = ""
    priority: str = ""
    type: str = ""
    state: str = ""
    title: str = ""
    customer_user: str = ""
    customer_company: str = ""
    ignore: bool = False
    ignored_by: str = ""  # which filter or header set ``ignore``, for the operator

    def update(self, values: dict[str, Any]) -> None:
        for field in fields(self):
            if field.name in values and values[field.name] not in (None, ""):
                value = values[field.name]
                if field.name == "ignore":
                    value = str(value).strip().lower() in {"1", "true", "yes"}
                setattr(self, field.name, value)


def validate_filter(matches: Any, sets: Any) -> None:
    if not isinstance(matches, list) or not matches:
        raise ValidationError(_("A filter needs at least one match."))
    for match in matches:
        if not isinstance(match, dict) or not match.get("header") or "pattern" not in match:
            raise ValidationError(_("Each match needs a header and a pattern."))
        try:
            re.compile(str(match["pattern"]))
        except re.error as error:
            raise ValidationError(
                _("Invalid regular expression %(pattern)s: %(error)s")
                % {"pattern": match["pattern"], "error": error}
            ) from None
    if not isinstance(sets, dict) or not sets:
        raise ValidationError(_("A filter must set something."))
    unknown = set(sets) - {*SETTABLE, "ignore"}
    if unknown:
        raise ValidationError(_("Unknown attributes: %(names)s") % {"names": ", ".join(unknown)})


def _value(message: ParsedMessage, header: str) -> list[str]:
    if header.lower() == "body":
        return [message.body_text]
    return message.header_values(header) or [""]


def _matches(message: ParsedMessage, rules: list[dict[str, Any]]) -> bool:
    for rule in rules:
        pattern = re.compile(str(rule["pattern"]), re.IGNORECASE | re.MULTILINE)
        found = any(pattern.search(value) for value in _value(message, str(rule["header"])))
        if found == bool(rule.get("negate")):
            return False
    return True


def decide(message: ParsedMessage, *, trusted: bool) -> tuple[Decision, list[str]]:
    """Apply trusted headers first, then the ordered filters (later ones win).
    Returns the decision and the names of the filters that matched."""
    from sportello.mail.selectors import postmaster_filters

    decision = Decision()
    if trusted:
        decision.update(
            {key: message.header(HEADER_PREFIX + name) for key, name in HEADER_NAMES.items()}
        )
        if decision.ignore:
            decision.ignored_by = f"header {HEADER_PREFIX}{HEADER_NAMES['ignore']}"
    applied: list[str] = []
    for rule in postmaster_filters():
        try:
            if not _matches(message, rule.matches):
                continue
        except (re.error, KeyError, TypeError):
            continue  # an invalid stored rule never stops mail from being filed
        decision.update(rule.sets)
        if rule.sets.get("ignore") not in (None, ""):
            decision.ignored_by = f"postmaster filter {rule.name!r}" if decision.ignore else ""
        applied.append(rule.name)
        if rule.stop:
            break
    return decision, applied
