"""``python -m bench <workload> [options]``: choose the database, set up Django, migrate,
run one workload and print its figures as a table and as one JSON line (the last line of
stdout; progress goes to stderr)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import datetime

from bench import databases
from bench.workloads import Figures, Workload, all_workloads

# Settings refuse to load without a key; a benchmark database holds no secrets worth one.
BENCH_SECRET_KEY = "bench-only-not-secret-" + "x" * 40


def build_parser(workloads: dict[str, Workload]) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--fresh",
        action="store_true",
        help="run on a new database: a SQLite file in a temporary folder, or (when "
        "DATABASE_URL is PostgreSQL) a new database on that server",
    )
    common.add_argument("--keep", action="store_true", help="keep the --fresh database")
    common.add_argument(
        "--db-name",
        default=databases.DEFAULT_FRESH_NAME,
        help="name of the fresh PostgreSQL database (default %(default)s)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Sportello benchmarks. Database: DATABASE_URL (unset: SQLite under "
        "$SPORTELLO_HOME).",
    )
    commands = parser.add_subparsers(dest="workload", required=True, metavar="WORKLOAD")
    for workload in workloads.values():
        workload.add_arguments(
            commands.add_parser(workload.name, help=workload.help, parents=[common])
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    workloads = all_workloads()
    options = build_parser(workloads).parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportello.settings")
    os.environ.setdefault("SPORTELLO_SECRET_KEY", BENCH_SECRET_KEY)
    with databases.target(fresh=options.fresh, keep=options.keep, name=options.db_name):
        figures = _run(workloads[options.workload], options)
    print(format_table(figures))
    print(json.dumps(figures, ensure_ascii=False))
    return 0


def _run(workload: Workload, options: argparse.Namespace) -> Figures:
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_seconds = time.perf_counter() - started
    figures: Figures = {
        "workload": workload.name,
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpus": os.cpu_count() or 0,
        "python": platform.python_version(),
        "fresh": int(options.fresh),
        "migrate_seconds": round(migrate_seconds, 2),
    }
    figures.update(workload.run(options))
    figures.update(databases.database_figures())
    figures["db_mib"] = round(int(figures["db_bytes"]) / 2**20, 1)
    return figures


def format_table(figures: Figures) -> str:
    width = max(len(name) for name in figures)
    lines = [f"{'figure':<{width}}  value", f"{'-' * width}  {'-' * 24}"]
    for name, value in figures.items():
        shown = f"{value:,}" if isinstance(value, int | float) else value
        lines.append(f"{name:<{width}}  {shown}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
