"""``python -m bench znuny_import``: ``sportello import znuny`` from a generated Znuny
database on PostgreSQL.

A new database on the same server gets Znuny's schema and initial rows (from
SPORTELLO_ZNUNY_SCHEMA, default /work/shared/znuny-schema: Znuny's own schema files) and
``--tickets`` tickets written with ``generate_series``: each with ``--articles`` email
articles (From/To/Subject/Message-ID, a body of about 1 KB, the raw mail of the first one
in article_data_mime_plain, a small attachment on every fifth ticket) and ``--history``
history rows of the usual types. Then the import runs as the command does (search index
included). Figures: tickets, articles and history rows per second, the peak resident
memory and how much it grew from the first batch to the end (flat when streamed).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import uuid
from pathlib import Path

from bench.workloads import Figures, Workload, register

SCHEMA_DIR = Path(os.environ.get("SPORTELLO_ZNUNY_SCHEMA", "/work/shared/znuny-schema"))
FIRST_ID = 1000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=2)
    parser.add_argument("--history", type=int, default=5)
    parser.add_argument("--keep-source", action="store_true", help="keep the Znuny database")


def _rss_mib() -> float:
    # ru_maxrss is KiB on Linux: the peak, which is what "memory stays flat" is about.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generate(url: str, tickets: int, articles: int, history: int) -> None:
    import psycopg

    last = FIRST_ID + tickets - 1
    with psycopg.connect(url, autocommit=True) as db:
        db.execute((SCHEMA_DIR / "schema.postgresql.sql").read_text())
        db.execute((SCHEMA_DIR / "initial_insert.postgresql.sql").read_text())
        db.execute(
            "INSERT INTO ticket (id, tn, title, queue_id, ticket_lock_id, type_id, user_id, "
            "responsible_user_id, ticket_priority_id, ticket_state_id, customer_id, "
            "customer_user_id, timeout, until_time, escalation_time, escalation_update_time, "
            "escalation_response_time, escalation_solution_time, archive_flag, create_time, "
            "create_by, change_time, change_by) "
            "SELECT g, 'Z' || g, 'Bench ticket ' || g, 2, 1, 1, 1, 1, 3, "
            "CASE WHEN g %% 3 = 0 THEN 2 ELSE 4 END, 'ACME', 'customer' || (g %% 500), "
            "0, 0, 0, 0, 0, 0, 0, timestamp '2023-01-01' + g * interval '5 minutes', 1, "
            "timestamp '2023-01-01' + g * interval '5 minutes' + interval '1 hour', 1 "
            "FROM generate_series(%s::int, %s::int) g",
            [FIRST_ID, last],
        )
        db.execute(
            "INSERT INTO article (id, ticket_id, article_sender_type_id, "
            "communication_channel_id, is_visible_for_customer, search_index_needs_rebuild, "
            "create_time, create_by, change_time, change_by) "
            "SELECT t * 10 + a, t, CASE WHEN a = 0 THEN 3 ELSE 1 END, 1, 1, 0, "
            "timestamp '2023-01-01' + t * interval '5 minutes' + a * interval '1 minute', 1, "
            "timestamp '2023-01-01', 1 "
            "FROM generate_series(%s::int, %s::int) t, generate_series(0, %s::int) a",
            [FIRST_ID, last, articles - 1],
        )
        body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 18
        db.execute(
            "INSERT INTO article_data_mime (article_id, a_from, a_to, a_subject, a_message_id, "
            "a_in_reply_to, a_content_type, a_body, incoming_time, content_path, create_time, "
            "create_by, change_time, change_by) "
            "SELECT id, 'customer' || (ticket_id %% 500) || '@example.org', "
            "'support@example.org', 'Bench ticket ' || ticket_id, '<' || id || '@bench>', "
            "CASE WHEN id %% 10 > 0 THEN '<' || (id - 1) || '@bench>' END, "
            "'text/plain; charset=utf-8', %s, 0, '2023/01/01', create_time, 1, "
            "change_time, 1 FROM article WHERE id >= %s",
            [body, FIRST_ID * 10],
        )
        db.execute(
            "INSERT INTO article_data_mime_plain (article_id, body, create_time, create_by, "
            "change_time, change_by) SELECT id, encode(convert_to('Subject: Bench ' || "
            "ticket_id || E'\\r\\n\\r\\n' || %s, 'UTF8'), 'base64'), create_time, 1, "
            "create_time, 1 FROM article WHERE id >= %s AND id %% 10 = 0",
            [body, FIRST_ID * 10],
        )
        db.execute(
            "INSERT INTO article_data_mime_attachment (article_id, filename, content_size, "
            "content_type, disposition, content, create_time, create_by, change_time, "
            "change_by) SELECT id, 'notes.txt', '2000', 'text/plain', 'attachment', "
            "encode(convert_to(repeat('x', 2000), 'UTF8'), 'base64'), create_time, 1, "
            "create_time, 1 FROM article WHERE id >= %s AND id %% 50 = 0",
            [FIRST_ID * 10],
        )
        db.execute(
            "INSERT INTO ticket_history (name, history_type_id, ticket_id, article_id, "
            "type_id, queue_id, owner_id, priority_id, state_id, create_time, create_by, "
            "change_time, change_by) "
            "SELECT CASE h WHEN 0 THEN '%%%%Z' || t || '%%%%Raw%%%%3 normal%%%%new%%%%' || t "
            "WHEN 1 THEN '%%%%new%%%%open%%%%' ELSE '%%%%note ' || h END, "
            "CASE h WHEN 0 THEN 1 WHEN 1 THEN 27 ELSE 15 END, t, "
            "CASE WHEN h = 0 THEN t * 10 END, 1, 2, 1, 3, 4, "
            "timestamp '2023-01-01' + t * interval '5 minutes' + h * interval '1 second', "
            "1, timestamp '2023-01-01', 1 "
            "FROM generate_series(%s::int, %s::int) t, generate_series(0, %s::int) h",
            [FIRST_ID, last, history - 1],
        )


def run(options: argparse.Namespace) -> Figures:
    import psycopg
    from django.conf import settings

    from sportello.importer import run as importer

    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("postgresql"):
        raise SystemExit("znuny_import needs PostgreSQL (DATABASE_URL)")
    server = (
        f"postgresql://{database['USER'] or 'postgres'}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}"
    )
    name = f"znuny_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(f"{server}/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    try:
        started = time.perf_counter()
        _generate(url, options.tickets, options.articles, options.history)
        generate_seconds = time.perf_counter() - started
        first_batch: list[float] = []

        def progress(step: str, done: int, total: int) -> None:
            if step == "tickets" and not first_batch:
                first_batch.append(_rss_mib())
            if step == "tickets" and (done % 10_000 < 500 or done == total):
                print(f"{step} {done}/{total} rss {_rss_mib():.0f} MiB", file=sys.stderr)

        started = time.perf_counter()
        report = importer.run(url, progress=progress)
        seconds = time.perf_counter() - started
    finally:
        if not options.keep_source:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    tickets = report.created["ticket"]
    return {
        "tickets": tickets,
        "articles": report.created["article"],
        "history_rows": report.created["history"],
        "generate_seconds": round(generate_seconds, 1),
        "import_seconds": round(seconds, 1),
        "tickets_per_second": round(tickets / seconds, 1),
        "articles_per_second": round(report.created["article"] / seconds, 1),
        "history_per_second": round(report.created["history"] / seconds, 1),
        "rss_first_batch_mib": round(first_batch[0], 1) if first_batch else 0.0,
        "rss_peak_mib": round(_rss_mib(), 1),
    }


register(
    Workload(
        name="znuny_import",
        help="import a generated Znuny database (PostgreSQL)",
        add_arguments=add_arguments,
        run=run,
    )
)
