"""``sportello faq import FILE``: import FAQ categories and articles from the JSON format
of docs/faq.md (idempotent by article number; ``-`` reads stdin).

``sportello faq export [--output FILE]``: write every category and article, with
translations and attachments (base64), in the same format."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sportello.core.actor import Actor
from sportello.core.errors import DomainError
from sportello.kb import transfer


class Command(BaseCommand):
    help = "Import or export the FAQ."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imports = sub.add_parser("import", help="Import FAQ categories and articles.")
        imports.add_argument("file", help="a JSON file (docs/faq.md), or - for stdin")
        exports = sub.add_parser("export", help="Export the whole FAQ as JSON.")
        exports.add_argument("--output", "-o", default="-", help="a file, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "export":
            text = json.dumps(transfer.export_faq(), ensure_ascii=False, indent=2) + "\n"
            if options["output"] == "-":
                self.stdout.write(text, ending="")
            else:
                Path(options["output"]).write_text(text, encoding="utf-8")
            return
        try:
            raw = (
                sys.stdin.read()
                if options["file"] == "-"
                else Path(options["file"]).read_text(encoding="utf-8")
            )
        except OSError as error:
            raise CommandError(f"cannot read {options['file']}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{options['file']} is not UTF-8 text") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{options['file']}: no valid JSON (line {error.lineno}: {error.msg})"
            ) from None
        try:
            result = transfer.import_faq(data, actor=Actor.system(channel="cli"))
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"categories {result.categories}, created {len(result.created)}, "
            f"updated {len(result.updated)}, unchanged {len(result.unchanged)}"
        )
