"""One suite for both full-text backends (run on SQLite and on PostgreSQL).

The expected tickets come from the corpus texts: every query is also answered by a
plain-Python reading of the parsed query over each ticket's words, and the database
(FTS5 or tsvector) must return exactly those tickets. Both backends agreeing with the
same reading is what makes them interchangeable. PostgreSQL runs with the ``simple``
configuration here; stemming with a language configuration is tested separately.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sportello.accounts.models import User
from sportello.search import query
from sportello.search.index import index_tickets, ticket_texts
from sportello.search.services import Criteria, search_tickets
from sportello.tickets.models import Ticket
from tests.conftest import postgres_only

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _simple_config(settings: Any) -> None:
    settings.SPORTELLO_SEARCH_CONFIG = "simple"


def found(agent: User, text: str) -> set[int]:
    return set(search_tickets(agent, Criteria(fulltext=text)).values_list("pk", flat=True))


def expected(text: str, tickets: list[Ticket]) -> set[int]:
    tree = query.parse(text)
    documents = ticket_texts([t.pk for t in tickets])
    return {t.pk for t in tickets if _matches(tree, documents[t.pk].split())}


def _matches(node: query.Node, words: list[str]) -> bool:
    if isinstance(node, query.Term):
        n = len(node.words)
        for i in range(len(words) - n + 1):
            window = words[i : i + n]
            if node.prefix:
                if window[:-1] == list(node.words[:-1]) and window[-1].startswith(node.words[-1]):
                    return True
            elif window == list(node.words):
                return True
        return False
    if isinstance(node, query.Not):
        return not _matches(node.child, words)
    if isinstance(node, query.And):
        return all(_matches(child, words) for child in node.children)
    return any(_matches(child, words) for child in node.children)


CASES: list[tuple[str, set[str]]] = [
    ("drucker", {"drucker"}),
    ("Drucker", {"drucker"}),
    # Umlauts, accents and ß match with and without them.
    ("Müller", {"drucker"}),
    ("muller", {"drucker"}),
    ("MUELLER", {"drucker"}),  # in the address j.mueller@…
    ("Hörsaal", {"wlan"}),
    ("horsaal", {"wlan"}),
    ("strasse", {"wlan"}),
    ("Straße", {"wlan"}),
    ("graß", {"passwort"}),
    ("citta", {"stampante"}),
    ("Città perché", {"stampante"}),
    ("zurucksetzen", {"passwort"}),
    # Every article counts: the note on the printer ticket mentions the WLAN.
    ("wlan kaputt", {"drucker", "wlan"}),
    ('"wlan kaputt"', {"wlan"}),
    ('"kaputt wlan"', set()),
    ("drucker OR printer", {"drucker", "printer"}),
    ("wlan NOT hörsaal", {"drucker"}),
    ("wlan -hörsaal", {"drucker"}),
    ("(drucker OR printer) papierstau", {"drucker"}),
    ("print*", {"printer"}),
    ("stamp* OR passw*", {"stampante", "passwort"}),
    # No stemming on either backend with "simple": "printing" is its own word.
    ("printers", set()),
    ("printing", {"printer"}),
    # Addresses (from, cc) and attachment names.
    ("luca@unito.example.it", {"stampante"}),
    ("unito", {"stampante"}),
    ("helpdesk@example.org", {"printer"}),
    ("fehlerbild", {"wlan"}),
    ('"anleitung passwort pdf"', {"passwort"}),
    ("png", {"wlan"}),
    ("nichtvorhanden", set()),
]


def test_queries_find_the_same_tickets_on_every_backend(
    agent: User, corpus: dict[str, Ticket]
) -> None:
    # One corpus for all cases (building it is the slow part); every wrong case is listed.
    names = {t.pk: key for key, t in corpus.items()}
    wrong = []
    for text, keys in CASES:
        result = found(agent, text)
        if result != {corpus[key].pk for key in keys} or result != expected(
            text, list(corpus.values())
        ):
            wrong.append((text, sorted(names[pk] for pk in result), sorted(keys)))
    assert wrong == []


def test_not_alone_finds_every_other_ticket(agent: User, corpus: dict[str, Ticket]) -> None:
    others = {t.pk for key, t in corpus.items() if key not in ("drucker", "wlan")}
    assert found(agent, "NOT wlan") == others
    assert found(agent, "-wlan") == others
    assert found(agent, "printer OR NOT wlan") == others


VOCABULARY = [
    "drucker", "Drucker", "wlan", "WLAN", "kaputt", "müller", "Muller", "strasse", "Straße",
    "citta", "città", "printer", "printing", "broken", "passwort", "das", "im", "nicht",
    "the", "is", "la", "e", "è", "fehlerbild", "png", "example", "org", "absent", "2", "5",
]  # fmt: skip
TOKENS = st.sampled_from(VOCABULARY)
PIECES = st.one_of(
    TOKENS,
    TOKENS.map(lambda w: w[:3] + "*"),
    st.lists(TOKENS, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"'),
    st.sampled_from(["OR", "NOT", "AND", "(", ")", "-", '"', "|", "*", "'", ";", "--", "\\"]),
    TOKENS.map(lambda w: "-" + w),
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(PIECES, min_size=1, max_size=7).map(" ".join))
def test_random_queries_agree_with_the_reading_of_the_query(
    agent: User, corpus: dict[str, Ticket], text: str
) -> None:
    try:
        want = expected(text, list(corpus.values()))
    except query.EmptyQuery:
        with pytest.raises(query.EmptyQuery):
            found(agent, text)
        return
    assert found(agent, text) == want


def test_reindexing_is_idempotent(agent: User, corpus: dict[str, Ticket]) -> None:
    before = found(agent, "wlan OR stampante")
    assert index_tickets([t.pk for t in corpus.values()]) == len(corpus)
    assert found(agent, "wlan OR stampante") == before


@postgres_only
def test_postgres_language_configuration_stems(
    agent: User, corpus: dict[str, Ticket], settings: Any
) -> None:
    """With english (or german, italian) PostgreSQL also finds inflected forms, which
    SQLite does not: the documented difference between the backends."""
    settings.SPORTELLO_SEARCH_CONFIG = "english"
    index_tickets([t.pk for t in corpus.values()])
    assert found(agent, "printers") == {corpus["printer"].pk}
    settings.SPORTELLO_SEARCH_CONFIG = "german"
    index_tickets([t.pk for t in corpus.values()])
    assert found(agent, "Druckers") == {corpus["drucker"].pk}


@pytest.mark.parametrize("window", [1, 2, 3])
def test_pages_looked_for_among_the_newest_first_are_the_same(
    agent: User, corpus: dict[str, Ticket], monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    from django.db import connection

    from sportello.search import services

    monkeypatch.setattr(services, "RECENT_WINDOW", window)
    for text in ("WLAN", "drucker OR printer", "NOT wlan", "xyzzy", "passwort", "-drucker"):
        criteria = services.Criteria(fulltext=text)
        tickets = services.search_tickets(agent, criteria)
        recent = functools.partial(services.search_tickets, agent, criteria)
        for per_page in (1, 2, 3):
            for number in (1, 2, 3):
                plain = services.search_page(tickets, number, per_page)
                looked = services.search_page(tickets, number, per_page, recent=recent)
                assert [t.pk for t in looked.rows] == [t.pk for t in plain.rows], (text, number)
                assert (looked.count, looked.number) == (plain.count, plain.number)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the walk's planner setting was set back
            cursor.execute("SHOW enable_bitmapscan")
            assert cursor.fetchone() == ("on",)


def test_the_walk_setting_is_taken_back_after_an_error(corpus: dict[str, Ticket]) -> None:
    from django.db import connection

    from sportello.search import services

    with pytest.raises(ZeroDivisionError), services._walking():
        _ = 1 / 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_bitmapscan")
            assert cursor.fetchone() == ("on",)
    assert Ticket.objects.count() == len(corpus)  # the transaction goes on


@pytest.mark.django_db(transaction=True)
def test_the_walk_setting_ends_with_its_own_transaction() -> None:
    """Outside a transaction (a request) the walk's block commits and the setting ends."""
    from django.db import connection

    from sportello.search import services

    with services._walking():
        pass
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_bitmapscan")
            assert cursor.fetchone() == ("on",)
