"""The ``sportello`` console script: Django's manage.py for this project."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Sequence

# sysexits.h: a configuration error (a mail server defers the message, it does not bounce).
EX_CONFIG = 78
HELP_OPTIONS = frozenset({"-h", "--help", "--version"})


def wants_help(argv: Sequence[str]) -> bool:
    """Is this command line only asking for help or the version (nothing runs)?"""
    args = list(argv[1:])
    return not args or args[0] in {"help", "version"} or any(a in HELP_OPTIONS for a in args)


def main(argv: list[str] | None = None) -> None:
    argv = list(argv if argv is not None else sys.argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.settings")
    if wants_help(argv) and not os.environ.get("SPORTELLO_SECRET_KEY"):
        # Help signs nothing, so a throwaway key lets it load the settings and every
        # command's options without configuration.
        os.environ["SPORTELLO_SECRET_KEY"] = secrets.token_urlsafe(50)
    from django.core.exceptions import ImproperlyConfigured

    try:
        _run(argv)
    except ImproperlyConfigured as error:
        sys.stderr.write(f"sportello: {error}\n")
        sys.exit(EX_CONFIG)


def _run(argv: list[str]) -> None:
    # One message on stdin from a mail server: a lean start (see sportello.mail.pipe).
    from sportello.mail import pipe

    if pipe.handles(argv):
        sys.exit(pipe.main(argv))
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
