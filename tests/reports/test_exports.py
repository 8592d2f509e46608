"""Exports read back (openpyxl, pypdf, csv) and the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from sportello.reports import exports, services
from sportello.reports.models import Statistic
from tests.reports.conftest import BERLIN, NOW, Scenario

PERIOD = {"start": "2026-01-01", "end": "2026-05-31"}
MATRIX = {
    "x": {"attribute": "time", "granularity": "month"},
    "y": {"attribute": "queue"},
    "period": PERIOD,
}


@pytest.fixture
def statistic(scenario: Scenario) -> Statistic:
    return services.save_statistic(
        scenario.reader, name="Per queue and month", kind="matrix", config=MATRIX
    )


def _result(scenario: Scenario) -> services.Result:
    result = services.compute("matrix", MATRIX, scenario.reader, now=NOW, zone=BERLIN)
    result["title"] = "Per queue and month"
    return result


def test_csv_has_a_bom_and_semicolons_in_german(scenario: Scenario) -> None:
    data = exports.to_csv(_result(scenario))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ["Reports::A", "1", "0", "1", "1", "0", "3"]
    with translation.override("de"):
        german = exports.to_csv(_result(scenario), semicolon=True).decode("utf-8-sig")
    assert german.splitlines()[0].startswith("Queue \\ Zeit;Januar 2026;")
    assert german.splitlines()[3] == "Gesamt;1;1;1;1;0;4"


def test_xlsx_cells_are_typed(scenario: Scenario) -> None:
    book = load_workbook(io.BytesIO(exports.to_xlsx(_result(scenario))))
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]  # type: ignore[union-attr]
    assert rows[0][0] == "Per queue and month"
    header = rows.index(["Queue \\ Time", *[r for r in rows[4][1:]]])
    assert rows[header + 1] == ["Reports::A", 1, 0, 1, 1, 0, 3]
    assert rows[header + 3] == ["Total", 1, 1, 1, 1, 0, 4]


def test_list_xlsx_has_dates(scenario: Scenario) -> None:
    config = {"columns": ["title", "created"], "period": PERIOD}
    result = services.compute("list", config, scenario.reader, now=NOW, zone=BERLIN)
    with translation.override("en"):
        from django.utils import timezone

        with timezone.override(BERLIN):
            book = load_workbook(io.BytesIO(exports.to_xlsx(result)))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[5][0] == "T1"
    assert rows[5][1].isoformat() == "2026-01-15T10:00:00"


def test_pdf_holds_the_table(scenario: Scenario) -> None:
    reader = PdfReader(io.BytesIO(exports.to_pdf(_result(scenario))))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Per queue and month" in text
    assert "Reports::A" in text and "Reports::B" in text


def test_the_command_lists_and_runs(statistic: Statistic, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("report", "list", stdout=out)
    assert f"{statistic.pk}\tmatrix\tPer queue and month" in out.getvalue()
    target = tmp_path / "r.json"
    call_command(
        "report",
        "run",
        str(statistic.pk),
        "--param",
        "start=2026-01-01",
        "--param",
        "end=2026-05-31",
        "--format",
        "json",
        "--output",
        str(target),
        "--agent",
        "boss",
    )
    result = json.loads(target.read_bytes())
    assert result["tables"][0]["footer"] == ["Total", 1, 1, 1, 1, 0, 4]
    # The system user counts the hidden queue too.
    call_command(
        "report", "run", str(statistic.pk), "--param", "start=2026-01-01",
        "--param", "end=2026-05-31", "--format", "json", "--output", str(target),
    )  # fmt: skip
    assert json.loads(target.read_bytes())["tables"][0]["footer"][-1] == 5


def test_the_command_refuses_unknown_parameters(statistic: Statistic, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown parameter"):
        call_command("report", "run", str(statistic.pk), "--param", "colour=red", "--output", "-")


@pytest.mark.parametrize("chart", ["bar", "stacked", "line", "pie"])
def test_pdf_draws_the_pages_chart(scenario: Scenario, chart: str) -> None:
    result = _result(scenario) | {"chart": chart}
    reader = PdfReader(io.BytesIO(exports.to_pdf(result)))  # type: ignore[arg-type]
    page = reader.pages[0]
    drawn = page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
    # The chart's first series in the palette's first colour (fill or stroke) …
    assert "0.1216 0.4667 0.7059 " in drawn
    # bars are filled rectangles, a line a stroked path, a pie's slices Bézier arcs
    operators = {"bar": " re f", "stacked": " re f", "line": " l S", "pie": " c "}
    assert operators[chart] in drawn
    # … and its legend and axis text, in the PDF's font.
    text = page.extract_text()
    assert text.count("Reports::A") >= 2 and "Reports::A Reports::B" in text
