from typing import Any

from django.core.management.base import BaseCommand

from sportello.web.demo import create_demo_data


class Command(BaseCommand):
    help = "Create demo agents, queues, customers and tickets (once) and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        credentials = create_demo_data()
        for login, password in credentials.items():
            self.stdout.write(f"  {login:<8} {password}")
