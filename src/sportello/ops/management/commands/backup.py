"""``sportello backup DIR``: a consistent backup of the database and the stored files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database, the stored files and the configuration into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="a new or empty folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup(Path(options["directory"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"backup of Sportello {manifest['sportello_version']} in {options['directory']}: "
            f"{len(manifest['counts'])} tables, {rows} rows, {len(manifest['files'])} files"
        )
