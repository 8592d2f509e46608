"""A readable plain-text rendering of HTML mail (for HTML-only messages and search)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {
    "address", "article", "aside", "blockquote", "div", "dl", "dt", "dd", "fieldset",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}  # fmt: skip
SKIPPED = {"script", "style", "head", "title", "template", "noscript"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.quote = 0
        self.pre = 0
        self.links: list[str] = []
        # Open lists: None for a bulleted one, else the next number of a numbered one.
        self.lists: list[int | None] = []
        self.marker = ""
        self.cells = 0

    def _break(self) -> None:
        text = "".join(self.current)
        self.marker = ""
        if not self.pre:
            text = re.sub(r"[ \t\r\n\f\u00a0]+", " ", text).strip()
        prefix = "> " * self.quote
        for line in text.split("\n") if text else [""]:
            self.lines.append(prefix + line if line else prefix.rstrip())
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skip += 1
        elif tag == "br":
            self._break()
        elif tag == "p" and self.cells:
            pass  # a table cell's paragraphs stay on the row's line
        elif tag in BLOCKS:
            # A paragraph inside a list item continues the item's line.
            if "".join(self.current).strip() and "".join(self.current) != self.marker:
                self._break()
            if tag == "blockquote":
                self.quote += 1
            elif tag == "pre":
                self.pre += 1
            elif tag in ("ul", "ol"):
                self.lists.append(1 if tag == "ol" else None)
            elif tag == "li":
                number = self.lists[-1] if self.lists else None
                if number is not None:
                    self.lists[-1] = number + 1
                indent = "  " * max(0, len(self.lists) - 1)
                self.marker = indent + (f"{number}. " if number is not None else "- ")
                self.current = [self.marker]
            elif tag == "hr":
                self.current.append("-" * 20)
                self._break()
        elif tag in ("td", "th"):
            self.cells += 1
            if "".join(self.current).strip():
                self.current.append(" | ")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.current.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
        elif tag in ("td", "th"):
            self.cells = max(0, self.cells - 1)
        elif tag == "p" and self.cells:
            pass
        elif tag in BLOCKS:
            if "".join(self.current).strip() or tag in ("p", "pre"):
                self._break()
            # A blank line after a block, but not between the items of a list.
            outer = len(self.lists) <= (1 if tag in ("ul", "ol") else 0)
            if tag in ("p", "table", "ul", "ol", "blockquote") and not self.quote and outer:
                self.lines.append("")
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag in ("ul", "ol") and self.lists:
                self.lists.pop()
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag == "a" and self.links:
            href = self.links.pop()
            text = "".join(self.current)
            if href.startswith(("http://", "https://")) and href not in text:
                self.current.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)

    def text(self) -> str:
        self._break()
        result = "\n".join(self.lines)
        result = re.sub(r"\n{3,}", "\n\n", result)
        return result.strip("\n")


def html_to_text(html: str) -> str:
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # malformed markup: keep what was read
        pass
    return parser.text()
