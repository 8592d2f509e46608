"""Bulk data generator: tickets with their articles and history, as the actions layer
writes them, but through ``bulk_create`` with one transaction per batch.

Per ticket, the rows ``actions.create_ticket`` (with a customer mail as first article, as
mail ingestion calls it) and then ``actions.add_article`` would write:

* the ticket, numbered from the daily counter (``bench.numbers``), created by the system
  user, ``changed``/``changed_by`` from its last article;
* articles 1..K: a customer mail, then agent mails, internal notes and customer replies;
* history: NewTicket (new = number, comment = "queue / state / priority") and one row per
  article (EmailCustomer, then EmailAgent / AddNote / FollowUp; new = subject) with actor,
  actor name, channel and the ticket's queue and state, in chronological order.

A ticket is created in its final state, priority, owner and lock (create_ticket takes
them all), hence no StateUpdate or OwnerUpdate rows. No domain events are published:
nobody should mail 100,000 customers; that is the one deliberate difference.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import connection, transaction
from django.utils import timezone

from bench import texts
from bench.corpus import LANGUAGES, TOPIC_TYPES, TOPIC_WEIGHTS
from bench.numbers import ticket_numbers
from bench.reference import Customer, Reference, ensure_reference_data
from sportello.accounts.models import User
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import (
    Article,
    Attachment,
    Channel,
    History,
    Lock,
    SenderType,
    StateType,
    Ticket,
)

# Tickets start at least this long before "now", leaving room for their follow-ups.
MARGIN = timedelta(minutes=10)
# Between an article and the history row recording it (the real path takes about that).
STEP = timedelta(milliseconds=1)
# Time until the next article: exponential around 8 hours, between 2 minutes and 4 days.
MEAN_GAP, MIN_GAP, MAX_GAP = 8 * 3600.0, 120.0, 4 * 86400.0

T = TypeVar("T")
# Attached files of customer mails: name stem, extension, content type.
ATTACHMENT_KINDS = (
    ("invoice", "pdf", "application/pdf"),
    ("screenshot", "png", "image/png"),
    ("photo", "jpg", "image/jpeg"),
    ("export", "csv", "text/csv"),
    ("logfile", "txt", "text/plain"),
)


class Weighted(Generic[T]):
    """A weighted choice with the cumulative weights computed once."""

    def __init__(self, weights: Mapping[T, int]) -> None:
        self.population = list(weights)
        self.cum_weights: list[float] = []
        total = 0.0
        for weight in weights.values():
            total += weight
            self.cum_weights.append(total)

    def pick(self, rng: random.Random) -> T:
        return rng.choices(self.population, cum_weights=self.cum_weights)[0]


TOPICS = Weighted(TOPIC_WEIGHTS)
PRIORITIES = Weighted({"1 very low": 3, "2 low": 8, "3 normal": 68, "4 high": 17, "5 very high": 4})
OPEN_STATES = Weighted({"new": 3, "open": 5, "pending reminder": 2, "pending auto close+": 1})
TYPES = Weighted({"Unclassified": 3, "Incident": 3, "Service Request": 2, "Problem": 1})
_AFTER_CUSTOMER = {HistoryType.EMAIL_AGENT: 65, HistoryType.ADD_NOTE: 35}
# Which article follows which (the kind of article k+1 given article k).
NEXT_ARTICLE = {
    HistoryType.EMAIL_CUSTOMER: Weighted(_AFTER_CUSTOMER),
    HistoryType.FOLLOW_UP: Weighted(_AFTER_CUSTOMER),
    HistoryType.EMAIL_AGENT: Weighted(
        {HistoryType.FOLLOW_UP: 60, HistoryType.ADD_NOTE: 25, HistoryType.EMAIL_AGENT: 15}
    ),
    HistoryType.ADD_NOTE: Weighted({HistoryType.EMAIL_AGENT: 70, HistoryType.ADD_NOTE: 30}),
}
# A "new" ticket is one no agent has written to the customer about yet.
_NEW_AFTER_CUSTOMER = {HistoryType.ADD_NOTE: 60, HistoryType.FOLLOW_UP: 40}
NEXT_ARTICLE_NEW = {
    HistoryType.EMAIL_CUSTOMER: Weighted(_NEW_AFTER_CUSTOMER),
    HistoryType.FOLLOW_UP: Weighted(_NEW_AFTER_CUSTOMER),
    HistoryType.ADD_NOTE: Weighted({HistoryType.FOLLOW_UP: 50, HistoryType.ADD_NOTE: 50}),
}


@dataclass(frozen=True)
class Options:
    tickets: int
    articles: int = 3
    batch_size: int = 2_000
    # Tickets are spread over this span before ``now``.
    span: timedelta = timedelta(days=182)
    customers: int = 500
    seed: int = 1
    now: datetime | None = None
    # Rows per INSERT statement; None lets Django choose (SQLite: its 999-variable limit).
    insert_rows: int | None = None
    # Articles per ticket drawn between ``articles`` and this (None: always ``articles``).
    articles_max: int | None = None
    # Share of customer mails carrying one attachment (its row only: no stored content).
    attachment_share: float = 0.0


@dataclass
class Result:
    tickets: int = 0
    articles: int = 0
    history: int = 0
    seconds: float = 0.0


# Called inside each batch's transaction with its stored articles: the place to add
# attachments later.
ArticleHook = Callable[[list[Article]], None]


@dataclass
class _Entry:
    """One article and what its history row records."""

    article: Article
    type: HistoryType
    actor: User
    actor_name: str
    channel: str
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class Draft:
    ticket: Ticket
    customer: Customer
    comment: str
    entries: list[_Entry] = field(default_factory=list)


def generate(
    options: Options,
    *,
    after_articles: ArticleHook | None = None,
    progress: Callable[[Result], None] | None = None,
) -> Result:
    check_options(options)
    started = time.perf_counter()
    result = Result()
    generator = Generator(options, ensure_reference_data(customers=options.customers))
    with bulk_pragmas():
        for start in range(0, options.tickets, options.batch_size):
            times = generator.times[start : start + options.batch_size]
            with transaction.atomic():
                drafts = generator.write_batch(times, after_articles)
            result.tickets += len(drafts)
            result.articles += sum(len(draft.entries) for draft in drafts)
            result.history += sum(1 + len(draft.entries) for draft in drafts)
            result.seconds = time.perf_counter() - started
            if progress is not None:
                progress(result)
    result.seconds = time.perf_counter() - started
    return result


def check_options(options: Options) -> None:
    if options.tickets < 0 or options.articles < 1 or options.batch_size < 1:
        raise ValueError("need tickets >= 0, articles >= 1, batch_size >= 1")
    if options.articles_max is not None and options.articles_max < options.articles:
        raise ValueError("need articles_max >= articles")
    if not 0.0 <= options.attachment_share <= 1.0:
        raise ValueError("need 0 <= attachment_share <= 1")


@contextmanager
def bulk_pragmas() -> Iterator[None]:
    """SQLite: skip syncing while this process bulk-loads; only this connection is
    affected, and it is set back afterwards. Not inside an outer transaction (tests)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        row = cursor.fetchone()
        cursor.execute("PRAGMA synchronous=OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(row[0]) if row else 1}")


def attachments_of(drafts: Sequence[Draft]) -> list[Attachment]:
    """The attachments of stored drafts (article ids set), in article order."""
    found = []
    for draft in drafts:
        for entry in draft.entries:
            for attachment in entry.attachments:
                attachment.article_id = entry.article.pk
                found.append(attachment)
    return found


class Generator:
    def __init__(self, options: Options, reference: Reference) -> None:
        self.options = options
        self.ref = reference
        self.rng = random.Random(options.seed)
        self.now = options.now or timezone.now()
        # Creation times, ascending: ticket ids and numbers follow time, as in real life.
        start, end = self.now - options.span, self.now - MARGIN
        self.times = sorted(
            start + (end - start) * self.rng.random() for _ in range(options.tickets)
        )

    def write_batch(self, times: Sequence[datetime], hook: ArticleHook | None) -> list[Draft]:
        rows = self.options.insert_rows
        drafts = [
            self.draft(created, number)
            for created, number in zip(times, ticket_numbers(times), strict=True)
        ]
        Ticket.objects.bulk_create([draft.ticket for draft in drafts], batch_size=rows)
        articles = []
        for draft in drafts:
            for entry in draft.entries:
                entry.article.ticket_id = draft.ticket.pk
                articles.append(entry.article)
        Article.objects.bulk_create(articles, batch_size=rows)
        Attachment.objects.bulk_create(attachments_of(drafts), batch_size=rows)
        if hook is not None:
            hook(articles)
        History.objects.bulk_create(
            [row for draft in drafts for row in self._history(draft)], batch_size=rows
        )
        return drafts

    def _history(self, draft: Draft) -> Iterator[History]:
        for values in self.history_values(draft):
            yield History(**values)

    def history_values(self, draft: Draft) -> Iterator[dict[str, Any]]:
        """The history rows of a stored draft (ticket and article ids set), as field
        values: one NewTicket row, then one row per article."""
        ticket = draft.ticket
        yield {
            "ticket_id": ticket.pk,
            "type": HistoryType.NEW_TICKET,
            "actor_id": self.ref.system.pk,
            "actor_name": draft.customer.email,
            "channel": "mail",
            "new_value": ticket.number,
            "comment": draft.comment,
            "queue_id_at": ticket.queue_id,
            "state_id_at": ticket.state_id,
            "created": ticket.created,
        }
        for entry in draft.entries:
            yield {
                "ticket_id": ticket.pk,
                "article_id": entry.article.pk,
                "type": entry.type,
                "actor_id": entry.actor.pk,
                "actor_name": entry.actor_name[:300],
                "channel": entry.channel,
                "new_value": entry.article.subject[:200],
                "queue_id_at": ticket.queue_id,
                "state_id_at": ticket.state_id,
                "created": entry.article.created + STEP,
            }

    def draft(self, created: datetime, number: str) -> Draft:
        rng, ref = self.rng, self.ref
        topic_name = TOPICS.pick(rng)
        customer = rng.choice(ref.customers)
        topic = LANGUAGES[customer.language].topics[topic_name]
        queue = ref.queues[topic_name]
        state = ref.states[self._state_name(created)]
        priority = ref.priorities[PRIORITIES.pick(rng)]
        ticket_type = ref.types[TOPIC_TYPES[topic_name] if rng.random() < 0.75 else TYPES.pick(rng)]
        if state.type == StateType.NEW:
            owner, lock = ref.system, Lock.UNLOCK
        else:
            owner = rng.choice(ref.agents)
            locked = state.type != StateType.CLOSED and rng.random() < 0.7
            lock = Lock.LOCK if locked else Lock.UNLOCK
        ticket = Ticket(
            number=number,
            title=rng.choice(topic.subjects),
            queue_id=queue.pk,
            state_id=state.pk,
            priority_id=priority.pk,
            type_id=ticket_type.pk,
            lock=lock,
            owner_id=owner.pk,
            responsible_id=rng.choice(ref.agents).pk if rng.random() < 0.1 else None,
            customer_user_id=customer.login,
            customer_company_id=customer.company_id,
            created=created,
            created_by_id=ref.system.pk,
        )
        draft = Draft(
            ticket=ticket,
            customer=customer,
            comment=f"{queue.full_name} / {state.name} / {priority.name}",
        )
        agent = owner if owner.pk != ref.system.pk else rng.choice(ref.agents)
        _Thread(self, draft, topic_name, agent).write(self._timeline(created))
        last = draft.entries[-1]
        # create_ticket sets changed = created; every add_article touches the ticket.
        ticket.changed = created if len(draft.entries) == 1 else last.article.created + 2 * STEP
        ticket.changed_by_id = ref.system.pk if len(draft.entries) == 1 else last.actor.pk
        if state.is_pending:
            ticket.pending_until = ticket.changed + timedelta(days=rng.uniform(1, 10))
        return draft

    def _state_name(self, created: datetime) -> str:
        """Old tickets are mostly closed, recent ones mostly not."""
        age = (self.now - created).days
        closed = 0.92 if age > 30 else 0.6 if age > 7 else 0.2
        if self.rng.random() < closed:
            return "closed successful" if self.rng.random() < 0.85 else "closed unsuccessful"
        return OPEN_STATES.pick(self.rng)

    def _timeline(self, created: datetime) -> list[datetime]:
        """Article times: the first right after the ticket, then gaps that end before now."""
        count = self.options.articles
        if self.options.articles_max is not None:
            count = self.rng.randint(count, self.options.articles_max)
        gaps = [
            min(max(self.rng.expovariate(1 / MEAN_GAP), MIN_GAP), MAX_GAP) for _ in range(count - 1)
        ]
        room = (self.now - created).total_seconds() - 1
        if sum(gaps) > room:
            scale = room / sum(gaps)
            # At least a second apart, so each article follows its predecessor's history.
            gaps = [max(gap * scale, 1.0) for gap in gaps]
        times = [created + STEP]
        for gap in gaps:
            times.append(times[-1] + timedelta(seconds=gap))
        return times


class _Thread:
    """The articles of one ticket: who writes when, with mail threading headers."""

    def __init__(self, generator: Generator, draft: Draft, topic: str, agent: User) -> None:
        self.rng = generator.rng
        self.ref = generator.ref
        self.generator_options = generator.options
        self.draft = draft
        self.customer = draft.customer
        self.language = LANGUAGES[self.customer.language]
        self.topic = self.language.topics[topic]
        self.agent = agent
        self.queue_address = self.ref.queue_addresses[draft.ticket.queue_id]
        self.message_ids: list[str] = []
        self.last_subject = draft.ticket.title

    def write(self, times: Sequence[datetime]) -> None:
        table = (
            NEXT_ARTICLE_NEW
            if self.draft.ticket.state_id == self.ref.states["new"].pk
            else NEXT_ARTICLE
        )
        kind = HistoryType.EMAIL_CUSTOMER
        for number, when in enumerate(times, start=1):
            if number > 1:
                kind = table[kind].pick(self.rng)
            self.draft.entries.append(self._entry(kind, number, when))

    def _entry(self, kind: HistoryType, number: int, when: datetime) -> _Entry:
        ticket, customer, rng = self.draft.ticket, self.customer, self.rng
        if kind == HistoryType.ADD_NOTE:
            article = self._article(
                number,
                when,
                Channel.INTERNAL,
                SenderType.AGENT,
                self.agent,
                subject=self.language.note_subject,
                body=texts.note(rng, self.topic),
            )
            return _Entry(article, kind, self.agent, self.agent.username, "web")
        if kind == HistoryType.EMAIL_AGENT:
            subject = texts.answer_subject(ticket.number, ticket.title)
            body = texts.agent_answer(
                rng, self.language, self.topic, customer, self.agent.get_full_name()
            )
            article = self._mail(
                number,
                when,
                SenderType.AGENT,
                self.agent,
                subject,
                body,
                sender=self.queue_address,
                to=customer.address,
                message_id=texts.agent_message_id(rng, when),
            )
            return _Entry(article, kind, self.agent, self.agent.username, "web")
        if kind == HistoryType.EMAIL_CUSTOMER:
            subject = ticket.title
            body = texts.customer_mail(rng, self.language, self.topic, customer)
        else:
            prefix = self.language.reply_prefix
            last = self.last_subject
            subject = last if last.startswith(prefix) else prefix + last
            body = texts.follow_up(rng, self.language, customer)
        article = self._mail(
            number,
            when,
            SenderType.CUSTOMER,
            self.ref.system,
            subject,
            body,
            sender=customer.address,
            to=self.queue_address,
            message_id=texts.customer_message_id(rng, customer),
        )
        entry = _Entry(article, kind, self.ref.system, customer.email, "mail")
        share = self.generator_options.attachment_share
        # Drawn only when asked for, so the data without attachments stay seed for seed.
        if share and rng.random() < share:
            entry.attachments.append(self._attachment(when))
        # Mail ingestion acts as the system user, named after the sender's address.
        return entry

    def _attachment(self, when: datetime) -> Attachment:
        """The row mail ingestion stores for an attached file; the file itself is not
        written (the pages list names and sizes, only a download reads it)."""
        name, extension, content_type = self.rng.choice(ATTACHMENT_KINDS)
        serial = self.rng.randrange(10_000, 99_999)
        return Attachment(
            filename=f"{name}-{serial}.{extension}",
            content_type=content_type,
            size=self.rng.randrange(20_000, 2_000_000),
            file=f"attachments/{when:%Y/%m/%d}/{name}-{serial}",
        )

    def _mail(
        self,
        number: int,
        when: datetime,
        sender_type: str,
        writer: User,
        subject: str,
        body: str,
        *,
        sender: str,
        to: str,
        message_id: str,
    ) -> Article:
        article = self._article(
            number, when, Channel.EMAIL, sender_type, writer, subject=subject, body=body
        )
        article.visible_for_customer = True
        article.from_address, article.to_address = sender, to
        article.message_id = message_id
        if self.message_ids:
            article.in_reply_to = self.message_ids[-1]
            article.references = " ".join(self.message_ids)
        self.message_ids.append(message_id)
        self.last_subject = subject
        return article

    def _article(
        self,
        number: int,
        when: datetime,
        channel: str,
        sender_type: str,
        writer: User,
        *,
        subject: str,
        body: str,
    ) -> Article:
        return Article(
            number=number,
            channel=channel,
            sender_type=sender_type,
            subject=subject,
            body=body,
            created=when,
            created_by_id=writer.pk,
        )
