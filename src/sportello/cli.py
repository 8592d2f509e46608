"""The ``sportello`` console script: Django's manage.py for this project."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.settings")
    # One message on stdin from a mail server: a lean start (see sportello.mail.pipe).
    from sportello.mail import pipe

    if pipe.handles(argv if argv is not None else sys.argv):
        sys.exit(pipe.main(argv if argv is not None else sys.argv))
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv if argv is not None else sys.argv)


if __name__ == "__main__":
    main()
