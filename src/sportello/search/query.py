"""The agent's full-text query: a small, forgiving parser and its two compilers.

Syntax: words (all must occur), ``"a phrase"``, ``OR`` (or ``|``), ``NOT`` (or a leading
``-``), parentheses, and ``word*`` for a prefix. ``AND`` may be written but is implied.
Operators are recognized in capitals only, so ``or`` and ``not`` stay searchable words.
Malformed input never fails: unbalanced quotes and parentheses are closed, dangling
operators ignored. Only a query without a single searchable word is refused.

The parsed tree is compiled to PostgreSQL ``tsquery`` objects (built with Django's
``SearchQuery``, every word a bound parameter) or to an FTS5 ``MATCH`` string in which
every word is a quoted FTS5 string, so no input can change the query's syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from django.utils.translation import gettext_lazy as _

from sportello.core.errors import InvalidInput
from sportello.search.text import words

if TYPE_CHECKING:
    from django.contrib.postgres.search import SearchQuery


@dataclass(frozen=True)
class Term:
    """One word or a phrase (several words in this order); ``prefix``: last word is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Union[Term, Not, And, Or]  # noqa: UP007 (a runtime alias used before the classes)

_TOKEN = re.compile(r'"[^"]*"?|\(|\)|\|\||\||&&|[^\s()"|]+')
_OPERATORS = {"OR", "|", "||", "AND", "&&", "NOT"}


class EmptyQuery(InvalidInput):
    pass


def parse(text: str) -> Node:
    """Parse the agent's query; raises :class:`EmptyQuery` when nothing is searchable."""
    node = _Parser(_TOKEN.findall(text)).parse()
    if node is None:
        raise EmptyQuery(_("The full-text query contains no searchable word."))
    return node


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Node | None:
        nodes = []
        # A stray ")" ends the inner loop early; skip it and go on.
        while self.peek() is not None:
            node = self.parse_or()
            if node is not None:
                nodes.append(node)
            if self.peek() == ")":
                self.pos += 1
        return _and(nodes)

    def parse_or(self) -> Node | None:
        alternatives = [self.parse_and()]
        while self.peek() in ("OR", "|", "||"):
            self.pos += 1
            alternatives.append(self.parse_and())
        present = [node for node in alternatives if node is not None]
        if not present:
            return None
        return present[0] if len(present) == 1 else Or(tuple(present))

    def parse_and(self) -> Node | None:
        nodes = []
        while (item := self.peek()) is not None and item not in ("OR", "|", "||", ")"):
            if item in ("AND", "&&"):
                self.pos += 1
                continue
            node = self.parse_unary()
            if node is not None:
                nodes.append(node)
        return _and(nodes)

    def parse_unary(self) -> Node | None:
        item = self.peek()
        if item == "NOT" or (item is not None and item.startswith("-") and item != "-"):
            if item == "NOT":
                self.pos += 1
            else:
                self.tokens[self.pos] = item[1:]
            child = self.parse_unary()
            return Not(child) if child is not None else None
        return self.parse_primary()

    def parse_primary(self) -> Node | None:
        item = self.peek()
        if item is None:
            return None
        self.pos += 1
        if item == "(":
            node = self.parse_or()
            if self.peek() == ")":
                self.pos += 1
            return node
        if item in _OPERATORS:
            return None
        if item.startswith('"'):
            found = words(item.strip('"'))
            return Term(tuple(found)) if found else None
        found = words(item)
        if not found:
            return None
        return Term(tuple(found), prefix=item.endswith("*"))


def _and(nodes: list[Node]) -> Node | None:
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else And(tuple(nodes))


# Compilation. Both backends follow one rule for NOT: inside an AND with at least one
# positive part it is native (FTS5 "a NOT b", tsquery "a & !b"); anywhere else the
# caller excludes the tickets the negated part matches, so a ticket without any text
# counts as "not containing" a word on both databases alike.


def positive_and_negative(node: And) -> tuple[list[Node], list[Node]]:
    positive: list[Node] = [child for child in node.children if not isinstance(child, Not)]
    negative = [child.child for child in node.children if isinstance(child, Not)]
    return positive, negative


def fts5(node: Node) -> str | None:
    """The FTS5 MATCH expression for ``node``, or None when FTS5 cannot say it alone."""
    if isinstance(node, Term):
        quoted = '"' + " ".join(node.words).replace('"', '""') + '"'
        return quoted + "*" if node.prefix else quoted
    if isinstance(node, Not):
        return None
    if isinstance(node, Or):
        parts = [fts5(child) for child in node.children]
        if any(part is None for part in parts):
            return None
        return "(" + " OR ".join(p for p in parts if p) + ")"
    positive, negative = positive_and_negative(node)
    pos = [fts5(child) for child in positive]
    neg = [fts5(child) for child in negative]
    if not pos or any(p is None for p in pos) or any(n is None for n in neg):
        return None
    expression = "(" + " AND ".join(p for p in pos if p) + ")"
    if neg:
        expression = "(" + expression + " NOT (" + " OR ".join(n for n in neg if n) + "))"
    return expression


def tsquery(node: Node, config: str) -> SearchQuery | None:
    """The PostgreSQL query for ``node``, or None when it needs the caller's exclusion."""
    from django.contrib.postgres.search import SearchQuery

    if isinstance(node, Term):
        if node.prefix:
            # Words are letters and digits only (text.words), safe inside a raw tsquery.
            *head, last = node.words
            raw = " <-> ".join([*(f"'{w}'" for w in head), f"'{last}':*"])
            return SearchQuery(raw, config=config, search_type="raw")
        return SearchQuery(" ".join(node.words), config=config, search_type="phrase")
    if isinstance(node, Not):
        return None
    if isinstance(node, Or):
        parts = [tsquery(child, config) for child in node.children]
        if any(part is None for part in parts):
            return None
        return _combine(parts, "|")
    positive, negative = positive_and_negative(node)
    pos = [tsquery(child, config) for child in positive]
    neg = [tsquery(child, config) for child in negative]
    if not pos or any(p is None for p in pos) or any(n is None for n in neg):
        return None
    result = _combine(pos, "&")
    for part in neg:
        result = result & ~part  # type: ignore[operator]
    return result


def _combine(parts: list[Any], operator: str) -> Any:
    result = parts[0]
    for part in parts[1:]:
        result = (result & part) if operator == "&" else (result | part)
    return result
