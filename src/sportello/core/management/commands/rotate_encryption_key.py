"""``sportello rotate_encryption_key``: encrypt every stored secret (mail account
passwords) again with the first key of ``SPORTELLO_ENCRYPTION_KEYS``.

Rotation: put the new key first, keep the old ones after it, run this, then drop the old
keys."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sportello.core.fields import reencrypt_all


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the first encryption key."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{reencrypt_all()} secret(s) re-encrypted")
