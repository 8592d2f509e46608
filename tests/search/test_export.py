"""Exports: the rows of the search, as CSV and as an Excel workbook."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from sportello.accounts import permissions
from sportello.accounts.models import User
from sportello.tickets.models import Ticket
from tests.search.board import Board

pytestmark = pytest.mark.django_db

ALL = {"attrs": ["fulltext"], "fulltext": ""}


@pytest.fixture
def logged_in(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def csv_rows(client: Client, params: dict[str, Any]) -> list[list[str]]:
    response = client.get("/search/export.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="tickets-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(text)))


def test_csv_has_a_header_and_one_row_per_ticket(logged_in: Client, board: Board) -> None:
    rows = csv_rows(logged_in, ALL)
    assert rows[0][:3] == ["Ticket number", "Title", "Queue"]
    assert sorted(r[0] for r in rows[1:]) == sorted(t.number for t in board.all())
    beta = next(r for r in rows if r[0] == board.beta.number)
    assert beta[1:4] == ["Beta toner empty", "Support::Printing", "open"]
    assert beta[6] == "locked" and beta[9] == "bob"


def test_exports_show_the_accounted_time(logged_in: Client, board: Board, agent: User) -> None:
    from sportello.core.actor import Actor
    from sportello.tickets import actions

    actions.note(board.beta, actor=Actor(user=agent), body="x", accounted_minutes=40)
    rows = csv_rows(logged_in, ALL)
    column = rows[0].index("Accounted time (minutes)")
    shown = {r[0]: r[column] for r in rows[1:]}
    assert shown[board.beta.number] == "40" and shown[board.alpha.number] == "0"


def test_csv_follows_the_search(logged_in: Client, board: Board) -> None:
    rows = csv_rows(logged_in, {"attrs": ["customer_company"], "customer_company": "ACME"})
    assert sorted(r[0] for r in rows[1:]) == sorted([board.alpha.number, board.gamma.number])


def test_formulas_are_defused(logged_in: Client, board: Board) -> None:
    Ticket.objects.filter(pk=board.gamma.pk).update(title='=HYPERLINK("http://x")')
    rows = csv_rows(logged_in, ALL)
    gamma = next(r for r in rows if r[0] == board.gamma.number)
    assert gamma[1] == '\'=HYPERLINK("http://x")'
    response = logged_in.get("/search/export.xlsx", ALL)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in titles


def test_excel_workbook(logged_in: Client, board: Board) -> None:
    response = logged_in.get("/search/export.xlsx", {**ALL, "archive": "include"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Ticket number" and len(rows) == 5
    alpha = next(r for r in rows if r[0] == board.alpha.number)
    assert alpha[2] == "Support" and alpha[11] is not None and alpha[11].year >= 2000


def test_exports_respect_permissions(
    logged_in: Client, board: Board, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = permissions.visible_tickets

    def hide(user: User, queryset: Any) -> Any:
        return original(user, queryset).exclude(queue_id=board.wlan.pk)

    monkeypatch.setattr(permissions, "visible_tickets", hide)
    numbers = [r[0] for r in csv_rows(logged_in, ALL)[1:]]
    assert board.gamma.number not in numbers and len(numbers) == 3
    sheet = load_workbook(io.BytesIO(logged_in.get("/search/export.xlsx", ALL).content)).active
    assert sheet is not None
    assert board.gamma.number not in [r[0] for r in sheet.iter_rows(values_only=True)]


def test_bad_options_and_anonymous(client: Client, logged_in: Client, board: Board) -> None:
    bad = {"attrs": ["fulltext"], "fulltext": "!!!"}
    assert logged_in.get("/search/export.csv", bad).status_code == 400
    assert (
        logged_in.get("/search/export.xlsx", {"attrs": ["queues"], "queues": "x"}).status_code
        == 400
    )
    logged_in.logout()
    assert client.get("/search/export.csv", ALL).status_code == 302
