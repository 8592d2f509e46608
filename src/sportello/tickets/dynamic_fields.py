"""Dynamic fields: validating input, storing typed values, reading them for display.

Values live in ``DynamicFieldValue`` rows with one indexed column per type (see
docs/architecture.md, "Dynamic fields"); writes go through ``actions.set_dynamic_fields``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, FilteredRelation, OuterRef, Q, QuerySet
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sportello.core import cache
from sportello.core.errors import InvalidInput
from sportello.tickets.models import (
    Article,
    DynamicField,
    DynamicFieldObject,
    DynamicFieldType,
    DynamicFieldValue,
    Ticket,
)

T = DynamicFieldType
VALUE_COLUMNS = ("value_key", "value_text", "value_int", "value_date", "value_datetime")
KEY_LENGTH = 200
TEXT_LENGTH: dict[str, int] = {T.TEXT: 3800, T.TEXTAREA: 100_000}


def fields_for(object_type: str) -> QuerySet[DynamicField]:
    return DynamicField.objects.filter(object_type=object_type, valid=True).order_by(
        "order", "name"
    )


def valid_fields(object_type: str) -> list[DynamicField]:
    """``fields_for`` from the configuration cache: the API's ticket reads ask for it on
    every request."""
    fields: list[DynamicField] = cache.get(
        f"dynamic_fields.{object_type}", lambda: list(fields_for(object_type))
    )
    return fields


def ticket_fields() -> QuerySet[DynamicField]:
    return fields_for(DynamicFieldObject.TICKET)


def _invalid(field: DynamicField, message: Any, **params: Any) -> InvalidInput:
    return InvalidInput(message, field=field.label, **params)


def clean_value(field: DynamicField, raw: Any) -> Any:
    """The field's value from form or API input: str, int, bool, date, datetime, a list
    of keys (multiselect), or None for empty. Raises InvalidInput with a clear reason."""
    kind = field.field_type
    if kind == T.MULTISELECT:
        items = [raw] if isinstance(raw, str) else list(raw or [])
        keys = [str(k) for k in items if str(k).strip()]
        _check_keys(field, keys)
        if field.required and not keys:
            raise _invalid(field, _("%(field)s is required."))
        return sorted(set(keys)) or None
    if kind == T.CHECKBOX:
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "on", "yes")
        return bool(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if field.required:
            raise _invalid(field, _("%(field)s is required."))
        return None
    if kind in (T.TEXT, T.TEXTAREA):
        text = str(raw).replace("\x00", "")
        if kind == T.TEXT:
            text = " ".join(text.split())
        if len(text) > TEXT_LENGTH[kind]:
            raise _invalid(field, _("%(field)s is too long."))
        if field.regex and not re.fullmatch(field.regex, text):
            raise _invalid(field, _("%(field)s has an invalid format."))
        return text
    if kind == T.INTEGER:
        try:
            number = int(str(raw).strip())
        except ValueError:
            raise _invalid(field, _("%(field)s must be a whole number.")) from None
        if abs(number) > 2**63 - 1:
            raise _invalid(field, _("%(field)s is out of range."))
        if field.min_value is not None and number < field.min_value:
            raise _invalid(field, _("%(field)s must be at least %(limit)s."), limit=field.min_value)
        if field.max_value is not None and number > field.max_value:
            raise _invalid(field, _("%(field)s must be at most %(limit)s."), limit=field.max_value)
        return number
    if kind == T.DROPDOWN:
        _check_keys(field, [str(raw)])
        return str(raw)
    if kind == T.DATE:
        value = raw if isinstance(raw, date) and not isinstance(raw, datetime) else None
        value = value or _parse(parse_date, raw)
        if value is None:
            raise _invalid(field, _("%(field)s must be a date."))
        return value
    value_dt = raw if isinstance(raw, datetime) else _parse(parse_datetime, raw)
    if value_dt is None:
        raise _invalid(field, _("%(field)s must be a date and time."))
    if timezone.is_naive(value_dt):
        value_dt = timezone.make_aware(value_dt)
    return value_dt


def _parse(parser: Any, raw: Any) -> Any:
    try:
        return parser(str(raw).strip())
    except ValueError:
        return None


def _check_keys(field: DynamicField, keys: Iterable[str]) -> None:
    allowed = {str(c.get("key")) for c in field.choices or []}
    for key in keys:
        if key not in allowed:
            raise _invalid(field, _("%(field)s has no option %(key)s."), key=key)


def rows_for(field: DynamicField, value: Any) -> list[DynamicFieldValue]:
    """Unsaved value rows (none for an empty value)."""
    if value is None or value == []:
        return []
    kind = field.field_type
    if kind == T.MULTISELECT:
        return [DynamicFieldValue(field=field, value_key=k[:KEY_LENGTH]) for k in value]
    if kind == T.CHECKBOX:
        return [DynamicFieldValue(field=field, value_int=int(value), value_key=str(int(value)))]
    if kind == T.INTEGER:
        return [DynamicFieldValue(field=field, value_int=value)]
    if kind == T.DATE:
        return [DynamicFieldValue(field=field, value_date=value)]
    if kind == T.DATETIME:
        return [DynamicFieldValue(field=field, value_datetime=value)]
    text = str(value)
    return [DynamicFieldValue(field=field, value_key=text[:KEY_LENGTH], value_text=text)]


def value_of(field: DynamicField, rows: list[DynamicFieldValue]) -> Any:
    """The Python value stored in ``rows`` (the inverse of :func:`rows_for`)."""
    kind = field.field_type
    if not rows:
        return False if kind == T.CHECKBOX else None
    row = rows[0]
    if kind == T.MULTISELECT:
        return sorted(r.value_key for r in rows)
    if kind == T.CHECKBOX:
        return bool(row.value_int)
    if kind == T.INTEGER:
        return row.value_int
    if kind == T.DATE:
        return row.value_date
    if kind == T.DATETIME:
        return row.value_datetime
    if kind == T.DROPDOWN:
        return row.value_key
    return row.value_text


def stored(obj: Ticket | Article) -> dict[int, list[DynamicFieldValue]]:
    """Rows per field id of one ticket or article (one query)."""
    filters = {"ticket": obj} if isinstance(obj, Ticket) else {"article": obj}
    result: dict[int, list[DynamicFieldValue]] = {}
    for row in DynamicFieldValue.objects.filter(**filters).order_by("id"):
        result.setdefault(row.field_id, []).append(row)
    return result


def current_values(obj: Ticket | Article) -> dict[str, Any]:
    """Field name → value, for every valid field of the object's kind (default when unset
    is *not* applied: defaults prefill forms, they are not stored values)."""
    kind = DynamicFieldObject.TICKET if isinstance(obj, Ticket) else DynamicFieldObject.ARTICLE
    fields = valid_fields(kind)
    if not fields:
        return {}
    rows = stored(obj)
    return {f.name: value_of(f, rows.get(f.pk, [])) for f in fields}


def show(field: DynamicField, value: Any) -> str:
    """A value as people read it (translated option labels, localized dates)."""
    if value is None or value == []:
        return ""
    kind = field.field_type
    if kind == T.MULTISELECT:
        return ", ".join(field.choice_label(k) for k in value)
    if kind == T.DROPDOWN:
        return field.choice_label(value)
    if kind == T.CHECKBOX:
        return gettext("yes") if value else gettext("no")
    if kind == T.DATE:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if kind == T.DATETIME:
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    return str(value)


def stable(field: DynamicField, value: Any) -> str:
    """A value as history stores it: untranslated keys, ISO dates."""
    if value is None or value == []:
        return ""
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def display(obj: Ticket | Article) -> list[tuple[DynamicField, str]]:
    """(field, shown value) for every field that holds a value."""
    kind = DynamicFieldObject.TICKET if isinstance(obj, Ticket) else DynamicFieldObject.ARTICLE
    rows = stored(obj)
    result = []
    for field in fields_for(kind):
        shown = show(field, value_of(field, rows.get(field.pk, [])))
        if shown:
            result.append((field, shown))
    return result


def validate_definition(field: DynamicField) -> None:
    """Admin-side checks of a field definition (raised as Django ValidationError)."""
    from django.core.exceptions import ValidationError

    errors: dict[str, Any] = {}
    labels = field.labels
    if not isinstance(labels, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
    ):
        errors["labels"] = _('Labels are {"en": "…", "de": "…", "it": "…"}.')
    choices = field.choices or []
    if field.field_type in (T.DROPDOWN, T.MULTISELECT) and (
        not isinstance(choices, list)
        or not choices
        or not all(isinstance(c, dict) and str(c.get("key", "")).strip() for c in choices)
    ):
        errors["choices"] = _('Options are [{"key": "…", "labels": {"en": "…"}}, …].')
    if field.regex:
        try:
            re.compile(field.regex)
        except re.error as error:
            errors["regex"] = str(error)
    if not errors and field.default not in (None, "", []):
        try:
            clean_value(field, field.default)
        except InvalidInput as error:
            errors["default"] = str(error)
    if errors:
        raise ValidationError(errors)


# Searching and listing by field values


class Match:
    EQUALS = "equals"
    CONTAINS = "contains"


@dataclass(frozen=True)
class FieldFilter:
    """A search condition on one ticket field, by type: ``text`` equals or contains
    (text, text area), ``keys`` one of (dropdown, multiselect; checkbox "1"/"0"),
    ``low``/``high`` an inclusive range (integer, date, datetime by day)."""

    field: DynamicField
    text: str = ""
    match: str = Match.EQUALS
    keys: tuple[str, ...] = ()
    low: Any = None
    high: Any = None

    @property
    def empty(self) -> bool:
        return not (self.text.strip() or self.keys) and self.low is None and self.high is None

    def q(self) -> Q:
        """Tickets that hold a matching value (one indexed ``EXISTS`` per condition)."""
        kind = self.field.field_type
        rows = DynamicFieldValue.objects.filter(ticket_id=OuterRef("pk"), field_id=self.field.pk)
        if kind == T.CHECKBOX:
            # An unticked box may have no row at all: "no" is "not ticked".
            ticked = Exists(rows.filter(value_int=1))
            wanted = set(self.keys)
            if wanted == {"1"}:
                return Q(ticked)
            if wanted == {"0"}:
                return ~Q(ticked)
            return Q()
        if kind in (T.TEXT, T.TEXTAREA):
            text = " ".join(self.text.split()) if kind == T.TEXT else self.text.strip()
            if self.match == Match.CONTAINS:
                return Q(Exists(rows.filter(value_text__icontains=text)))
            return Q(Exists(rows.filter(value_text__iexact=text)))
        if kind in (T.DROPDOWN, T.MULTISELECT):
            return Q(Exists(rows.filter(value_key__in=self.keys)))
        columns: dict[str, str] = {T.INTEGER: "value_int", T.DATE: "value_date"}
        column = columns.get(kind, "value_datetime")
        low, high = self.low, self.high
        if kind == T.DATETIME:
            # Days chosen in a form: from the start of the first to the end of the last.
            zone = timezone.get_current_timezone()
            low = datetime.combine(low, time.min, zone) if low is not None else None
            high = datetime.combine(high + timedelta(days=1), time.min, zone) if high else None
        if low is not None:
            rows = rows.filter(**{f"{column}__gte": low})
        if high is not None:
            rows = rows.filter(**{f"{column}__{'lt' if kind == T.DATETIME else 'lte'}": high})
        return Q(Exists(rows))


def filter_tickets(tickets: QuerySet[Ticket], filters: Iterable[FieldFilter]) -> QuerySet[Ticket]:
    for condition in filters:
        if not condition.empty:
            tickets = tickets.filter(condition.q())
    return tickets


def shown_values(
    ticket_ids: Sequence[int], fields: Sequence[DynamicField]
) -> dict[int, dict[int, str]]:
    """{ticket id: {field id: shown value}} of these tickets and fields, one query for
    all (lists, exports)."""
    if not ticket_ids or not fields:
        return {}
    rows: dict[tuple[int, int], list[DynamicFieldValue]] = {}
    values = DynamicFieldValue.objects.filter(
        ticket_id__in=ticket_ids, field_id__in=[f.pk for f in fields]
    ).order_by("id")
    for row in values:
        rows.setdefault((row.ticket_id or 0, row.field_id), []).append(row)
    return _shown(rows, {f.pk: f for f in fields})


def shown_cell(values: dict[int, dict[int, str]], ticket_id: int, field: DynamicField) -> str:
    """A ticket's value from ``shown_values`` / ``columns_with_values``; without rows a
    checkbox reads "no", as everywhere else."""
    found = values.get(ticket_id, {}).get(field.pk)
    return found if found is not None else show(field, value_of(field, []))


def _shown(
    rows: dict[tuple[int, int], list[DynamicFieldValue]], fields: dict[int, DynamicField]
) -> dict[int, dict[int, str]]:
    result: dict[int, dict[int, str]] = {}
    for (ticket_id, field_id), field_rows in rows.items():
        field = fields[field_id]
        result.setdefault(ticket_id, {})[field_id] = show(field, value_of(field, field_rows))
    return result


def columns_with_values(
    names: Sequence[str], ticket_ids: Sequence[int], *, every_field: bool = False
) -> tuple[list[DynamicField], dict[int, dict[int, str]]]:
    """The valid ticket fields named ``names`` (``every_field``: all valid ticket fields,
    for a column chooser) in their order, and the shown values of the named ones for
    ``ticket_ids``. One query: the definitions left-joined to the values, so a field
    without any value still comes back for its column head."""
    if not names and not every_field:
        return [], {}
    found = DynamicField.objects.filter(valid=True, object_type=DynamicFieldObject.TICKET)
    if not every_field:
        found = found.filter(name__in=names)
    columns: list[str] = ["pk", "name", "field_type", "labels", "choices"]
    if names and ticket_ids:
        found = found.annotate(
            picked=FilteredRelation("values", condition=Q(values__ticket_id__in=list(ticket_ids)))
        )
        columns += [f"picked__{c}" for c in ("id", "ticket_id", *VALUE_COLUMNS)]
    fields: dict[int, DynamicField] = {}
    rows: dict[tuple[int, int], list[DynamicFieldValue]] = {}
    wanted = set(names)
    for pk, name, kind, labels, choices, *value in found.values_list(*columns).order_by(
        "order", "name", *(["picked__id"] if len(columns) > 5 else [])
    ):
        if pk not in fields:
            fields[pk] = DynamicField(
                pk=pk, name=name, field_type=kind, labels=labels, choices=choices
            )
        if value and value[0] is not None and name in wanted:
            ticket_id = value[1]
            row = DynamicFieldValue(field_id=pk, ticket_id=ticket_id)
            for column, stored_value in zip(VALUE_COLUMNS, value[2:], strict=True):
                setattr(row, column, stored_value)
            rows.setdefault((ticket_id, pk), []).append(row)
    return list(fields.values()), _shown(rows, fields)
