"""``sportello import znuny --database URL [--article-dir PATH] [--since DATE] [--dry-run]
[--resume]``: a whole OTRS 6 / Znuny 6.5 to 7.x installation, read from its database."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sportello.importer import run
from sportello.importer.source import SourceError


def _date(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(_("--since takes a date such as 2024-01-31.")) from error


class Command(BaseCommand):
    help = "Import from another helpdesk: 'import znuny --database URL'."

    def add_arguments(self, parser: CommandParser) -> None:
        systems = parser.add_subparsers(dest="system", required=True)
        znuny = systems.add_parser("znuny", help="OTRS 6 or Znuny 6.5-7.x, read from its database")
        znuny.add_argument(
            "--database",
            required=True,
            help="mysql://user:pw@host/db or postgresql://user:pw@host/db",
        )
        znuny.add_argument(
            "--article-dir", type=Path, help="Znuny's var/article (ArticleStorageFS)"
        )
        znuny.add_argument("--since", type=_date, help="only tickets changed since this date")
        znuny.add_argument(
            "--dry-run",
            action="store_true",
            help="report what would be imported and every mapping problem",
        )
        znuny.add_argument(
            "--resume",
            action="store_true",
            help="continue an interrupted import after its last batch",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        last: dict[str, int] = {}

        def progress(step: str, done: int, total: int) -> None:
            if self.stdout.isatty() or done == total or done - last.get(step, 0) >= 5000:
                last[step] = done
                width = 30
                filled = width * done // total if total else width
                self.stdout.write(
                    f"\r{step:12} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
                    ending="\n" if done == total or not self.stdout.isatty() else "",
                )
                sys.stdout.flush()

        try:
            report = run.run(
                options["database"],
                article_dir=options["article_dir"],
                since=options["since"],
                dry_run=options["dry_run"],
                resume=options["resume"],
                progress=progress,
            )
        except SourceError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(line)
