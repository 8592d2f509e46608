"""Run Sportello on one machine: prepare the database, then web server and job consumer.

``sportello serve`` migrates, compiles translations, collects static files, creates the
demo data when SPORTELLO_DEMO=1, then starts gunicorn and a Huey consumer as child
processes and stops both when either ends or on Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from sportello.web.demo import create_demo_data


class Command(BaseCommand):
    help = "Migrate, then run the web server and the background job consumer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("SPORTELLO_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2"))
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("SPORTELLO_THREADS", "16"))
        )
        parser.add_argument("--no-jobs", action="store_true", help="Do not start a job consumer.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("compile_translations", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        credentials = create_demo_data() if settings.DEMO else {}
        bind = options["bind"]
        commands = [
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sportello.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["workers"]),
                # Threads, not processes, per request: an open event stream (/events/)
                # holds one thread of a worker, not the whole worker (docs/live.md).
                "--worker-class",
                "gthread",
                "--threads",
                str(options["threads"]),
                "--access-logfile",
                "-",
            ],
        ]
        if not options["no_jobs"]:
            # --quiet: the consumer's own INFO lines would repeat every job every minute.
            commands.append([sys.executable, "-m", "sportello", "run_huey", "--quiet"])
        children = [subprocess.Popen(command) for command in commands]
        self._banner(bind, credentials)
        stop = False

        def request_stop(signum: int, frame: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        while not stop and all(child.poll() is None for child in children):
            time.sleep(0.5)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()

    def _banner(self, bind: str, credentials: dict[str, str]) -> None:
        host, _, port = bind.rpartition(":")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Sportello is running at http://{host}:{port}/"))
        self.stdout.write(f"Data: {settings.SPORTELLO_HOME}")
        if credentials:
            self.stdout.write("Demo logins (agent: password):")
            for login, password in credentials.items():
                self.stdout.write(f"  {login:<8} {password}")
        self.stdout.write("Stop with Ctrl-C.")
        self.stdout.flush()
