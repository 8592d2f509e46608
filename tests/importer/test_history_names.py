"""Znuny's history names read into Sportello's types (no database needed)."""

from __future__ import annotations

from sportello.importer.history_names import translate


def test_time_accounting_keeps_the_entry_units() -> None:
    assert translate("TimeAccounting", "%%30%%45") == ("TimeAccounting", "", "30", "")
