"""``sportello restore DIR``: a backup into an empty installation, verified at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `sportello backup` into an empty installation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="the backup's folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(Path(options["directory"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            f"restored and verified: {len(manifest['counts'])} tables, {rows} rows, "
            f"{len(manifest['files'])} files"
        )
