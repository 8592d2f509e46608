"""The typed configuration of each kind of statistic, stored as JSON in
``Statistic.config`` and checked here (pydantic) before it is saved or run."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sportello.core.errors import InvalidInput

# Ticket attributes an axis, a restriction or a list column may name; dynamic fields are
# written ``df:<name>``.
ATTRIBUTES = (
    "queue",
    "state",
    "state_type",
    "priority",
    "type",
    "owner",
    "responsible",
    "customer_company",
    "service",
    "sla",
)
TIME_FIELDS = ("created", "closed", "first_response", "history")
GRANULARITIES = ("hour", "day", "week", "month", "quarter", "year")
RELATIVE_PERIODS = (
    "today",
    "yesterday",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "last_7_days",
    "last_30_days",
    "last_12_months",
    "this_year",
    "last_year",
)
LIST_COLUMNS = (
    "number",
    "title",
    "created",
    "changed",
    "queue",
    "state",
    "priority",
    "type",
    "owner",
    "responsible",
    "customer_user",
    "customer_company",
    "service",
    "sla",
    "first_response_due",
    "update_due",
    "solution_due",
    "first_response_at",
    "first_response_minutes",
    "solution_minutes",
    "articles",
    "accounted_minutes",
)
BUILTIN_REPORTS = (
    "sla_compliance",
    "first_response_distribution",
    "solution_distribution",
    "agent_workload",
    "state_changes",
    "backlog",
    "channel_mix",
)
# What a matrix cell holds: the tickets counted, or the sum of their accounted time.
CELL_VALUES = ("tickets", "accounted_time")
CHARTS = ("bar", "stacked", "line", "pie", "none")
GRANULARITY_LABELS = {
    "hour": gettext_lazy("hour"),
    "day": gettext_lazy("day"),
    "week": gettext_lazy("week"),
    "month": gettext_lazy("month"),
    "quarter": gettext_lazy("quarter"),
    "year": gettext_lazy("year"),
}
PERIOD_LABELS = {
    "today": gettext_lazy("today"),
    "yesterday": gettext_lazy("yesterday"),
    "this_week": gettext_lazy("this week"),
    "last_week": gettext_lazy("last week"),
    "this_month": gettext_lazy("this month"),
    "last_month": gettext_lazy("last month"),
    "last_7_days": gettext_lazy("last 7 days"),
    "last_30_days": gettext_lazy("last 30 days"),
    "last_12_months": gettext_lazy("last 12 months"),
    "this_year": gettext_lazy("this year"),
    "last_year": gettext_lazy("last year"),
}
_DF = re.compile(r"^df:[-a-zA-Z0-9_]+$")


def _attribute(value: str) -> str:
    if value in ATTRIBUTES or _DF.match(value):
        return value
    raise ValueError(f"unknown attribute {value!r}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    """A relative period in the reader's time zone, or absolute dates (both inclusive)."""

    relative: Literal[RELATIVE_PERIODS] | None = "last_12_months"  # type: ignore[valid-type]
    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Period:
        if self.start or self.end:
            if not (self.start and self.end):
                raise ValueError("an absolute period needs a start and an end")
            if self.end < self.start:
                raise ValueError("the period ends before it starts")
            object.__setattr__(self, "relative", None)
        elif self.relative is None:
            raise ValueError("choose a relative period or a start and an end")
        return self


class Restriction(_Strict):
    attribute: str
    values: list[str] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _known(self) -> Restriction:
        _attribute(self.attribute)
        return self


class Axis(_Strict):
    """An attribute axis, or the time axis (``time``) with its granularity."""

    attribute: str
    granularity: Literal[GRANULARITIES] = "month"  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _known(self) -> Axis:
        if self.attribute != "time":
            _attribute(self.attribute)
        return self


class MatrixConfig(_Strict):
    x: Axis
    y: Axis | None = None
    time_field: Literal[TIME_FIELDS] = "created"  # type: ignore[valid-type]
    sum_field: str | None = None
    value: Literal[CELL_VALUES] = "tickets"  # type: ignore[valid-type]
    restrictions: list[Restriction] = []
    period: Period = Period()
    chart: Literal[CHARTS] = "bar"  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _axes(self) -> MatrixConfig:
        if self.y is not None and self.y.attribute == self.x.attribute:
            raise ValueError("the two axes must differ")
        if self.value == "accounted_time" and self.time_field == "history":
            # A ticket's time would count once per history row.
            raise ValueError("accounted time is summed over tickets, not history rows")
        if self.sum_field is not None and not re.match(r"^[-a-zA-Z0-9_]+$", self.sum_field):
            raise ValueError("the sum field is a dynamic field's name")
        return self


class ListConfig(_Strict):
    columns: list[Literal[LIST_COLUMNS]] = Field(  # type: ignore[valid-type]
        default=["number", "title", "created", "queue", "state"], min_length=1
    )
    time_field: Literal["created", "closed"] = "created"
    restrictions: list[Restriction] = []
    period: Period = Period()
    sort: Literal[LIST_COLUMNS] = "created"  # type: ignore[valid-type]
    descending: bool = False
    limit: int = Field(default=1000, ge=1, le=100_000)


class BuiltinConfig(_Strict):
    report: Literal[BUILTIN_REPORTS]  # type: ignore[valid-type]
    period: Period = Period()
    granularity: Literal[GRANULARITIES] = "month"  # type: ignore[valid-type]
    by: Literal["queue", "sla"] = "queue"
    # SLA compliance and the time distributions: the queue a ticket was created in
    # (history, as the matrix counts creations) or the one it is in now.
    queue_at: Literal["history", "current"] = "history"
    restrictions: list[Restriction] = []
    chart: Literal[CHARTS] = "bar"  # type: ignore[valid-type]


Config = MatrixConfig | ListConfig | BuiltinConfig
_MODELS: dict[str, type[_Strict]] = {
    "matrix": MatrixConfig,
    "list": ListConfig,
    "builtin": BuiltinConfig,
}


def parse(kind: str, data: Any) -> Config:
    """The typed configuration of a ``kind`` statistic; ``InvalidInput`` names what is
    wrong."""
    model = _MODELS.get(kind)
    if model is None:
        raise InvalidInput(_("Unknown kind of statistic: %(kind)s."), kind=kind)
    try:
        return model.model_validate(data)  # type: ignore[return-value]
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "config"
        raise InvalidInput(
            _("Invalid configuration (%(where)s): %(problem)s"),
            where=where,
            problem=first["msg"],
        ) from None


def dump(config: Config) -> dict[str, Any]:
    return config.model_dump(mode="json", exclude_none=True)


def with_period(config: Config, period: Period) -> Config:
    """The configuration run for another period (the run form's parameter)."""
    return config.model_copy(update={"period": period})
