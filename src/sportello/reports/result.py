"""A statistic's result: titled tables of JSON-ready cells (cached as they are), each
column with a kind that tells the page and the exports how to show and type it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

# Column kinds: text, int, float, percent, minutes (working minutes), datetime (ISO).
Kinds = list[str]


class Table(TypedDict):
    title: str
    header: list[str]
    kinds: Kinds
    rows: list[list[Any]]
    # Column totals (first cell the label), or None.
    footer: list[Any] | None
    # Whether the numeric part is one measure over two axes (a chart can draw it).
    chartable: bool


class Result(TypedDict):
    title: str
    period: str
    chart: str
    tables: list[Table]
    # The rows a list statistic left out because of its limit (0: none).
    truncated: int


def cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def matrix_table(
    title: str,
    row_header: str,
    columns: list[str],
    rows: list[tuple[str, list[Any]]],
    *,
    kind: str = "int",
    totals: bool = True,
) -> Table:
    """A table of one measure: rows by columns with row and column totals."""
    from django.utils.translation import gettext as _

    header = [row_header, *columns]
    body: list[list[Any]] = []
    for label, values in rows:
        line: list[Any] = [label, *values]
        if totals:
            line.append(sum(v or 0 for v in values))
        body.append(line)
    footer: list[Any] | None = None
    if totals:
        header.append(_("Total"))
        sums = [sum(line[i] or 0 for line in body) for i in range(1, len(header))]
        footer = [_("Total"), *sums]
    return Table(
        title=title,
        header=header,
        kinds=["text"] + [kind] * (len(header) - 1),
        rows=body,
        footer=footer,
        chartable=True,
    )


def series(table: Table) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """Categories and series of a chartable table, without the totals."""
    has_total = table["footer"] is not None
    end = -1 if has_total else None
    categories = [str(h) for h in table["header"][1:end]]
    data = [(str(row[0]), [float(v or 0) for v in row[1:end]]) for row in table["rows"]]
    return categories, data
