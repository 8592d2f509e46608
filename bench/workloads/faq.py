"""``python -m bench faq``: FAQ search and request-form suggestions.

The database gets ``--articles`` FAQ articles (skipped when it holds that many) in 40
categories (half of them behind permission groups), written from the generator's
corpus in German, Italian and English: a third each internal, external and public,
every one published. Then ``--runs`` times each: an agent's search
(``kb.selectors.agent_search``, one and two words), a customer's portal search
(``published_search``) and the suggestions of a request form while typing
(``kb.selectors.suggestions`` on a subject and a description), and the suggestions
through Django's test client (the whole request of the htmx call). Tickets are in other
tables: ``--tickets N`` generates them first (``bench.generate``) to measure beside them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.workloads import Figures, Workload, register
from bench.workloads.ingest import percentile


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--articles", type=int, default=10_000, help="FAQ articles")
    parser.add_argument("--tickets", type=int, default=0, help="generate tickets first")
    parser.add_argument("--runs", type=int, default=100, help="timed calls of each kind")
    parser.add_argument("--seed", type=int, default=1)


def _texts() -> list[tuple[str, str, str, str]]:
    """(language, subject, problem, answer) from the generator's corpus."""
    from bench.corpus import LANGUAGES

    found = []
    for code, language in LANGUAGES.items():
        for topic in language.topics.values():
            for subject in topic.subjects:
                for problem in topic.problems:
                    found.append((code, subject, problem, topic.answers[0]))
    return found


def generate(count: int, rng: random.Random) -> None:
    """``count`` published articles, written in bulk (the actions would take minutes;
    the rows are what ``kb.actions`` writes)."""
    from django.db import transaction
    from django.utils import timezone

    from sportello.accounts import provisioning
    from sportello.accounts.models import User
    from sportello.kb.actions import FIRST_NUMBER, ensure_category_path, search_words
    from sportello.kb.models import VERSIONED_FIELDS, FaqItem, FaqVersion

    author = User.objects.filter(is_system=True).get()
    groups = [provisioning.add_group(f"faq-bench-{n}")[0] for n in range(4)]
    categories = []
    for n in range(40):
        category = ensure_category_path(f"Bench {n // 8}::Area {n}")
        if n % 2:
            category.groups.set([groups[n % 4]])
        categories.append(category)
    texts = _texts()
    visibilities = ("internal", "external", "public")
    now = timezone.now()
    start = FIRST_NUMBER + FaqItem.objects.count()
    with transaction.atomic():
        items = []
        for n in range(count):
            language, subject, problem, answer = rng.choice(texts)
            values = {
                "title": f"{subject} ({n})",
                "keywords": " ".join(rng.sample(subject.split(), min(2, len(subject.split())))),
                "visibility": visibilities[n % 3],
                "language": language,
                "symptom": f"<p>{problem}</p>",
                "problem": f"<p>{problem}</p>",
                "solution": f"<p>{answer}</p>",
                "comment": "",
            }
            number = start + n
            words = search_words(values, number)
            items.append(
                FaqItem(
                    number=number,
                    category=rng.choice(categories),
                    created_by=author,
                    changed_by=author,
                    search_text=words,
                    published_at=now,
                    published_title=values["title"],
                    published_visibility=values["visibility"],
                    published_search="" if values["visibility"] == "internal" else words,
                    **values,
                )
            )
        FaqItem.objects.bulk_create(items, batch_size=1000)
        created = FaqItem.objects.filter(number__gte=start).order_by("number")
        versions = [
            FaqVersion(
                item=item,
                number=1,
                data={k: getattr(item, k) for k in VERSIONED_FIELDS},
                changed_fields=[],
                created_by=author,
            )
            for item in created
        ]
        FaqVersion.objects.bulk_create(versions, batch_size=1000)
        for version in FaqVersion.objects.filter(item__number__gte=start).only("pk", "item_id"):
            FaqItem.objects.filter(pk=version.item_id).update(published=version.pk)


def _time(call: Callable[[], Any], runs: int) -> tuple[list[float], list[int]]:
    timings, sizes = [], []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        timings.append(time.perf_counter() - started)
        sizes.append(len(result) if isinstance(result, list) else 0)
    return timings, sizes


def run(options: argparse.Namespace) -> Figures:
    from django.db import connection
    from django.test import Client

    from sportello.accounts import provisioning
    from sportello.accounts.models import Group, User
    from sportello.kb import selectors
    from sportello.kb.models import FaqItem
    from sportello.portal.models import FormFieldKind, RequestForm, RequestFormField
    from sportello.queues.models import Queue
    from sportello.tickets.models import Ticket
    from sportello.tickets.selectors import ticket_type_by_name

    figures: Figures = {}
    rng = random.Random(options.seed)
    if options.tickets:
        from bench.generate import Options
        from bench.generate import generate as generate_tickets

        generated = generate_tickets(Options(tickets=options.tickets, seed=options.seed))
        figures["generate_tickets_seconds"] = round(generated.seconds, 1)
    figures["tickets"] = Ticket.objects.count()
    missing = options.articles - FaqItem.objects.count()
    if missing > 0:
        started = time.perf_counter()
        generate(missing, rng)
        figures["generate_articles_seconds"] = round(time.perf_counter() - started, 1)
    figures["articles"] = FaqItem.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    agent, _created = User.objects.get_or_create(username="faq-bench-agent")
    for group in Group.objects.filter(name__startswith="faq-bench-")[:2]:
        provisioning.grant(group, "ro", agent=agent)
    form = RequestForm.objects.filter(slug="faq-bench").first()
    if form is None:
        form = RequestForm.objects.create(
            name="Bench", slug="faq-bench", ticket_type=ticket_type_by_name("Unclassified"),
            queue=Queue.objects.get(full_name="Raw"), allow_anonymous=True,
        )  # fmt: skip
        RequestFormField.objects.create(form=form, kind=FormFieldKind.TITLE, order=0)
        RequestFormField.objects.create(form=form, kind=FormFieldKind.DESCRIPTION, order=1)

    texts = _texts()
    one = [rng.choice(t[1].split()) for t in rng.sample(texts, 20)]
    two = [" ".join(t[1].split()[:2]) for t in rng.sample(texts, 20)]
    typed = [(t[1], t[2]) for t in rng.sample(texts, 20)]
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()

    def suggest_http(typed: tuple[str, str]) -> Any:
        response = client.get(
            "/portal/forms/faq-bench/suggestions/",
            {"title": typed[0], "description": typed[1]},
            secure=True,  # production settings redirect HTTP
        )
        if response.status_code != 200:
            raise SystemExit(f"suggestions answered {response.status_code}")
        return response

    def cycle(values: list[Any], call: Callable[[Any], Any]) -> Callable[[], Any]:
        state = {"n": 0}

        def next_call() -> Any:
            state["n"] += 1
            return call(values[state["n"] % len(values)])

        return next_call

    kinds: dict[str, Callable[[], Any]] = {
        "agent_one_word": cycle(one, lambda q: selectors.agent_search(agent, q)),
        "agent_two_words": cycle(two, lambda q: selectors.agent_search(agent, q)),
        "portal_search": cycle(
            one, lambda q: selectors.published_search(q, customer=True, languages=("de",))
        ),
        "suggestions": cycle(
            typed, lambda st: selectors.suggestions(f"{st[0]} {st[1]}", customer=False)
        ),
        "suggestions_http": cycle(typed, suggest_http),
    }
    for name, call in kinds.items():
        call()  # warm
        timings, sizes = _time(call, options.runs)
        figures[f"{name}_ms_median"] = round(statistics.median(timings) * 1000, 2)
        figures[f"{name}_ms_p95"] = round(percentile(timings, 95) * 1000, 2)
        if any(sizes):
            figures[f"{name}_hits_median"] = int(statistics.median(sizes))
    return figures


register(
    Workload(
        name="faq",
        help="FAQ search and request-form suggestions on --articles articles",
        add_arguments=add_arguments,
        run=run,
    )
)
