"""``python -m bench generate``: bulk-create tickets, articles and history."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from bench.workloads import Figures, Workload, register


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=10_000, help="tickets to create")
    parser.add_argument("--articles", type=int, default=3, help="articles per ticket")
    parser.add_argument(
        "--batch-size", type=int, default=2_000, help="tickets per transaction (default 2000)"
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


def run(options: argparse.Namespace) -> Figures:
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
            batch_size=options.batch_size,
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


register(
    Workload(
        name="generate",
        help="bulk-create tickets with articles and history",
        add_arguments=add_arguments,
        run=run,
    )
)
