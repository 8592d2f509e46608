"""``scale``: the workloads at a size, in one database. First the tickets (3-5 articles,
history, attachment rows on a fifth of the customer mails) by the bulk generator, up to
``--tickets`` (tickets already there count); then, each on that database as it is: the
agent overviews (``dashboard``), the full-text search, the zoom, the REST API, mail
ingestion and the escalation sweep. Figures are named ``workload.figure``.

Run it once at 100,000 and once at 1,000,000 tickets to see what grows with the size."""

from __future__ import annotations

import argparse
import sys
import time

from bench.workloads import Figures, Workload, all_workloads, register

# The workloads in the order they run and the arguments each gets; "{tickets}" is the
# number of tickets in the database. Mail ingestion and the escalation sweep add their
# own tickets on top, so they run last (the sweep's open tickets last of all); the search
# runs before any ticket is added outside the bulk load, whose documents are complete
# (the search workload rebuilds the whole index when a ticket lacks its document).
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dashboard", ("--reuse", "--runs", "{runs}")),
    ("search", ()),
    ("zoom", ("--tickets", "{tickets}", "--runs", "{runs}")),
    ("api_reads", ("--runs", "{runs}")),
    ("ingest", ("--messages", "{messages}", "--cli-runs", "{cli_runs}")),
    ("escalation", ("--tickets", "{escalation}")),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets in the database")
    parser.add_argument("--articles", type=int, default=3, help="fewest articles per ticket")
    parser.add_argument("--articles-max", type=int, default=5, help="most articles per ticket")
    parser.add_argument(
        "--attachment-percent", type=float, default=20.0, help="customer mails with an attachment"
    )
    parser.add_argument("--runs", type=int, default=40, help="timed requests of each page")
    parser.add_argument("--messages", type=int, default=2_000, help="mails to ingest")
    parser.add_argument(
        "--cli-runs", type=int, default=3, help="sportello ingest_mail pipe calls to time"
    )
    parser.add_argument(
        "--escalation-tickets", type=int, default=100_000, help="open tickets of the sweep"
    )
    parser.add_argument(
        "--only", nargs="*", default=None, help="run only these workloads (default: all)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generator")


def run(options: argparse.Namespace) -> Figures:
    from sportello.tickets.models import Ticket

    figures: Figures = {}
    missing = options.tickets - Ticket.objects.count()
    if missing > 0:
        figures.update(_generate(options, missing))
    tickets = Ticket.objects.count()
    figures["tickets"] = tickets
    workloads = all_workloads()
    values = {
        "tickets": str(tickets),
        "runs": str(options.runs),
        "messages": str(options.messages),
        "cli_runs": str(options.cli_runs),
        "escalation": str(options.escalation_tickets),
    }
    for name, template in STEPS:
        if options.only and name not in options.only:
            continue
        workload = workloads[name]
        parser = argparse.ArgumentParser(prog=name)
        workload.add_arguments(parser)
        arguments = parser.parse_args([part.format(**values) for part in template])
        print(f"--- {name}", file=sys.stderr)
        started = time.perf_counter()
        step = workload.run(arguments)
        figures[f"{name}.seconds"] = round(time.perf_counter() - started, 1)
        figures.update({f"{name}.{key}": value for key, value in step.items()})
    return figures


def _generate(options: argparse.Namespace, missing: int) -> Figures:
    from bench.bulk import BulkResult, generate_bulk
    from bench.generate import Options

    shown = [0]

    def progress(result: BulkResult) -> None:
        if result.tickets - shown[0] >= max(missing // 20, 1) or result.tickets == missing:
            shown[0] = result.tickets
            print(f"  {result.tickets:>9} tickets  {result.seconds:7.1f} s", file=sys.stderr)

    result = generate_bulk(
        Options(
            tickets=missing,
            articles=options.articles,
            articles_max=options.articles_max,
            attachment_share=options.attachment_percent / 100,
            batch_size=10_000,
            seed=options.seed,
        ),
        progress=progress,
    )
    figures: Figures = {
        "generate.tickets": result.tickets,
        "generate.articles": result.articles,
        "generate.history_rows": result.history,
        "generate.attachments": result.attachments,
        "generate.seconds": round(result.seconds, 1),
        "generate.tickets_per_s": round(result.tickets / result.seconds, 1)
        if result.seconds
        else 0.0,
    }
    figures.update({f"generate.{name}_seconds": value for name, value in result.phases.items()})
    return figures


register(
    Workload(
        name="scale",
        help="the tickets by the bulk generator, then the overviews, zoom, search, API, "
        "mail ingestion and escalation sweep on them",
        add_arguments=add_arguments,
        run=run,
    )
)
