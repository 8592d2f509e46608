"""``sportello send_outbox``: send everything that is due once, then exit (for cron)."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from sportello.mail.outbox import send_due


class Command(BaseCommand):
    help = "Send every outgoing message that is due, once."

    def handle(self, *args: Any, **options: Any) -> None:
        report = send_due(limit=100_000)
        self.stdout.write(
            json.dumps({"sent": report.sent, "retrying": report.retrying, "failed": report.failed})
        )
