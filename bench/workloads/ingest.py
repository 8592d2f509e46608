"""``python -m bench ingest``: file generated mail with ``ingest_message``, check threading.

The messages (bench.mailgen) go to the function addresses of the reference queues: new
requests, replies by ticket number or by References, out-of-office replies and
redeliveries. They are built before the clock starts; with ``--processes N`` each worker
process gets whole conversations, so every reply comes after its original. Afterwards
every stored message is looked up by its Message-ID: each reply must sit in the ticket
of its conversation's first message (``threading_errors``, must be 0).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import secrets
import statistics
import subprocess
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

from bench import mailgen
from bench.mailgen import GeneratedMail, Kind, MailSet, Sender
from bench.workloads import Figures, Workload, register

# Message-IDs per query: well below SQLite's variable limit.
LOOKUP_CHUNK = 500
# How long worker processes may take to start, or to finish once they have started.
START_TIMEOUT, RUN_TIMEOUT = 120.0, 6 * 3600.0

Progress = Callable[[int, float], None]


@dataclass(frozen=True)
class Setup:
    senders: list[Sender]
    mailboxes: dict[str, str]  # topic -> "Display <address>" of its queue
    hook: str


@dataclass
class StreamResult:
    results: Counter[str] = field(default_factory=Counter)
    tickets: dict[str, str] = field(default_factory=dict)  # Message-ID -> ticket number
    latencies: list[float] = field(default_factory=list)  # seconds per message
    input_bytes: int = 0
    seconds: float = 0.0
    # CPU seconds of the ingesting process(es), and SQL statements they sent: the own
    # cost, apart from waiting for the database or for other work on the machine.
    cpu_seconds: float = 0.0
    statements: int = 0
    # CPU seconds of the PostgreSQL backends that served them, when the server runs on
    # this machine (read from /proc); None where it cannot be seen (SQLite, a remote host).
    server_cpu_seconds: float | None = None

    def merge(self, other: StreamResult) -> None:
        self.results.update(other.results)
        self.tickets.update(other.tickets)
        self.latencies.extend(other.latencies)
        self.input_bytes += other.input_bytes
        self.cpu_seconds += other.cpu_seconds
        self.statements += other.statements
        if other.server_cpu_seconds is not None:
            self.server_cpu_seconds = (self.server_cpu_seconds or 0.0) + other.server_cpu_seconds


@dataclass
class Threading:
    checked: int = 0
    errors: int = 0
    # Examples of what went wrong, for the report (a handful, not all).
    examples: list[str] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.examples) < 5:
            self.examples.append(text)


@dataclass
class IngestReport:
    mailset: MailSet
    processes: int
    stream: StreamResult
    threading: Threading

    @property
    def messages(self) -> int:
        return len(self.mailset.mails)

    def unexpected(self) -> int:
        """Messages whose result differs from the one their kind should get."""
        expected, actual = self.mailset.expected(), self.stream.results
        return sum(abs(expected[k] - actual[k]) for k in expected.keys() | actual.keys()) // 2

    def figures(self) -> Figures:
        stream, results = self.stream, self.stream.results
        known = ("new", "followup", "duplicate")
        mib = stream.input_bytes / 2**20
        return {
            "messages": self.messages,
            "processes": self.processes,
            "conversations": self.mailset.conversations,
            "with_attachment": sum(1 for m in self.mailset.mails if m.has_attachment),
            "input_mib": round(mib, 1),
            "seconds": round(stream.seconds, 2),
            "messages_per_s": round(self.messages / stream.seconds, 1) if stream.seconds else 0.0,
            "mib_per_s": round(mib / stream.seconds, 2) if stream.seconds else 0.0,
            "ingest_ms_median": _ms(statistics.median(stream.latencies)),
            "ingest_ms_p95": _ms(percentile(stream.latencies, 95)),
            "cpu_ms_per_message": _ms(stream.cpu_seconds / self.messages) if self.messages else 0.0,
            "server_cpu_ms_per_message": (
                _ms(stream.server_cpu_seconds / self.messages)
                if stream.server_cpu_seconds is not None and self.messages
                else "not measured"
            ),
            "statements_per_message": (
                round(stream.statements / self.messages, 1) if self.messages else 0.0
            ),
            "new": results["new"],
            "followup": results["followup"],
            "duplicate": results["duplicate"],
            "other": sum(n for result, n in results.items() if result not in known),
            "unexpected_results": self.unexpected(),
            "threading_checked": self.threading.checked,
            "threading_errors": self.threading.errors,
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def percentile(values: Sequence[float], percent: int) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def prepare(*, customers: int) -> Setup:
    """Queues with function addresses, and customers to write from (bench.reference)."""
    from django.conf import settings

    from bench.reference import ensure_reference_data

    reference = ensure_reference_data(customers=customers)
    return Setup(
        senders=[
            Sender(f"{c.first_name} {c.last_name}".strip(), c.email, c.language)
            for c in reference.customers
        ],
        mailboxes={
            topic: reference.queue_addresses[queue.pk] for topic, queue in reference.queues.items()
        },
        hook=settings.SPORTELLO_TICKET_HOOK,
    )


def generate(setup: Setup, messages: int, *, seed: int, run: str) -> MailSet:
    return mailgen.generate(
        messages,
        senders=setup.senders,
        mailboxes=setup.mailboxes,
        hook=setup.hook,
        seed=seed,
        run=run,
    )


def ingest_mails(
    mails: Sequence[GeneratedMail], blobs: Sequence[bytes], progress: Progress | None = None
) -> StreamResult:
    """File the messages in order, in this process."""
    from django.db import connection

    from sportello.mail.ingest import ingest_message

    stream = StreamResult()
    step = max(len(mails) // 10, 1)

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        stream.statements += 1
        return execute(sql, params, many, context)

    server = _server_process(connection)
    server_before = _process_cpu(server)
    with connection.execute_wrapper(count):
        cpu = time.process_time()
        _ingest(mails, blobs, stream, step, progress, ingest_message)
        stream.cpu_seconds = time.process_time() - cpu
    server_after = _process_cpu(server)
    if server_before is not None and server_after is not None:
        stream.server_cpu_seconds = server_after - server_before
    return stream


def _server_process(connection: Any) -> int | None:
    """The process id of the PostgreSQL backend serving ``connection``."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        row = cursor.fetchone()
    return int(row[0]) if row else None


def _process_cpu(pid: int | None) -> float | None:
    """User and system CPU seconds of a process on this machine, or None."""
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None  # the server runs elsewhere
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ingest(
    mails: Sequence[GeneratedMail],
    blobs: Sequence[bytes],
    stream: StreamResult,
    step: int,
    progress: Progress | None,
    ingest_message: Callable[..., Any],
) -> None:
    started = time.perf_counter()
    for done, mail in enumerate(mails, start=1):
        before = time.perf_counter()
        raw = mail.render(stream.tickets, blobs)
        result = ingest_message(raw, source="bench")
        stream.latencies.append(time.perf_counter() - before)
        stream.results[result.result] += 1
        stream.input_bytes += len(raw)
        if result.ticket and mail.kind is not Kind.DUPLICATE:
            stream.tickets[mail.message_id] = result.ticket
        if progress is not None and (done % step == 0 or done == len(mails)):
            progress(done, time.perf_counter() - started)
    stream.seconds = time.perf_counter() - started


def ingest_in_processes(mailset: MailSet, processes: int) -> StreamResult:
    """Whole conversations per process, all processes started (Django set up,
    connected) before the clock starts. ``spawn``: every worker sets Django up afresh
    and opens its own connection; nothing is inherited."""
    from django.db import connections

    context = multiprocessing.get_context("spawn")
    ready: Queue[Any] = context.Queue()
    results: Queue[Any] = context.Queue()
    go = context.Event()
    workers = [
        context.Process(
            target=_worker,
            args=(part, mailset.blobs, ready, go, results),
            name=f"bench-ingest-{number}",
        )
        for number, part in enumerate(mailset.partition(processes))
    ]
    # No open connection (or SQLite lock) of ours while the workers write.
    connections.close_all()
    for worker in workers:
        worker.start()
    try:
        _collect(ready, workers, START_TIMEOUT)
        started = time.perf_counter()
        go.set()
        outcomes = _collect(results, workers, RUN_TIMEOUT)
        seconds = time.perf_counter() - started
    finally:
        go.set()
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
    merged = StreamResult()
    for outcome in outcomes:
        merged.merge(outcome)
    merged.seconds = seconds
    return merged


def _collect(source: Queue[Any], workers: Sequence[BaseProcess], timeout: float) -> list[Any]:
    """One item per worker; fail (not hang) when a worker dies or reports an error."""
    items: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(items) < len(workers):
        try:
            item = source.get(timeout=0.5)
        except queue.Empty:
            dead = [w.name for w in workers if w.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"ingest worker died: {', '.join(dead)}") from None
            if time.monotonic() > deadline:
                raise TimeoutError("ingest workers did not answer in time") from None
            continue
        if isinstance(item, str):
            raise RuntimeError(f"ingest worker failed:\n{item}")
        items.append(item)
    return items


def _worker(
    mails: list[GeneratedMail],
    blobs: list[bytes],
    ready: Queue[Any],
    go: Event,
    results: Queue[Any],
) -> None:
    try:
        import django

        django.setup()
        from django.db import connection, connections

        connection.ensure_connection()
        ready.put(os.getpid())
        go.wait()
        results.put(ingest_mails(mails, blobs))
        connections.close_all()
    except BaseException:
        # A text instead of a result: the parent stops waiting and shows it.
        text = traceback.format_exc()
        ready.put(text)
        results.put(text)


def check_threading(mailset: MailSet) -> Threading:
    """Look every message up by Message-ID: stored once, new requests in a ticket of their
    own, everything else in the ticket of its conversation's first message."""
    from sportello.tickets.models import Article

    mails = [m for m in mailset.mails if m.kind is not Kind.DUPLICATE]
    stored: dict[str, list[int]] = defaultdict(list)
    ids = [m.message_id for m in mails]
    for start in range(0, len(ids), LOOKUP_CHUNK):
        rows = Article.objects.filter(message_id__in=ids[start : start + LOOKUP_CHUNK])
        for message_id, ticket_id in rows.values_list("message_id", "ticket_id"):
            stored[message_id].append(ticket_id)
    check = Threading()
    owners: dict[int, int] = {}  # ticket id -> conversation whose first message made it
    for mail in mails:
        check.checked += 1
        tickets = stored.get(mail.message_id, [])
        if len(tickets) != 1:
            check.error(f"{mail.kind} {mail.message_id}: stored {len(tickets)} times")
            continue
        if mail.kind is Kind.NEW:
            owner = owners.setdefault(tickets[0], mail.conversation)
            if owner != mail.conversation:
                check.error(f"new {mail.message_id}: in the ticket of conversation {owner}")
            continue
        root = stored.get(mail.root_id, [])
        if tickets != root[:1]:
            check.error(f"{mail.kind} {mail.message_id}: ticket {tickets[0]}, original {root}")
    return check


def run_ingest(
    setup: Setup,
    *,
    messages: int,
    processes: int = 1,
    seed: int = 1,
    run: str | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    mailset = generate(setup, messages, seed=seed, run=run or f"b{secrets.token_hex(4)}")
    if processes == 1:
        stream = ingest_mails(mailset.mails, mailset.blobs, progress)
    else:
        stream = ingest_in_processes(mailset, processes)
    return IngestReport(mailset, processes, stream, check_threading(mailset))


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("sportello")
    if script.exists():
        return [str(script), "ingest_mail"]
    return [sys.executable, "-m", "sportello.cli", "ingest_mail"]


def time_cli(setup: Setup, *, repeat: int = 3, seed: int = 1) -> list[float]:
    """Wall seconds of ``sportello ingest_mail < message`` (a new request each time), as an
    MTA pipe runs it: interpreter start, Django setup, one message."""
    mailset = mailgen.generate(
        repeat,
        senders=setup.senders,
        mailboxes=setup.mailboxes,
        hook=setup.hook,
        seed=seed,
        run=f"cli{secrets.token_hex(4)}",
        mix={Kind.NEW: 1},
        attachment_share=0.0,
    )
    # An installed package has its bytecode compiled (pip and Debian's packaging do it);
    # a checkout run with PYTHONDONTWRITEBYTECODE would compile every module on each call.
    import compileall

    import sportello

    compileall.compile_dir(Path(sportello.__file__).parent, quiet=1)
    walls = []
    for mail in mailset.mails:
        raw = mail.render({}, mailset.blobs)
        started = time.perf_counter()
        done = subprocess.run(
            cli_command(), input=raw, capture_output=True, env=dict(os.environ), timeout=300
        )
        walls.append(time.perf_counter() - started)
        lines = done.stdout.decode(errors="replace").strip().splitlines()
        result = json.loads(lines[-1]).get("result") if lines else None
        if done.returncode != 0 or result != "new":
            raise RuntimeError(
                f"sportello ingest_mail exited {done.returncode} with {result!r}: "
                f"{done.stderr.decode(errors='replace')[-2000:]}"
            )
    return walls


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=10_000, help="messages to ingest")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        choices=(1, 2, 3, 4),
        help="worker processes, each with whole conversations (default 1: in this process)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same mail)")
    parser.add_argument(
        "--customers", type=int, default=1_000, help="known customers to write from"
    )
    parser.add_argument(
        "--cli-runs", type=int, default=3, help="sportello ingest_mail calls to time (0: none)"
    )


def run(options: argparse.Namespace) -> Figures:
    setup = prepare(customers=options.customers)

    def progress(done: int, seconds: float) -> None:
        print(f"  {done:>9} messages  {seconds:7.1f} s", file=sys.stderr)

    print(
        f"ingesting {options.messages} messages in {options.processes} process(es)",
        file=sys.stderr,
    )
    report = run_ingest(
        setup,
        messages=options.messages,
        processes=options.processes,
        seed=options.seed,
        progress=progress,
    )
    for example in report.threading.examples:
        print(f"  threading error: {example}", file=sys.stderr)
    figures = report.figures()
    figures["seed"] = options.seed
    if options.cli_runs > 0:
        walls = time_cli(setup, repeat=options.cli_runs, seed=options.seed)
        figures["ingest_cli_wall_s"] = round(statistics.median(walls), 3)
    return figures


register(
    Workload(
        name="ingest",
        help="file generated mail (new requests, replies, attachments), check threading",
        add_arguments=add_arguments,
        run=run,
    )
)
