"""The bulk generator writes what the actions layer would, and shares its ticket counter."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta

import pytest
from bench.generate import Options, Result, generate
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput, AttachmentInput, article_history_type
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, History, Ticket, TicketCounter
from sportello.tickets.numbers import is_valid_number, next_ticket_number
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

TICKETS, ARTICLES = 30, 3
TICKET_FIELDS = [
    "title", "queue_id", "state_id", "priority_id", "type_id", "lock", "owner_id",
    "responsible_id", "customer_user_id", "customer_company_id", "pending_until",
    "merged_into_id", "archived", "created_by_id", "changed_by_id",
]  # fmt: skip
ARTICLE_FIELDS = [
    "number", "channel", "sender_type", "visible_for_customer", "from_address", "to_address",
    "cc_address", "reply_to", "subject", "body", "body_html", "message_id", "in_reply_to",
    "references", "content_hash", "is_automatic", "created", "created_by_id",
]  # fmt: skip


@pytest.fixture
def stored() -> list[Article]:
    return []


@pytest.fixture
def generated(stored: list[Article]) -> Result:
    # Small batches, so that a day's counter is advanced by more than one batch.
    options = Options(tickets=TICKETS, articles=ARTICLES, batch_size=7, customers=20, seed=3)
    return generate(options, after_articles=stored.extend)


def _counter(number: str) -> tuple[str, int]:
    prefix = 8 + len(str(settings.SPORTELLO_SYSTEM_ID))
    return number[:8], int(number[prefix:-1])


def test_counts_and_hook(generated: Result, stored: list[Article]) -> None:
    assert (generated.tickets, generated.articles) == (TICKETS, TICKETS * ARTICLES)
    assert generated.history == TICKETS * (1 + ARTICLES) == History.objects.count()
    assert len(stored) == Article.objects.count() and all(a.pk for a in stored)


def test_numbers_are_valid_unique_and_reserved(generated: Result) -> None:
    numbers = list(Ticket.objects.order_by("pk").values_list("number", flat=True))
    assert len(set(numbers)) == TICKETS and all(is_valid_number(n) for n in numbers)
    assert numbers == sorted(numbers)  # ids, numbers and creation times follow each other
    highest: dict[str, int] = defaultdict(int)
    for number in numbers:
        day, value = _counter(number)
        highest[day] = max(highest[day], value)
    counters = dict(TicketCounter.objects.values_list("day", "value"))
    assert counters == highest
    # The real path continues after the generated block on every day the generator used.
    with transaction.atomic():
        for day in highest:
            when = timezone.make_aware(datetime.strptime(day + "12", "%Y%m%d%H"))
            following = next_ticket_number(when)
            assert _counter(following) == (day, highest[day] + 1)
            assert following not in numbers


def test_actions_and_generator_share_todays_counter(queue: Queue, actor: Actor) -> None:
    before = make_ticket(queue, actor)
    generate(Options(tickets=10, articles=1, span=timedelta(minutes=5), customers=5))
    after = make_ticket(queue, actor)
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 12 and all(is_valid_number(n) for n in numbers)
    day, first = _counter(before.number)
    if _counter(after.number)[0] == day:  # not across midnight
        generated_today = sum(1 for n in numbers if _counter(n)[0] == day) - 2
        assert _counter(after.number)[1] == first + generated_today + 1


def test_articles_and_history_per_ticket(generated: Result) -> None:
    tickets = Ticket.objects.select_related("queue", "state", "priority")
    for ticket in tickets.prefetch_related("articles", "history"):
        articles = sorted(ticket.articles.all(), key=lambda a: a.number)
        rows = sorted(ticket.history.all(), key=lambda h: h.pk)
        assert [a.number for a in articles] == list(range(1, ARTICLES + 1))
        assert [h.type for h in rows[:2]] == [HistoryType.NEW_TICKET, HistoryType.EMAIL_CUSTOMER]
        assert len(rows) == 1 + ARTICLES and rows[0].article_id is None
        assert rows[0].new_value == ticket.number
        assert rows[0].comment == f"{ticket.queue} / {ticket.state.name} / {ticket.priority.name}"
        assert [h.article_id for h in rows[1:]] == [a.pk for a in articles]
        for row, article in zip(rows[1:], articles, strict=True):
            data = ArticleInput(channel=article.channel, sender_type=article.sender_type)
            assert row.type == article_history_type(data, is_first=article.number == 1)
            assert row.actor_id == article.created_by_id
            assert row.channel == ("mail" if article.sender_type == "customer" else "web")
        times = [h.created for h in rows]
        assert times == sorted(times) and times[0] == ticket.created
        assert [a.created for a in articles] == sorted(a.created for a in articles)
        assert ticket.changed >= times[-1] or ARTICLES == 1
        assert {(h.queue_id_at, h.state_id_at) for h in rows} == {
            (ticket.queue_id, ticket.state_id)
        }


def _replay(ticket: Ticket, *, with_attachments: bool = False) -> Ticket:
    """The same ticket created through the actions layer, article by article;
    ``with_attachments``: each attachment row's file attached (zeros of its size)."""
    articles = list(ticket.articles.order_by("number"))
    rows = {h.article_id: h for h in ticket.history.all()}

    def actor_for(article: Article) -> Actor:
        row = rows[article.pk]
        name = row.actor_name if row.actor_name != row.actor.username else ""
        return Actor(user=row.actor, channel=row.channel, name=name)

    def data(article: Article) -> ArticleInput:
        values = {name: getattr(article, name) for name in ARTICLE_FIELDS[1:-1]}
        values["history_type"] = rows[article.pk].type
        if with_attachments:
            values["attachments"] = [
                AttachmentInput(a.filename, a.content_type, b"\0" * a.size)
                for a in article.attachments.order_by("pk")
            ]
        return ArticleInput(**values)

    replayed = actions.create_ticket(
        title=ticket.title,
        queue=ticket.queue,
        actor=actor_for(articles[0]),
        state=ticket.state,
        priority=ticket.priority,
        type=ticket.type,
        owner=ticket.owner,
        responsible=ticket.responsible,
        customer_user_id=ticket.customer_user_id,
        customer_company_id=ticket.customer_company_id,
        pending_until=ticket.pending_until,
        lock=ticket.is_locked,
        article=data(articles[0]),
    )
    for article in articles[1:]:
        actions.add_article(replayed, data(article), actor=actor_for(article))
    return Ticket.objects.get(pk=replayed.pk)


TICKET_NUMBER = re.compile(r"\b\d{14,}\b")


def _history_shape(ticket: Ticket) -> list[tuple[object, ...]]:
    return [
        (
            h.type, h.actor_id, h.actor_name, h.channel, h.old_value,
            TICKET_NUMBER.sub("<number>", h.new_value), h.comment,
            h.article.number if h.article else None, h.queue_id_at, h.state_id_at,
        )
        for h in ticket.history.select_related("article").order_by("pk")
    ]  # fmt: skip


def test_a_generated_ticket_equals_its_replay_through_the_actions(generated: Result) -> None:
    kinds: set[str] = set()
    for ticket in Ticket.objects.order_by("pk")[:8]:
        replayed = _replay(ticket)
        assert [getattr(replayed, f) for f in TICKET_FIELDS] == [
            getattr(ticket, f) for f in TICKET_FIELDS
        ]
        assert [
            [getattr(a, f) for f in ARTICLE_FIELDS] for a in replayed.articles.order_by("number")
        ] == [[getattr(a, f) for f in ARTICLE_FIELDS] for a in ticket.articles.order_by("number")]
        assert _history_shape(replayed) == _history_shape(ticket)
        kinds.update(ticket.history.values_list("type", flat=True))
    assert {HistoryType.EMAIL_AGENT, HistoryType.ADD_NOTE} <= kinds
