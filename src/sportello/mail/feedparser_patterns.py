r"""Two patterns of the stdlib feed parser, matched by string operations instead.

- For every multipart it meets, ``email.feedparser`` compiles the regular expression
  ``(?P<sep>--BOUNDARY)(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$``. A mail's
  boundaries are unique, so ``re``'s cache never helps: every multipart message pays for
  a compile in pure Python (more than a tenth of a millisecond each).
- After each part it looks for the line end that belongs to the next boundary with
  ``(\r\n|\r|\n)\Z``, which ``search`` tries at every position of the part: a scan of
  the whole payload (a 500 KiB attachment is scanned to find its last two bytes).

:func:`install` gives the feed parser a ``re`` whose ``compile`` returns an equivalent
matcher for exactly the boundary pattern (every other pattern goes to ``re``; a Python
whose parser writes it differently just compiles as before), and a line-end finder that
looks at the end alone. ``tests/mail/test_feedparser_patterns.py`` checks both against
the expressions they replace.
"""

from __future__ import annotations

import re
from email import feedparser
from typing import Any

_PREFIX = "(?P<sep>"
_SUFFIX = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_LINE_ENDS = ("\r\n", "\r", "\n")


class BoundaryMatch:
    """The groups the feed parser reads of a match."""

    __slots__ = ("_groups",)

    def __init__(self, sep: str, end: str | None, ws: str, linesep: str | None) -> None:
        self._groups = {"sep": sep, "end": end, "ws": ws, "linesep": linesep}

    def group(self, name: str) -> str | None:
        return self._groups[name]


class BoundaryMatcher:
    """``re.compile(_PREFIX + re.escape(separator) + _SUFFIX)``, as string operations."""

    __slots__ = ("pattern", "separator")

    def __init__(self, separator: str, pattern: str) -> None:
        self.separator = separator
        self.pattern = pattern

    def match(self, line: str) -> BoundaryMatch | None:
        separator = self.separator
        if not line.startswith(separator):
            return None
        start = len(separator)
        # The optional "--" is tried first, as the greedy group is; without it the rest
        # would start with "-", which neither blanks nor a line end can match.
        end = "--" if line.startswith("--", start) else None
        position = start + (2 if end else 0)
        blanks_end = position
        while blanks_end < len(line) and line[blanks_end] in " \t":
            blanks_end += 1
        rest = line[blanks_end:]
        # "$" matches at the end, or before a line feed that ends the string.
        for linesep in _LINE_ENDS:
            if rest.startswith(linesep) and rest[len(linesep) :] in ("", "\n"):
                return BoundaryMatch(separator, end, line[position:blanks_end], linesep)
        if rest in ("", "\n"):
            return BoundaryMatch(separator, end, line[position:blanks_end], None)
        return None


def boundary_separator(pattern: str) -> str | None:
    """The separator of a feed-parser boundary pattern, or None for any other pattern."""
    if not (pattern.startswith(_PREFIX) and pattern.endswith(_SUFFIX)):
        return None
    escaped = pattern[len(_PREFIX) : -len(_SUFFIX)]
    separator = _ESCAPED.sub(r"\1", escaped)
    return separator if re.escape(separator) == escaped else None


class _FeedParserRe:
    """The ``re`` module as the feed parser sees it after :func:`install`."""

    def compile(self, pattern: Any, flags: int = 0) -> Any:
        if isinstance(pattern, str) and not flags:
            separator = boundary_separator(pattern)
            if separator is not None:
                return BoundaryMatcher(separator, pattern)
        return re.compile(pattern, flags)

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)


class LineEndMatch:
    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    def group(self, number: int = 0) -> str:
        if number not in (0, 1):
            raise IndexError("no such group")
        return self._text


class LineEndFinder:
    r"""``re.compile(r"(\r\n|\r|\n)\Z").search``, looking at the end of the string only."""

    pattern = r"(\r\n|\r|\n)\Z"

    def search(self, text: str) -> LineEndMatch | None:
        for ending in _LINE_ENDS:
            if text.endswith(ending):
                return LineEndMatch(ending)
        return None


def install() -> None:
    """Idempotent; affects only ``email.feedparser``."""
    parser: Any = feedparser  # its module globals are not in the type stubs
    if not isinstance(parser.re, _FeedParserRe):
        parser.re = _FeedParserRe()
    if getattr(parser.NLCRE_eol, "pattern", None) == LineEndFinder.pattern:
        parser.NLCRE_eol = LineEndFinder()
