"""The ``sportello`` command without configuration: help works, the rest says what is
missing in one line (no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sportello.cli import wants_help

# The console script, as installed next to the interpreter.
SPORTELLO = Path(sys.executable).parent / "sportello"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``sportello ARGS`` in a clean environment: no secret key, no demo, not under test."""
    env = {"PATH": os.environ.get("PATH", ""), "SPORTELLO_HOME": str(tmp_path)}
    return subprocess.run(
        [str(SPORTELLO), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (("queue", "--help"), "usage: sportello queue"),
        (("ingest_mail", "--help"), "usage: sportello ingest_mail"),
        (("help", "ticket"), "usage: sportello ticket"),
        (("migrate", "-h"), "usage: sportello migrate"),
    ],
)
def test_help_works_without_a_secret_key(tmp_path: Path, args: tuple[str, ...], usage: str) -> None:
    done = _run(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(usage)
    assert "Traceback" not in done.stderr


def test_the_command_list_names_the_project_commands(tmp_path: Path) -> None:
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "[queues]" in done.stdout and "fetch_mail" in done.stdout


def test_a_command_needing_the_key_says_so_in_one_line(tmp_path: Path) -> None:
    done = _run(tmp_path, "queue", "add", "Misc", "--group", "users")
    assert done.returncode == 78
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        "sportello: SPORTELLO_SECRET_KEY must be set (or SPORTELLO_DEMO=1 for a local demo)."
    ]
    assert not list(tmp_path.iterdir())  # nothing created


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["sportello"], True),
        (["sportello", "help"], True),
        (["sportello", "queue", "--help"], True),
        (["sportello", "queue", "add", "X", "-h"], True),
        (["sportello", "queue", "add", "X", "--group", "g"], False),
        (["sportello", "ingest_mail"], False),
    ],
)
def test_which_command_lines_only_ask_for_help(argv: list[str], expected: bool) -> None:
    assert wants_help(argv) is expected
