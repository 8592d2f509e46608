"""``sportello ingest_mail``: file mail from stdin (MTA pipe), an mbox, a Maildir, or the spool.

One message on stdin prints one JSON line and exits 0 once the message is durably stored;
75 (EX_TEMPFAIL) when the database is unreachable, so the MTA keeps it and retries.
"""

from __future__ import annotations

import json
import mailbox
import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sportello.mail.ingest import DatabaseUnavailable, ingest_message
from sportello.mail.retry import retry_spool

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "File incoming mail as tickets or follow-ups."
    # Called once per message by the MTA: the system checks would only cost start-up time.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--mbox", metavar="FILE", help="Import every message of an mbox file.")
        source.add_argument("--maildir", metavar="DIR", help="Import every message of a Maildir.")
        source.add_argument(
            "--retry-spool", action="store_true", help="Retry every message in the spool."
        )
        parser.add_argument("--queue", help="File new tickets in this queue (full name).")
        parser.add_argument("--trusted", action="store_true", help="Honour X-Sportello-* headers.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["retry_spool"]:
                self._retry()
            elif options["mbox"] or options["maildir"]:
                self._bulk(options)
            else:
                raw = sys.stdin.buffer.read()
                result = ingest_message(
                    raw, source="stdin", queue_name=options["queue"], trusted=options["trusted"]
                )
                self.stdout.write(json.dumps(result.line()))
        except DatabaseUnavailable as error:
            self.stderr.write(f"database unavailable, try again later: {error}")
            sys.exit(EX_TEMPFAIL)

    def _bulk(self, options: dict[str, Any]) -> None:
        if options["mbox"]:
            box: mailbox.Mailbox = mailbox.mbox(options["mbox"], create=False)
            source = f"mbox:{options['mbox']}"
        else:
            box = mailbox.Maildir(options["maildir"], factory=None, create=False)
            source = f"maildir:{options['maildir']}"
        total = len(box)
        counts: Counter[str] = Counter()
        progress = sys.stderr.isatty()
        for index, raw in enumerate(_messages(box), start=1):
            result = ingest_message(
                raw, source=source, queue_name=options["queue"], trusted=options["trusted"]
            )
            counts[result.result] += 1
            if progress:
                done = index * 30 // max(total, 1)
                sys.stderr.write(f"\r[{'#' * done}{'.' * (30 - done)}] {index}/{total}")
        if progress:
            sys.stderr.write("\n")
        self.stdout.write(json.dumps({"total": total, **dict(sorted(counts.items()))}))

    def _retry(self) -> None:
        report = retry_spool()
        self.stdout.write(json.dumps({"processed": report.processed, "failed": report.failed}))


def _messages(box: mailbox.Mailbox) -> Iterator[bytes]:
    for key in box.iterkeys():
        yield box.get_bytes(key)
