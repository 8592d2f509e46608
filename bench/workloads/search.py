"""``python -m bench search``: full-text search on the generated tickets.

Run after ``python -m bench generate`` on the same database (or with ``--tickets N`` to
generate first). The index is built with ``search.index.rebuild`` when it is missing
or with ``--rebuild`` (timed), the nightly archive job runs once, then each query runs
what the search page runs: ``search_tickets`` for an agent, the count and the first
page of 25 rows with their relations. Queries are one and two words taken from the
generated subjects (German, Italian, English), so they hit thousands of tickets like
real searches for "WLAN" or "Passwort vergessen" do. ``--explain`` prints the query
plans (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on SQLite) to stderr.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import sys
import time
from typing import Any

from bench.workloads import Figures, Workload, register
from bench.workloads.ingest import percentile

PAGE = 25


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=0, help="generate this many first")
    parser.add_argument("--queries", type=int, default=30, help="queries of each kind")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the index first")
    parser.add_argument("--explain", action="store_true", help="print query plans (stderr)")
    parser.add_argument("--seed", type=int, default=1)


def queries(rng: random.Random, count: int) -> tuple[list[str], list[str]]:
    """One-word and two-word queries from the subjects the generator writes."""
    from bench.corpus import LANGUAGES

    subjects = [
        subject
        for language in LANGUAGES.values()
        for topic in language.topics.values()
        for subject in topic.subjects
    ]
    words = sorted({w.strip(":,.?!()") for s in subjects for w in s.split() if len(w) > 3})
    pairs = sorted(
        {
            f"{a.strip(':,.?!()')} {b.strip(':,.?!()')}"
            for s in subjects
            for a, b in zip(s.split(), s.split()[1:], strict=False)
            if len(a) > 2 and len(b) > 2
        }
    )
    return rng.sample(words, min(count, len(words))), rng.sample(pairs, min(count, len(pairs)))


def run(options: argparse.Namespace) -> Figures:
    from django.db import connection

    from sportello.accounts.models import User
    from sportello.search.archive import flag_archived
    from sportello.search.index import rebuild, search_config
    from sportello.search.models import TicketDocument
    from sportello.tickets.models import Ticket

    figures: Figures = {}
    if options.tickets:
        from bench.generate import Options, generate

        generated = generate(Options(tickets=options.tickets, seed=options.seed))
        figures["generate_seconds"] = round(generated.seconds, 1)
    tickets = Ticket.objects.count()
    figures["tickets"] = tickets
    figures["search_config"] = search_config() if connection.vendor == "postgresql" else "fts5"
    if options.rebuild or TicketDocument.objects.count() < tickets:
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if done % 20_000 < 1000:
                print(f"  indexed {done:>9}/{total}", file=sys.stderr)

        rebuild(progress=progress)
        figures["index_seconds"] = round(time.perf_counter() - started, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    started = time.perf_counter()
    figures["archived_now"] = flag_archived()
    figures["archive_job_seconds"] = round(time.perf_counter() - started, 2)
    figures["archived_total"] = Ticket.objects.filter(archived=True).count()

    agent = User.objects.filter(is_active=True, is_system=False).order_by("pk").first()
    if agent is None:
        raise SystemExit("no agent: run `python -m bench generate` first")
    one, two = queries(random.Random(options.seed), options.queries)
    for name, texts in (("one_word", one), ("two_words", two)):
        timings, hits = _measure(agent, texts, options.repeat)
        figures[f"{name}_queries"] = len(texts)
        figures[f"{name}_ms_median"] = _ms(statistics.median(timings))
        figures[f"{name}_ms_p95"] = _ms(percentile(timings, 95))
        figures[f"{name}_ms_max"] = _ms(max(timings))
        figures[f"{name}_hits_median"] = int(statistics.median(hits))
        figures[f"{name}_hits_max"] = max(hits)
    if options.explain:
        for text in (one[0], two[0], f"{one[1]} OR {one[2]}", f"{two[1].split()[0]} NOT {one[3]}"):
            _explain(agent, text)
    return figures


def _measure(agent: Any, texts: list[str], repeat: int) -> tuple[list[float], list[int]]:
    """Timings of every run; the full number of matches of each query (counted apart,
    untimed: the page counts only up to ``COUNT_LIMIT``)."""
    from sportello.search.services import Criteria, search_tickets

    timings: list[float] = []
    for _ in range(repeat):
        for text in texts:
            started = time.perf_counter()
            count, rows = _page(agent, text)
            timings.append(time.perf_counter() - started)
            assert len(rows) == min(count, PAGE)
    hits = [search_tickets(agent, Criteria(fulltext=text)).count() for text in texts]
    return timings, hits


def _page(agent: Any, text: str) -> tuple[int, list[Any]]:
    """What the search page does for one query: count, then the first page."""
    from sportello.search.services import Criteria, search_page, search_tickets

    criteria = Criteria(fulltext=text)
    tickets = search_tickets(agent, criteria)
    page = search_page(tickets, 1, PAGE, recent=functools.partial(search_tickets, agent, criteria))
    return page.count, page.rows


def _explain(agent: Any, text: str) -> None:
    """Run one search page and print the plan of each statement that reads the index
    (the count and the page; the lookups of related rows by id are left out), with the
    planner settings the page set for it (the walk of the newest tickets)."""
    from django.db import connection, transaction

    before = len(connection.queries_log)
    connection.force_debug_cursor = True
    try:
        _page(agent, text)
    finally:
        connection.force_debug_cursor = False
    statements = [
        q["sql"]
        for q in list(connection.queries_log)[before:]
        if "search_" in q["sql"] or "set_config" in q["sql"]
    ]
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    setting = ""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            if "set_config" in sql:
                cursor.execute(sql)  # as the page ran it, local to this transaction
                cursor.execute("SHOW enable_bitmapscan")
                row = cursor.fetchone()
                setting = "" if row and row[0] == "on" else " [bitmap scans off: the walk]"
                continue
            cursor.execute(prefix + sql)
            plan = "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())
            print(f"\n-- {text!r}{setting}\n{sql}\n{plan}", file=sys.stderr)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


register(
    Workload(
        name="search",
        help="full-text search latency on generated tickets (count + first page)",
        add_arguments=add_arguments,
        run=run,
    )
)
