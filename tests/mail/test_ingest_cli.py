from __future__ import annotations

import io
import json
import mailbox
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

from sportello.cli import main
from sportello.mail import ingest
from sportello.tickets.models import Ticket
from tests.mail.messages import mail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("keep_connections")]


def run(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    stdin: bytes = b"",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = 0
    try:
        main(["sportello", "ingest_mail", *args])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_stdin_prints_one_json_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, stdin=mail())
    assert code == 0
    data = json.loads(out)
    assert data["result"] == "new" and data["article"] == 1
    assert Ticket.objects.get(number=data["ticket"]).queue.full_name == "Raw"
    code, out, _ = run(capsys, monkeypatch, "--queue", "Misc", stdin=mail(subject="zwei"))
    assert Ticket.objects.get(number=json.loads(out)["ticket"]).queue.full_name == "Misc"


def test_garbage_on_stdin_never_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for raw in (b"", b"\x00\xff\xfe garbage \r\n\r\n\x00", b"Subject: only a header"):
        code, out, _ = run(capsys, monkeypatch, stdin=raw)
        assert code == 0
        assert json.loads(out)["result"] in {"new", "spooled"}


def test_exit_75_when_database_unreachable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> None:
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(ingest.connection, "ensure_connection", refuse)
    code, out, err = run(capsys, monkeypatch, stdin=mail())
    assert code == 75 and out == "" and "database unavailable" in err


def test_mbox_and_maildir_imports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    box = mailbox.mbox(tmp_path / "import.mbox")
    first = mail(subject="eins", message_id="<one@example.org>")
    for raw in (first, mail(subject="zwei"), first):
        box.add(raw)
    box.flush()
    code, out, _ = run(capsys, monkeypatch, "--mbox", str(tmp_path / "import.mbox"))
    assert code == 0
    assert json.loads(out) == {"total": 3, "new": 2, "duplicate": 1}
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(mail(subject="drei"))
    code, out, _ = run(capsys, monkeypatch, "--maildir", str(tmp_path / "Maildir"))
    assert json.loads(out) == {"total": 1, "new": 1}
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["drei", "eins", "zwei"]
