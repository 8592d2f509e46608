"""The query parser: what agents type becomes a tree; nothing they type breaks it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sportello.search import query
from sportello.search.query import And, EmptyQuery, Not, Or, Term
from sportello.search.text import normalize, words


def test_words_fold_case_accents_and_sharp_s() -> None:
    assert words("Jürgen MÜLLER, Straße; città è") == ["jurgen", "muller", "strasse", "citta", "e"]
    assert normalize("j.mueller@uni-example.de") == "j mueller uni example de"


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("drucker", Term(("drucker",))),
        ("Drucker Büro", And((Term(("drucker",)), Term(("buro",))))),
        ('"wlan kaputt"', Term(("wlan", "kaputt"))),
        ("drucker OR printer", Or((Term(("drucker",)), Term(("printer",))))),
        ("drucker | printer", Or((Term(("drucker",)), Term(("printer",))))),
        ("wlan NOT hörsaal", And((Term(("wlan",)), Not(Term(("horsaal",)))))),
        ("wlan -hörsaal", And((Term(("wlan",)), Not(Term(("horsaal",)))))),
        ("a AND b", And((Term(("a",)), Term(("b",))))),
        ("print*", Term(("print",), prefix=True)),
        ("(a OR b) c", And((Or((Term(("a",)), Term(("b",)))), Term(("c",))))),
        # Lower-case operators are words; addresses become phrases.
        ("or not", And((Term(("or",)), Term(("not",))))),
        ("max@example.org", Term(("max", "example", "org"))),
        # Forgiving: unbalanced quotes and parentheses, dangling operators.
        ('"wlan kaputt', Term(("wlan", "kaputt"))),
        ("(a OR b", Or((Term(("a",)), Term(("b",))))),
        ("a) OR", Term(("a",))),
        ("OR a NOT", Term(("a",))),
    ],
)
def test_parse(text: str, tree: query.Node) -> None:
    assert query.parse(text) == tree


@pytest.mark.parametrize("text", ["", "   ", "OR AND NOT", '""', "()", "-", "*", "!!! ???"])
def test_a_query_without_words_is_refused_with_a_message(text: str) -> None:
    with pytest.raises(EmptyQuery) as raised:
        query.parse(text)
    assert "no searchable word" in str(raised.value)


def test_fts5_strings_quote_every_word() -> None:
    tree = query.parse('wlan "kaputt nicht" NOT drucker OR print*')
    assert query.fts5(tree) == '((("wlan" AND "kaputt nicht") NOT ("drucker")) OR "print"*)'
    assert query.fts5(query.parse("NOT drucker")) is None
    assert query.fts5(query.parse("a OR NOT b")) is None


@given(st.text(max_size=80))
def test_any_input_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        tree = query.parse(text)
    except EmptyQuery:
        return
    match = query.fts5(tree)
    if match is not None:
        # Every word sits inside an FTS5 string: a quote cannot escape it.
        assert match.count('"') % 2 == 0
