"""Text normalization shared by the index and the query parser.

Both backends see the same words: Python splits the text into words (letters and
digits), case-folds them (``ß`` becomes ``ss``) and strips accents (``ü`` becomes
``u``, ``è`` becomes ``e``) before PostgreSQL's ``to_tsvector`` or SQLite's FTS5
tokenizer get it. So ``Müller``, ``MULLER`` and ``muller`` are one word everywhere,
and punctuation (addresses, hyphens) splits words the same way on both databases.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The normalized words of ``text``, in order."""
    return WORD.findall(fold(text))


def normalize(text: str) -> str:
    return " ".join(words(text))
