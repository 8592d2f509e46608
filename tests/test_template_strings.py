"""No user-visible text in a template outside the translation tags.

Each template under ``src/sportello/**/templates`` is split by Django's own lexer; the
text outside ``{% translate %}``, ``{% blocktranslate %}``…``{% endblocktranslate %}`` and
comments is parsed as HTML, and every text node and user-visible attribute (title,
placeholder, alt, aria-label) must hold nothing but whitespace, punctuation, digits and
template variables or tags. Plain-text mail templates are checked the same way.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

TEMPLATES = sorted(Path(settings.PACKAGE_DIR).glob("*/templates/**/*.*"))
VISIBLE_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
# Text that is the same in every language (brand or product names); keep it short.
ALLOWED: set[str] = set()
HOLE = "\ufffc"  # stands for a template variable or tag
LETTER = re.compile(r"[^\W\d_]")
# Attributes written by a block outside their tag (``{% block body_attrs %}``).
ATTRIBUTE_FRAGMENT = re.compile(r"""(?:[\w:-]+=["']?[^"'<>\s]*["']?\s*)+""")
SKIPPED_BLOCKS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}


def untranslated_source(source: str) -> str:
    """The template text outside translation tags and comments, tags as holes."""
    parts: list[str] = []
    closing = ""
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split(maxsplit=1)[0] if token.contents else ""
            if closing:
                if name == closing:
                    closing = ""
                continue
            if name in SKIPPED_BLOCKS:
                closing = SKIPPED_BLOCKS[name]
            parts.append(HOLE)
        elif closing:
            continue
        elif token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.VAR:
            parts.append(HOLE)
    return "".join(parts)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._raw = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._raw += 1
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self._check(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._raw:
            self._raw -= 1

    def handle_data(self, data: str) -> None:
        if not self._raw:
            self._check(data)

    def _check(self, text: str) -> None:
        for piece in text.split(HOLE):
            piece = piece.strip()
            if not _visible(piece):
                continue
            if not ATTRIBUTE_FRAGMENT.fullmatch(piece):
                self.found.append(piece)


def _visible(piece: str) -> bool:
    return bool(LETTER.search(piece)) and piece not in ALLOWED


def untranslated_strings(source: str, *, html: bool = True) -> list[str]:
    text = untranslated_source(source)
    if not html:
        return [p.strip() for p in text.split(HOLE) if _visible(p.strip())]
    collector = _TextCollector()
    collector.feed(text)
    collector.close()
    return collector.found


@pytest.mark.parametrize(
    "path", TEMPLATES, ids=[str(p.relative_to(settings.PACKAGE_DIR)) for p in TEMPLATES]
)
def test_template_has_no_untranslated_text(path: Path) -> None:
    found = untranslated_strings(path.read_text(), html=path.suffix == ".html")
    assert found == [], f"{path.name}: wrap these in {{% translate %}}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<p>{% translate "Hello" %}</p>', []),
        ("<p>Hello</p>", ["Hello"]),
        ("<p>{{ count }} tickets</p>", ["tickets"]),
        ("{% blocktranslate %}{{ n }} tickets{% endblocktranslate %}", []),
        ("<p>{{ a }} · {{ b }} \u2013 3 (42)</p>", []),
        ('<a title="Open">{% translate "x" %}</a>', ["Open"]),
        ('<a href="/x" class="open">1</a>', []),
        ("{# a note #}{% comment %}draft text{% endcomment %}", []),
        ("<p>{% if x %}Ja{% endif %}</p>", ["Ja"]),
        ("<script>var a = 'b';</script>", []),
        ('{% block attrs %} data-refresh="{{ n }}"{% endblock %}', []),
        ("{% block attrs %} Refresh: {{ n }}{% endblock %}", ["Refresh:"]),
    ],
)
def test_the_check_itself(source: str, expected: list[str]) -> None:
    assert untranslated_strings(source) == expected


def test_the_allowlist_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.ALLOWED", {"Excel"})
    assert untranslated_strings("<p>Excel</p><p>Word</p>") == ["Word"]


def test_templates_are_found() -> None:
    names = {p.name for p in TEMPLATES}
    assert {"base.html", "ticket.html", "search.html", "login_link.txt"} <= names
