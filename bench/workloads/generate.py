"""``python -m bench generate``: bulk-create tickets, articles and history.

``--bulk``: the same data written by ``bench.bulk`` (COPY on PostgreSQL, with the search
index), for a million tickets in minutes instead of hours."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from bench.workloads import Figures, Workload, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=10_000, help="tickets to create")
    parser.add_argument("--articles", type=int, default=3, help="articles per ticket")
    parser.add_argument(
        "--articles-max",
        type=int,
        default=None,
        help="draw each ticket's articles between --articles and this",
    )
    parser.add_argument(
        "--attachment-percent",
        type=float,
        default=0.0,
        help="customer mails carrying an attachment row (metadata, no stored file)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="tickets per transaction (default 2000; 10000 with --bulk)",
    )
    parser.add_argument(
        "--insert-rows",
        type=int,
        default=None,
        help="rows per INSERT statement (default: Django's choice)",
    )
    parser.add_argument(
        "--days", type=int, default=182, help="spread creation times over this many days"
    )
    parser.add_argument("--customers", type=int, default=500, help="customer users to draw from")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="fast mode: COPY / executemany, search index included, indexes re-created "
        "for large loads, VACUUM ANALYZE at the end (batch size default 10000)",
    )


def run(options: argparse.Namespace) -> Figures:
    if options.bulk:
        return _run_bulk(options)
    from bench.generate import Options, Result, generate

    step = max(options.tickets // 10, 1)
    shown = [0]

    def progress(result: Result) -> None:
        # Progress on stderr, so stdout stays the report alone.
        if result.tickets - shown[0] >= step or result.tickets == options.tickets:
            shown[0] = result.tickets
            print(f"  {result.tickets:>9} tickets  {result.seconds:7.1f} s", file=sys.stderr)

    result = generate(
        Options(
            tickets=options.tickets,
            articles=options.articles,
            articles_max=options.articles_max,
            attachment_share=options.attachment_percent / 100,
            batch_size=options.batch_size or 2_000,
            insert_rows=options.insert_rows,
            span=timedelta(days=options.days),
            customers=options.customers,
            seed=options.seed,
        ),
        progress=progress,
    )
    return {
        "tickets": result.tickets,
        "articles": result.articles,
        "history_rows": result.history,
        "seconds": round(result.seconds, 2),
        "tickets_per_s": round(result.tickets / result.seconds, 1) if result.seconds else 0.0,
    }


def _run_bulk(options: argparse.Namespace) -> Figures:
    from bench.bulk import BulkResult, generate_bulk
    from bench.generate import Options

    step = max(options.tickets // 20, 1)
    shown = [0]

    def progress(result: BulkResult) -> None:
        if result.tickets - shown[0] >= step or result.tickets == options.tickets:
            shown[0] = result.tickets
            print(f"  {result.tickets:>9} tickets  {result.seconds:7.1f} s", file=sys.stderr)

    result = generate_bulk(
        Options(
            tickets=options.tickets,
            articles=options.articles,
            articles_max=options.articles_max,
            attachment_share=options.attachment_percent / 100,
            batch_size=options.batch_size or 10_000,
            span=timedelta(days=options.days),
            customers=options.customers,
            seed=options.seed,
        ),
        progress=progress,
    )
    figures: Figures = {
        "mode": "bulk",
        "tickets": result.tickets,
        "articles": result.articles,
        "history_rows": result.history,
        "attachments": result.attachments,
        "search_documents": result.documents,
        "seconds": round(result.seconds, 2),
        "tickets_per_s": round(result.tickets / result.seconds, 1) if result.seconds else 0.0,
    }
    figures.update({f"{name}_seconds": value for name, value in result.phases.items()})
    return figures


register(
    Workload(
        name="generate",
        help="bulk-create tickets with articles and history",
        add_arguments=add_arguments,
        run=run,
    )
)
