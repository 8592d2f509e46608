"""``python -m bench outbox``: what an answer costs the agent, and how fast the outbox drains.

Tickets are created as mail-in creates them; then agents answer with
``sportello.mail.actions.send_answer``, timed call by call: the article, its outbox entry
and what runs on commit (domain events, and the Huey task that would send it, which is
queued but not run: no consumer runs here, and pytest never commits). Then one worker
sends everything due with ``outbox.send_due``, as ``sportello send_outbox`` does, to an
SMTP sink (aiosmtpd) in a separate process, so the sink does not compete with the
sender for this interpreter.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import re
import socket
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import TYPE_CHECKING, Any

from bench.workloads import Figures, Workload, register

if TYPE_CHECKING:
    from bench.reference import Customer
    from sportello.accounts.models import User
    from sportello.tickets.models import Article, Ticket

# As `sportello send_outbox`.
SEND_LIMIT = 100_000
_MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


def _serve_sink(port: int, ready: Event, stop: Event, results: Connection) -> None:
    """The sink process: accept everything, remember each message's Message-ID."""
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self) -> None:
            self.message_ids: list[str] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            content = bytes(envelope.content)
            head = content.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
            found = _MESSAGE_ID.search(head)
            self.message_ids.append(found.group(1).decode() if found else "")
            return "250 Message accepted"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()
    results.send(handler.message_ids)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[int, list[str]]]:
    """An SMTP server on a free loopback port, in its own process. Yields the port and a
    list that holds the received Message-IDs once the block has ended."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    receiver, sender = context.Pipe(duplex=False)
    port = free_port()
    process = context.Process(
        target=_serve_sink, args=(port, ready, stop, sender), name="bench-smtp-sink", daemon=True
    )
    process.start()
    received: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not ready.wait(0.2):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"SMTP sink did not start (exit code {process.exitcode})")
        yield port, received
    finally:
        stop.set()
        if receiver.poll(60):
            received.extend(receiver.recv())
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()


class _StatementCounter:
    """A database execute wrapper that counts the statements sent."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


@dataclass
class OutboxReport:
    tickets: int
    answers: int
    answer_seconds: list[float]
    queued: int  # our outbox entries still queued before the send
    send_seconds: float
    sent: int
    retrying: int
    failed: int
    sink_received: int
    sink_answers: int  # of those, our answers (by Message-ID), each counted once
    # CPU seconds of this process and SQL statements: per answer, and for the whole send.
    answer_cpu_seconds: list[float]
    answer_statements: list[int]
    send_cpu_seconds: float
    send_statements: int

    def figures(self) -> Figures:
        latencies = self.answer_seconds
        return {
            "tickets": self.tickets,
            "answers": self.answers,
            "answer_ms_median": round(statistics.median(latencies) * 1000, 2),
            "answer_ms_p95": round(_percentile(latencies, 95) * 1000, 2),
            "answer_ms_max": round(max(latencies) * 1000, 2),
            "answer_cpu_ms_median": round(statistics.median(self.answer_cpu_seconds) * 1000, 2),
            "answer_statements_median": statistics.median(self.answer_statements),
            "answer_statements_max": max(self.answer_statements),
            "queued_before_send": self.queued,
            "send_seconds": round(self.send_seconds, 2),
            "sent_per_s": round(self.sent / self.send_seconds, 1) if self.send_seconds else 0.0,
            "sent": self.sent,
            "send_cpu_ms_per_message": (
                round(self.send_cpu_seconds * 1000 / self.sent, 2) if self.sent else 0.0
            ),
            "send_statements_per_message": (
                round(self.send_statements / self.sent, 2) if self.sent else 0.0
            ),
            "retrying": self.retrying,
            "failed": self.failed,
            "sink_received": self.sink_received,
            "sink_answers": self.sink_answers,
            "sink_ok": int(self.sink_answers == self.answers == self.sink_received),
        }


def _percentile(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def run_outbox(
    *, messages: int, per_ticket: int = 2, customers: int = 500, seed: int = 1
) -> OutboxReport:
    """``messages`` answers, ``per_ticket`` on each ticket (the first takes the lock and
    opens the ticket, as the first answer does), then send them all."""
    from django.db import connection
    from django.test import override_settings

    from bench import texts
    from bench.corpus import LANGUAGES
    from bench.generate import TOPICS
    from bench.reference import ensure_reference_data
    from sportello.core.actor import Actor
    from sportello.mail.actions import send_answer
    from sportello.mail.models import OutboxKind, OutboxMessage, OutboxStatus
    from sportello.mail.outbox import send_due
    from sportello.tickets import actions
    from sportello.tickets.articles import ArticleInput
    from sportello.tickets.models import Channel, SenderType

    rng = random.Random(seed)
    reference = ensure_reference_data(customers=customers)
    tickets: list[tuple[Ticket, Article, Customer, User, str]] = []
    for _ in range(math.ceil(messages / per_ticket)):
        topic = TOPICS.pick(rng)
        customer = rng.choice(reference.customers)
        language = LANGUAGES[customer.language]
        queue = reference.queues[topic]
        title = rng.choice(language.topics[topic].subjects)
        ticket = actions.create_ticket(
            title=title,
            queue=queue,
            actor=Actor.system(channel="mail", name=customer.email),
            customer_user_id=customer.login,
            customer_company_id=customer.company_id,
            article=ArticleInput(
                channel=Channel.EMAIL,
                sender_type=SenderType.CUSTOMER,
                visible_for_customer=True,
                from_address=customer.address,
                to_address=reference.queue_addresses[queue.pk],
                subject=title,
                body=texts.customer_mail(rng, language, language.topics[topic], customer),
                message_id=texts.customer_message_id(rng, customer),
            ),
        )
        agent = reference.agents[len(tickets) % len(reference.agents)]
        tickets.append((ticket, ticket.articles.get(number=1), customer, agent, topic))

    before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    latencies: list[float] = []
    cpu: list[float] = []
    statements: list[int] = []
    counter = _StatementCounter()
    for round_ in range(per_ticket):
        for ticket, question, customer, agent, topic in tickets:
            if len(latencies) == messages:
                break
            answer = rng.choice(LANGUAGES[customer.language].topics[topic].answers)
            counted, started, cpu_started = counter.count, time.perf_counter(), time.process_time()
            with connection.execute_wrapper(counter):
                send_answer(
                    ticket,
                    actor=Actor(user=agent, channel="web"),
                    text=answer[0].upper() + answer[1:],
                    to=[customer.email],
                    reply_to=question if round_ == 0 else None,
                )
            latencies.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            statements.append(counter.count - counted)
    ours = OutboxMessage.objects.filter(pk__gt=before, kind=OutboxKind.ARTICLE)
    message_ids = set(ours.values_list("message_id", flat=True))
    queued = ours.filter(status=OutboxStatus.QUEUED).count()

    with smtp_sink() as (port, received):
        smtp = {
            "SPORTELLO_SMTP_HOST": "127.0.0.1",
            "SPORTELLO_SMTP_PORT": port,
            "SPORTELLO_SMTP_SECURITY": "none",
            "SPORTELLO_SMTP_USER": "",
            "SPORTELLO_SMTP_TIMEOUT": 30,
        }
        with override_settings(**smtp), connection.execute_wrapper(counter):
            counted, started, cpu_started = counter.count, time.perf_counter(), time.process_time()
            report = send_due(limit=SEND_LIMIT)
            send_seconds = time.perf_counter() - started
            send_cpu = time.process_time() - cpu_started
            send_statements = counter.count - counted
    return OutboxReport(
        tickets=len(tickets),
        answers=len(latencies),
        answer_seconds=latencies,
        queued=queued,
        send_seconds=send_seconds,
        sent=report.sent,
        retrying=report.retrying,
        failed=report.failed,
        sink_received=len(received),
        sink_answers=len(message_ids.intersection(received)),
        answer_cpu_seconds=cpu,
        answer_statements=statements,
        send_cpu_seconds=send_cpu,
        send_statements=send_statements,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=2_000, help="answers to send")
    parser.add_argument("--per-ticket", type=int, default=2, help="answers per ticket (default 2)")
    parser.add_argument("--customers", type=int, default=500, help="customers to answer")
    parser.add_argument("--seed", type=int, default=1, help="random seed")


def run(options: argparse.Namespace) -> Figures:
    print(f"{options.messages} answers via send_answer, then sending them", file=sys.stderr)
    report = run_outbox(
        messages=options.messages,
        per_ticket=options.per_ticket,
        customers=options.customers,
        seed=options.seed,
    )
    return report.figures()


register(
    Workload(
        name="outbox",
        help="answers via send_answer (median/p95 ms), then the outbox sent to an SMTP sink",
        add_arguments=add_arguments,
        run=run,
    )
)
