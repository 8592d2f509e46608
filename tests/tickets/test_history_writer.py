"""Ticket history has one writer, ``tickets.history``: no other module builds or saves
its rows (migrations aside)."""

from __future__ import annotations

import ast
from pathlib import Path

import sportello

SOURCE = Path(sportello.__file__).parent
WRITER = SOURCE / "tickets" / "history.py"


def _writes_history(tree: ast.AST) -> list[int]:
    """Lines that build a History row or call a writing manager method on History."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Name) and function.id == "History":
            found.append(node.lineno)
        elif isinstance(function, ast.Attribute) and function.attr in (
            "create",
            "bulk_create",
            "get_or_create",
            "update_or_create",
        ):
            target = function.value
            if isinstance(target, ast.Attribute) and target.attr == "objects":
                target = target.value
            if isinstance(target, ast.Name) and target.id == "History":
                found.append(node.lineno)
        elif (
            isinstance(function, ast.Name)
            and function.id == "Insert"
            and any(isinstance(a, ast.Name) and a.id == "History" for a in node.args)
        ):
            found.append(node.lineno)
    return found


def test_only_the_history_module_writes_history() -> None:
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path == WRITER or "migrations" in path.parts:
            continue
        lines = _writes_history(ast.parse(path.read_text(encoding="utf-8")))
        offenders.extend(f"{path.relative_to(SOURCE)}:{line}" for line in lines)
    assert offenders == []


def test_the_check_finds_a_second_writer() -> None:
    source = "History.objects.bulk_create(rows)\nrow = History(ticket=t)\nInsert(History)\n"
    assert _writes_history(ast.parse(source)) == [1, 2, 3]
