"""The MTA pipe's lean start: the same result as the command, without the admin's and
Huey's start-up work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sportello.mail import pipe


@pytest.mark.parametrize(
    ("argv", "lean"),
    [
        (["sportello", "ingest_mail"], True),
        (["sportello", "ingest_mail", "--queue", "Misc", "--trusted"], True),
        (["sportello", "ingest_mail", "--mbox", "box"], False),
        (["sportello", "ingest_mail", "--maildir=dir"], False),
        (["sportello", "ingest_mail", "--retry-spool"], False),
        (["sportello", "ingest_mail", "--help"], False),
        (["sportello", "fetch_mail"], False),
        (["sportello"], False),
    ],
)
def test_which_command_lines_take_the_lean_path(argv: list[str], lean: bool) -> None:
    assert pipe.handles(argv) is lean


def test_the_lean_setup_leaves_out_admin_modules_and_huey(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from sportello.mail import pipe\n"
        "pipe.setup()\n"
        "from django.apps import apps\n"
        "print(json.dumps({'ready': apps.ready, 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(tmp_path),
        capture_output=True,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout.decode().strip().splitlines()[-1])
    modules = set(found["modules"])
    assert found["ready"]
    assert "sportello.mail.admin" not in modules and "sportello.tickets.admin" not in modules
    assert not {"huey.contrib.djhuey", "redis"} & modules
    assert "sportello.notifications.subscribers" in modules  # subscribers still registered
    assert "django_stubs_ext" not in modules  # patched on demand, see the next test


def test_urls_still_load_on_the_lean_path(tmp_path: Path) -> None:
    """An auto-response renders the ticket's URL: the URLconf (views, forms, admin site)
    loads then, with django-stubs-ext's run-time generics applied first."""
    script = (
        "import sys\n"
        "from sportello.mail import pipe\n"
        "pipe.setup()\n"
        "from django.urls import reverse\n"
        "from django.contrib.admin import ModelAdmin\n"
        "print(reverse('web:ticket', args=['2026113010000016']), ModelAdmin[object])\n"
    )
    env = _env(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, timeout=120, check=True
    )
    assert done.stdout.decode().startswith("/ticket/2026113010000016/")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTEST_VERSION", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env.update(
        SPORTELLO_SECRET_KEY="pipe-test-" + "k" * 40,
        SPORTELLO_HOME=str(tmp_path / "home"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    return env


def test_a_piped_message_is_queued_for_the_index_without_loading_the_job_queue(
    tmp_path: Path,
) -> None:
    """Filing one message by pipe leaves the search index to the minute job: loading the
    job queue (Huey, the Redis client) would cost more than the message."""
    script = (
        "import io, json, sys\n"
        "from sportello.mail import pipe\n"
        "pipe.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(b'From: a@example.org\\r\\n"
        "To: it@example.org\\r\\nSubject: Drucker\\r\\nMessage-ID: <p1@example.org>"
        "\\r\\n\\r\\nDrucker streikt\\r\\n'))\n"
        "loaded = set(sys.modules)\n"
        "status = pipe.main(['sportello', 'ingest_mail'])\n"
        "from sportello.search.models import PendingIndex\n"
        "new = sorted(m for m in set(sys.modules) - loaded if m.startswith(('huey', 'redis')))\n"
        "print(json.dumps({'status': status, 'pending': PendingIndex.objects.count(),\n"
        "  'huey': new}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=_env(tmp_path),
        capture_output=True,
        timeout=180,
        check=True,
    )
    lines = done.stdout.decode().strip().splitlines()
    assert json.loads(lines[0])["result"] == "new"
    assert json.loads(lines[-1]) == {"status": 0, "pending": 1, "huey": []}
