"""``sportello move_files --from filesystem --to s3``: stored files into the other store."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.ops.files import MoveError, move_files


class Command(BaseCommand):
    help = (
        "Move every stored file (attachments, raw mails, uploads) between the file system "
        "and the S3 object store; then set SPORTELLO_STORAGE to the target."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="source", required=True, choices=["filesystem", "s3"])
        parser.add_argument("--to", dest="target", required=True, choices=["filesystem", "s3"])
        parser.add_argument(
            "--keep", action="store_true", help="copy only: leave the files in the source"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            moved = move_files(options["source"], options["target"], keep=options["keep"])
        except MoveError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{moved.copied} files copied ({moved.bytes} bytes), {moved.present} already "
            f"there, {moved.deleted} removed from {options['source']}"
        )
