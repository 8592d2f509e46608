"""``flush`` that may empty the append-only history (it empties every table anyway)."""

from typing import Any

from django.core.management.commands import flush

from sportello.core.db import allow_history_purge


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with allow_history_purge():
            super().handle(**options)
