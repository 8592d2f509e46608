"""Every catalog is complete: no untranslated and no fuzzy entry in de and it, and
every string the code and the templates mark for translation is in both catalogs."""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

LOCALES = ("de", "it")
PACKAGE = Path(settings.PACKAGE_DIR)
# Django's gettext functions and their arguments (message, plural, context).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
Key = tuple[str | None, str]


def _messages(code: bytes) -> Iterator[Key]:
    for _line, message, _comments, context in extract(
        "python", io.BytesIO(code), keywords=KEYWORDS, comment_tags=()
    ):
        text = message if isinstance(message, str) else message[0]
        if text:
            yield context, text


@cache
def source_messages() -> dict[Key, str]:
    """What makemessages would extract: each message with the first file using it."""
    found: dict[Key, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for key in _messages(path.read_bytes()):
            found.setdefault(key, str(path.relative_to(PACKAGE)))
    for path in sorted(PACKAGE.glob("*/templates/**/*.*")):
        # templatize keeps the layout (text blanked out); the Python tokenizer would
        # trip over its indentation, which carries no meaning here.
        code = "\n".join(
            line.lstrip() for line in templatize(path.read_text(), origin=str(path)).splitlines()
        ).encode()
        for key in _messages(code):
            found.setdefault(key, str(path.relative_to(PACKAGE)))
    return found


@cache
def catalog_keys(locale: str) -> frozenset[Key]:
    with catalog_path(locale).open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return frozenset(
        (m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id
    )


def catalog_path(locale: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / locale / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete(locale: str) -> None:
    with catalog_path(locale).open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    untranslated = [
        str(m.id) for m in catalog if m.id and not (all(m.string) if m.pluralizable else m.string)
    ]
    fuzzy = [str(m.id) for m in catalog if m.id and m.fuzzy]
    assert untranslated == [], f"{locale}: untranslated entries"
    assert fuzzy == [], f"{locale}: fuzzy entries"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_string_is_in_the_catalog(locale: str) -> None:
    """A string marked in the code but missing from the catalog is untranslated too."""
    known = catalog_keys(locale)
    missing = [
        f"{where}: {text!r}" + (f" (context {context!r})" if context else "")
        for (context, text), where in source_messages().items()
        if (context, text) not in known
    ]
    assert missing == [], f"{locale}: {len(missing)} strings not in the catalog"


def test_the_extraction_sees_code_and_templates() -> None:
    messages = source_messages()
    assert (None, "Preferences") in messages  # a template
    assert (None, "Give both the first and the last day of absence, or neither.") in messages
    assert messages[(None, "Log in to My requests")].startswith("portal/templates")


@pytest.mark.parametrize(
    ("locale", "english", "expected"),
    [
        ("de", "Queue", "Queue"),
        ("de", "Owner", "Besitzer"),
        ("it", "Owner", "Proprietario"),
        ("de", "closed successful", "erfolgreich geschlossen"),
        ("it", "closed successful", "chiuso con successo"),
    ],
)
def test_compiled_catalogs_are_used(locale: str, english: str, expected: str) -> None:
    with translation.override(locale):
        assert translation.gettext(english) == expected
