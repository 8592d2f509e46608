"""The feed parser's boundary matcher and line-end finder answer as the regular
expressions they replace."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from email import feedparser, message_from_bytes, policy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.mail import feedparser_patterns as patterns
from sportello.mail import parsing
from tests.mail.messages import mail

PIECES = ["--", "-", " ", "\t", "\r\n", "\r", "\n", "x", "=", "ä"]


def _expression(separator: str) -> str:
    # Written as email.feedparser writes it.
    return (
        "(?P<sep>" + re.escape(separator) + r")(?P<end>--)?(?P<ws>[ \t]*)"
        r"(?P<linesep>\r\n|\r|\n)?$"
    )


def _groups(found: object) -> tuple[str | None, ...] | None:
    if found is None:
        return None
    return tuple(found.group(name) for name in ("sep", "end", "ws", "linesep"))  # type: ignore[attr-defined]


@settings(max_examples=400, deadline=None)
@given(
    boundary=st.text(min_size=1, max_size=12),
    suffix=st.lists(st.sampled_from(PIECES), max_size=6),
    prefix=st.sampled_from(["", "-", " ", "x"]),
)
def test_the_matcher_answers_as_the_expression(
    boundary: str, suffix: list[str], prefix: str
) -> None:
    separator = "--" + boundary
    pattern = _expression(separator)
    assert patterns.boundary_separator(pattern) == separator
    matcher = patterns.BoundaryMatcher(separator, pattern)
    expression = re.compile(pattern)
    line = prefix + separator + "".join(suffix)
    assert _groups(matcher.match(line)) == _groups(expression.match(line)), repr(line)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(["\r\n", "\r", "\n", "x", " ", "ä"]), max_size=8))
def test_the_line_end_finder_answers_as_the_expression(text: list[str]) -> None:
    value = "".join(text)
    expected = re.compile(r"(\r\n|\r|\n)\Z").search(value)
    found = patterns.LineEndFinder().search(value)
    assert (found and (found.group(0), found.group(1))) == (
        expected and (expected.group(0), expected.group(1))
    ), repr(value)


def test_the_mail_app_installs_them_and_importing_does_not() -> None:
    # A fresh interpreter: importing the parser leaves the feed parser alone, setting up
    # Django (the mail app's ready()) installs the replacements.
    script = (
        "import re, django; from email import feedparser\n"
        "import sportello.mail.parsing\n"
        "assert feedparser.re is re, 'installed on import'\n"
        "django.setup()\n"
        "from sportello.mail import feedparser_patterns as p\n"
        "assert isinstance(feedparser.re, p._FeedParserRe), 'not installed by ready()'\n"
        "assert isinstance(feedparser.NLCRE_eol, p.LineEndFinder)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sportello.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_other_patterns_are_compiled_by_re() -> None:
    patterns.install()
    assert isinstance(feedparser.re.compile(_expression("--b=_1")), patterns.BoundaryMatcher)
    other = feedparser.re.compile(r"(?P<sep>--x)\s*$")
    assert isinstance(other, re.Pattern) and other.match("--x ")
    assert patterns.boundary_separator(_expression("--a") + "x") is None


def test_multipart_mail_parses_as_without_the_matcher(monkeypatch: Any) -> None:
    message = message_from_bytes(
        mail(attachments=[("bild.png", "image/png", b"\x89PNG" * 3000)]), policy=policy.default
    )
    body = message.get_body()
    assert body is not None
    body.add_alternative("<p>Hallo</p>", subtype="html")  # nested: mixed > alternative
    raw = message.as_bytes() + b"\r\nepilogue\r\n"
    parsed = message_from_bytes(raw, policy=policy.compat32)
    monkeypatch.setattr(feedparser, "re", re)
    monkeypatch.setattr(feedparser, "NLCRE_eol", re.compile(r"(\r\n|\r|\n)\Z"))
    plain = message_from_bytes(raw, policy=policy.compat32)
    assert [p.get_content_type() for p in parsed.walk()] == [
        p.get_content_type() for p in plain.walk()
    ]
    assert [p.get_payload(decode=True) for p in parsed.walk() if not p.is_multipart()] == [
        p.get_payload(decode=True) for p in plain.walk() if not p.is_multipart()
    ]
    assert (parsed.preamble, parsed.epilogue) == (plain.preamble, plain.epilogue)
    assert len(parsed.get_payload()) > 1


def _parsed(raw: bytes) -> tuple[object, ...]:
    message = parsing.parse_message(raw)
    return (
        message.headers,
        message.body_text,
        message.body_html,
        [(a.filename, a.content_type, a.content_id, a.inline, a.data) for a in message.attachments],
        message.defects,
    )


def test_the_corpus_parses_as_without_the_replacements(monkeypatch: Any) -> None:
    """Real-world mail (the OTRS family's parser samples, when present): the same result."""
    from tests.mail.test_parsing import CORPUS

    if not CORPUS.exists():
        pytest.skip(f"mail corpus not present at {CORPUS}")
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".box", ".eml"))
    samples = [mail(attachments=[("a.bin", "application/octet-stream", bytes(range(256)) * 80)])]
    raws = [p.read_bytes() for p in files] + samples
    replaced = [_parsed(raw) for raw in raws]
    monkeypatch.setattr(feedparser, "re", re)
    monkeypatch.setattr(feedparser, "NLCRE_eol", re.compile(r"(\r\n|\r|\n)\Z"))
    assert [_parsed(raw) for raw in raws] == replaced
    assert len(files) > 50
