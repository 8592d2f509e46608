"""Every catalog is complete: no untranslated and no fuzzy entry in de and it."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation

LOCALES = ("de", "it")


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
