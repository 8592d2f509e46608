"""``sportello backup`` of a live installation while mail is being filed, ``sportello
restore`` elsewhere: every ticket, article, attachment and history row of the snapshot,
nothing after it; refusals of a wrong version and of a non-empty target."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mail.messages import mail
from tests.ops.installation import Installation

SEQUENTIAL_BEFORE = 4
TOTAL = 24

pytestmark = pytest.mark.slow


def _message(number: int) -> bytes:
    return mail(
        subject=f"backup-{number:03d}",
        message_id=f"<backup-{number}@example.org>",
        attachments=[("data.bin", "application/octet-stream", f"payload {number}".encode())],
    )


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[list[Installation]]:
    made: list[Installation] = []
    yield made
    for installation in made:
        installation.drop()


COUNTS = """
from sportello.tickets.models import Ticket, Article, Attachment, History
result = {
    "subjects": sorted(Ticket.objects.values_list("title", flat=True)),
    "tickets": Ticket.objects.count(),
    "articles": Article.objects.count(),
    "attachments": Attachment.objects.count(),
    "history": History.objects.count(),
    "payloads": sorted(
        a.file.open("rb").read().decode() for a in Attachment.objects.filter(filename="data.bin")
    ),
}
"""


def test_backup_while_mail_arrives_and_restore_elsewhere(
    tmp_path: Path, installations: list[Installation]
) -> None:
    live = Installation.create(tmp_path / "live")
    installations.append(live)
    live.run("migrate", "--no-input")
    for number in range(SEQUENTIAL_BEFORE):
        live.run("ingest_mail", stdin=_message(number))

    errors: list[str] = []

    def keep_filing() -> None:
        for number in range(SEQUENTIAL_BEFORE, TOTAL):
            done = live.run("ingest_mail", stdin=_message(number), check=False)
            if done.returncode != 0:
                errors.append(done.stderr.decode())

    filer = threading.Thread(target=keep_filing)
    filer.start()
    try:
        backup_dir = tmp_path / "backup"
        live.run("backup", str(backup_dir))
    finally:
        filer.join(timeout=600)
    assert not errors, errors
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["files"], "no stored files in the backup"

    restored = Installation.create(tmp_path / "restored")
    installations.append(restored)
    out = restored.run("restore", str(backup_dir)).stdout.decode()
    assert "restored and verified" in out

    after = restored.query(COUNTS)
    everything = live.query(COUNTS)
    assert everything["tickets"] == TOTAL
    snapshot_tickets = manifest["counts"]["tickets_ticket"]
    assert SEQUENTIAL_BEFORE <= snapshot_tickets <= TOTAL
    # Mail was filed one after another: the snapshot holds exactly the first ones.
    assert after["subjects"] == [f"backup-{n:03d}" for n in range(snapshot_tickets)]
    assert after["payloads"] == sorted(f"payload {n}" for n in range(snapshot_tickets))
    assert after["articles"] == manifest["counts"]["tickets_article"]
    assert after["attachments"] == manifest["counts"]["tickets_attachment"]
    assert after["history"] == manifest["counts"]["tickets_history"]
    assert after["history"] >= after["tickets"] > 0

    # The restored installation works on: it files mail, and says it is ready.
    restored.run("ingest_mail", stdin=_message(TOTAL))
    assert restored.query(COUNTS)["tickets"] == snapshot_tickets + 1

    # Into an installation that is not empty: refused.
    refused = restored.run("restore", str(backup_dir), check=False)
    assert refused.returncode != 0
    assert b"not empty" in refused.stderr


def test_restore_refuses_another_version_and_a_damaged_backup(
    tmp_path: Path, installations: list[Installation]
) -> None:
    live = Installation.create(tmp_path / "live")
    installations.append(live)
    live.run("migrate", "--no-input")
    live.run("ingest_mail", stdin=_message(1))
    backup_dir = tmp_path / "backup"
    live.run("backup", str(backup_dir))

    other = tmp_path / "other-version"
    shutil.copytree(backup_dir, other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["sportello_version"] = "0.0.1"
    (other / "manifest.json").write_text(json.dumps(manifest))
    target = Installation.create(tmp_path / "target")
    installations.append(target)
    refused = target.run("restore", str(other), check=False)
    assert refused.returncode != 0
    assert b"made by Sportello 0.0.1" in refused.stderr

    damaged = tmp_path / "damaged"
    shutil.copytree(backup_dir, damaged)
    stored = next(p for p in (damaged / "files").rglob("*") if p.is_file())
    stored.write_bytes(stored.read_bytes() + b"x")
    refused = target.run("restore", str(damaged), check=False)
    assert refused.returncode != 0
    assert b"does not match its checksum" in refused.stderr

    # Neither refusal touched the target: the good backup restores into it.
    assert b"restored and verified" in target.run("restore", str(backup_dir)).stdout

    refused = target.run("backup", str(backup_dir), check=False)
    assert refused.returncode != 0 and b"is not empty" in refused.stderr
