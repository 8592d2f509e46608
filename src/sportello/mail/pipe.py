"""``sportello ingest_mail`` for one message on stdin, as an MTA pipe calls it: started lean.

A mail server starts one process per message, so start-up is most of the cost. This path
sets Django up without what filing one message never uses: the admin's autodiscovery
(every ``admin.py`` and the form machinery behind it) and Huey's Django app (its import
pulls in the Redis and PostgreSQL clients of every storage; it is not loaded at all:
auto-responses and the search index are left to the minute jobs, see ``core.handoff``)
and the content security policy app (its system checks; no page is served here). The
result is the same as the management command's: one JSON line, exit 0 once stored, 75
when the database is unreachable.
"""

from __future__ import annotations

import argparse
import importlib.abc
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

EX_TEMPFAIL = 75
# Installed apps replaced or left out on this path (see the module docstring).
LEAN_APPS = {
    "sportello.accounts.admin_site.SportelloAdminConfig": (
        "django.contrib.admin.apps.SimpleAdminConfig"
    )
}
# csp: system checks only; ninja: the API docs' static files (its import pulls in pydantic)
# sportello.ops: the metrics registry and the probes
SKIPPED_APPS = frozenset({"huey.contrib.djhuey", "csp", "ninja", "sportello.ops"})
# Options that only the management command understands (bulk imports, the spool, Django's
# own): with any of them the full command runs.
OTHER_OPTIONS = (
    "--mbox",
    "--maildir",
    "--retry-spool",
    "-h",
    "--help",
    "--version",
    "--settings",
    "--pythonpath",
)


def handles(argv: Sequence[str]) -> bool:
    """Is this command line one message on stdin, which this path can file?"""
    if len(argv) < 2 or argv[1] != "ingest_mail":
        return False
    return not any(arg.split("=", 1)[0] in OTHER_OPTIONS for arg in argv[2:])


class _PatchOnDemand(importlib.abc.MetaPathFinder):
    """Applies django-stubs-ext's run-time generics (which import the admin and the form
    machinery) just before the first module that may subscript them is imported: URLs,
    views, forms, admin modules. Filing a plain message imports none of them."""

    MODULES = ("sportello.urls",)
    SUFFIXES = (".admin", ".forms", ".views", ".urls")

    done = False

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if not self.done and (
            name.startswith(self.MODULES)
            or (name.startswith("sportello.") and name.endswith(self.SUFFIXES))
        ):
            self.done = True  # stays in sys.meta_path: removing it mid-search skips finders
            import django_stubs_ext

            django_stubs_ext.monkeypatch()
        return None  # the regular finders import it


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.settings")
    import django
    from django.apps import apps
    from django.conf import settings

    if apps.ready:
        return  # already set up (called from within a running process)
    if "sportello.settings" not in sys.modules:
        os.environ["SPORTELLO_LEAN_START"] = "1"
        sys.meta_path.insert(0, _PatchOnDemand())
    settings.INSTALLED_APPS = [
        LEAN_APPS.get(app, app) for app in settings.INSTALLED_APPS if app not in SKIPPED_APPS
    ]
    django.setup()
    os.environ.pop("SPORTELLO_LEAN_START", None)  # not for processes started from here


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sportello ingest_mail")
    parser.add_argument("--queue")
    parser.add_argument("--trusted", action="store_true")
    parser.add_argument("-v", "--verbosity", type=int, default=1)
    parser.add_argument("--no-color", action="store_true")
    parser.add_argument("--force-color", action="store_true")
    parser.add_argument("--traceback", action="store_true")
    return parser


def main(argv: Sequence[str]) -> int:
    options = _parser().parse_args(list(argv[2:]))
    setup()
    from sportello.core import handoff
    from sportello.mail.ingest import DatabaseUnavailable, ingest_message

    raw = sys.stdin.buffer.read()
    before, handoff.after_commit = handoff.after_commit, False  # see core.handoff
    try:
        result = ingest_message(
            raw, source="stdin", queue_name=options.queue, trusted=options.trusted
        )
    except DatabaseUnavailable as error:
        sys.stderr.write(f"database unavailable, try again later: {error}\n")
        return EX_TEMPFAIL
    finally:
        handoff.after_commit = before  # the process ends here; not so when called in-process
    sys.stdout.write(json.dumps(result.line()) + "\n")
    return 0
