"""A result as CSV (UTF-8 with BOM; ``;`` for German and Italian spreadsheets), XLSX
(openpyxl, typed cells), PDF (fpdf2: the tables, and the page's SVG chart drawn as
vector graphics) and JSON."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from sportello.core.errors import Conflict
from sportello.reports.charts import svg
from sportello.reports.result import Result, Table

FORMATS = ("csv", "xlsx", "pdf", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "json": "application/json",
}


def typed(value: Any, kind: str) -> Any:
    """A cell as its Python value (datetimes in the reader's zone, naive for Excel)."""
    if value is None:
        return None
    if kind == "datetime":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return timezone.localtime(moment)
    return value


def shown(value: Any, kind: str) -> str:
    """A cell as text in the reader's locale."""
    value = typed(value, kind)
    if value is None:
        return ""
    if kind == "datetime":
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, (int, float)):
        return str(formats.number_format(value, use_l10n=True, force_grouping=False))
    return str(value)


def _lines(table: Table) -> list[list[Any]]:
    lines = [*table["rows"]]
    if table["footer"]:
        lines.append(table["footer"])
    return lines


def to_csv(result: Result, *, semicolon: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if semicolon else ",")
    for number, table in enumerate(result["tables"]):
        if number:
            writer.writerow([])
        if len(result["tables"]) > 1:
            writer.writerow([table["title"]])
        writer.writerow(table["header"])
        for line in _lines(table):
            writer.writerow(
                [
                    shown(v, k) if semicolon else _plain(v, k)
                    for v, k in zip(line, table["kinds"], strict=False)
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _plain(value: Any, kind: str) -> str:
    value = typed(value, kind)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def to_xlsx(result: Result) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = (result["title"] or "Report")[:31].replace("/", "-")
    bold = Font(bold=True)
    sheet.append([result["title"]])
    sheet.append([result["period"]])
    for table in result["tables"]:
        sheet.append([])
        sheet.append([table["title"]])
        sheet.append(table["header"])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for line in _lines(table):
            values = []
            for value, kind in zip(line, table["kinds"], strict=False):
                value = typed(value, kind)
                if isinstance(value, datetime):
                    value = value.replace(tzinfo=None)
                values.append(value)
            sheet.append(values)
            for value, cell, kind in zip(
                values, sheet[sheet.max_row], table["kinds"], strict=False
            ):
                if kind == "datetime" and value is not None:
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif kind == "percent" and value is not None:
                    cell.number_format = "0.0"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_json(result: Result) -> bytes:
    return json.dumps(result, ensure_ascii=False, indent=1).encode()


def _font_dir() -> Path:
    return Path(settings.SPORTELLO_PDF_FONT_DIR)


def to_pdf(result: Result) -> bytes:
    from fpdf import FPDF

    regular, bold = _font_dir() / "DejaVuSans.ttf", _font_dir() / "DejaVuSans-Bold.ttf"
    if not regular.exists() or not bold.exists():
        raise Conflict(_("The PDF font is not installed (%(path)s)."), path=str(regular))
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(result["title"])
    pdf.set_creator("Sportello")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 8, result["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 6, result["period"], new_x="LMARGIN", new_y="NEXT")
    for table in result["tables"]:
        if result["chart"] not in ("none", "") and table["chartable"]:
            _chart(pdf, table, result["chart"])
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(0, 8, table["title"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(text_align="LEFT", first_row_as_headings=True) as grid:
            row = grid.row()
            for heading in table["header"]:
                row.cell(str(heading))
            for line in _lines(table):
                row = grid.row()
                for value, kind in zip(line, table["kinds"], strict=False):
                    row.cell(shown(value, kind))
    return bytes(pdf.output())


_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)


def _chart(pdf: Any, table: Table, kind: str) -> None:
    """The page's chart (the same SVG, any kind) drawn into the PDF as vector graphics
    by fpdf2's SVG renderer, its text in the PDF's font."""
    if not table["rows"]:
        return
    # The tooltips (<title>) are for the screen; fpdf2 draws shapes and text.
    drawing = _TITLE.sub("", svg(table, kind, table["title"])).replace(
        "<svg ", '<svg font-family="DejaVu" ', 1
    )
    width = min(pdf.epw, 220)
    if pdf.will_page_break(width * 0.55):
        pdf.add_page()
    pdf.image(io.BytesIO(drawing.encode()), x=pdf.l_margin, w=width)
    pdf.ln(2)


def export(result: Result, fmt: str, *, semicolon: bool = False) -> bytes:
    if fmt == "csv":
        return to_csv(result, semicolon=semicolon)
    if fmt == "xlsx":
        return to_xlsx(result)
    if fmt == "pdf":
        return to_pdf(result)
    return to_json(result)
