"""The failed-mail spool: nothing that arrives is ever lost.

A message that cannot be processed is kept whole in the database (``FailedMail``, raw bytes
in storage); when the database itself is down, in files under ``$SPORTELLO_HOME/spool``.
Both are retried by ``sportello ingest_mail --retry-spool``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from sportello.mail.models import FailedMail, FailedMailStatus


def spool_dir() -> Path:
    return Path(settings.SPORTELLO_HOME) / "spool"


def _entry(raw: bytes, *, source: str, status: str, error: str, **meta: str) -> FailedMail:
    return FailedMail(
        size=len(raw),
        content_hash=hashlib.sha256(raw).hexdigest(),
        message_id=meta.get("message_id", "").replace("\x00", "")[:998],
        from_address=meta.get("from_address", "").replace("\x00", ""),
        subject=meta.get("subject", "").replace("\x00", "")[:2000],
        source=source[:200],
        status=status,
        error=error.replace("\x00", ""),
        ticket_number=meta.get("ticket_number", ""),
    )


def spool_to_database(
    raw: bytes,
    *,
    error: str,
    source: str,
    status: str = FailedMailStatus.FAILED,
    message_id: str = "",
    from_address: str = "",
    subject: str = "",
) -> FailedMail:
    failed = _entry(
        raw,
        source=source,
        status=status,
        error=error,
        message_id=message_id,
        from_address=from_address,
        subject=subject,
    )
    failed.raw.save(f"{failed.content_hash[:16]}.eml", ContentFile(raw), save=False)
    failed.save()
    return failed


def record_not_filed(
    raw: bytes, *, status: str, reason: str, source: str, **meta: str
) -> FailedMail:
    """List a message that was dropped or ignored, with the reason, for the operator. Its
    bytes are not copied: the article that holds them is named in the reason (``meta``:
    message_id, from_address, subject, ticket_number)."""
    failed = _entry(raw, source=source, status=status, error=reason, **meta)
    failed.save()
    return failed


def _write_durably(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def spool_to_files(raw: bytes, *, error: str, source: str) -> Path:
    """Last resort while the database is unreachable: the message and its error as files."""
    directory = spool_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{timezone.now():%Y%m%dT%H%M%S}-{secrets.token_hex(6)}"
    meta = {"error": error, "source": source, "received": timezone.now().isoformat()}
    _write_durably(directory / f"{stem}.json", json.dumps(meta).encode())
    # The .eml is written last: a retry only picks up complete pairs.
    _write_durably(directory / f"{stem}.eml", raw)
    return directory / f"{stem}.eml"


def spooled_files() -> Iterator[tuple[Path, dict[str, str]]]:
    directory = spool_dir()
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.eml")):
        meta_path = path.with_suffix(".json")
        try:
            meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        except (OSError, ValueError):
            meta = {}
        yield path, meta


def remove_spooled_file(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)
