"""``sportello faq import`` / ``export``: the documented JSON format, idempotent by
number, all or nothing, clear errors."""

from __future__ import annotations

import base64
import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sportello.accounts.models import Group
from sportello.kb.models import Category, FaqItem

PNG = b"\x89PNG\r\n\x1a\nfake"
FILE: dict[str, Any] = {
    "format": "sportello-faq",
    "version": 1,
    "categories": [
        {"name": "Network::WLAN", "comment": "Wireless", "valid": True, "groups": ["faq-network"]}
    ],
    "articles": [
        {
            "number": 2001,
            "title": "WLAN geht nicht",
            "category": "Network::WLAN",
            "visibility": "public",
            "language": "de",
            "translation_of": 2000,
            "solution": "<p>Profil installieren</p>",
        },
        {
            "number": 2000,
            "title": "WLAN does not work",
            "category": "Network::WLAN",
            "visibility": "public",
            "language": "en",
            "keywords": "eduroam wifi",
            "solution": '<p>Install the profile</p><img src="cid:shot.png">',
            "attachments": [
                {
                    "filename": "shot.png",
                    "content_type": "image/png",
                    "content_id": "shot.png",
                    "inline": True,
                    "content_base64": base64.b64encode(PNG).decode(),
                }
            ],
        },
    ],
}


def _run(tmp_path: Path, data: Any, *, raw: str | None = None) -> str:
    path = tmp_path / "faq.json"
    path.write_text(raw if raw is not None else json.dumps(data))
    out = io.StringIO()
    call_command("faq", "import", str(path), stdout=out)
    return out.getvalue()


def test_import_is_idempotent_by_number(
    tmp_path: Path, faq_group: Group, keep_connections: None
) -> None:
    assert "created 2, updated 0, unchanged 0" in _run(tmp_path, FILE)
    english = FaqItem.objects.get(number=2000)
    german = FaqItem.objects.get(number=2001)
    assert german.original == english
    assert english.attachments.get().file.read() == PNG
    assert not english.pending and english.published is not None
    category = Category.objects.get(full_name="Network::WLAN")
    assert list(category.groups.values_list("name", flat=True)) == ["faq-network"]
    assert "created 0, updated 0, unchanged 2" in _run(tmp_path, FILE)
    assert english.attachments.count() == 1 and english.versions.count() == 1
    changed = copy.deepcopy(FILE)
    changed["articles"][1]["title"] = "WLAN is broken"
    assert "created 0, updated 1, unchanged 1" in _run(tmp_path, changed)
    english.refresh_from_db()
    assert english.title == "WLAN is broken" and english.version == 2


def test_export_round_trip(tmp_path: Path, faq_group: Group, keep_connections: None) -> None:
    _run(tmp_path, FILE)
    out = io.StringIO()
    call_command("faq", "export", stdout=out)
    exported = json.loads(out.getvalue())
    assert exported["format"] == "sportello-faq"
    by_number = {a["number"]: a for a in exported["articles"]}
    assert by_number[2001]["translation_of"] == 2000
    attachment = by_number[2000]["attachments"][0]
    assert base64.b64decode(attachment["content_base64"]) == PNG
    assert "unchanged 2" in _run(tmp_path, exported)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(format="otrs"), "no Sportello FAQ file"),
        (lambda d: d.update(version=9), "Unsupported FAQ file version"),
        (lambda d: d["articles"][1].pop("title"), "“title” is missing"),
        (lambda d: d["articles"][1].update(number="x"), "“number” has the wrong type"),
        (lambda d: d["articles"][1].update(visibility="secret"), "Unknown visibility"),
        (
            lambda d: d["articles"][1]["attachments"][0].update(content_base64="%%%"),
            "no valid base64",
        ),
        (lambda d: d["categories"][0].update(groups=["nope"]), "no group named nope"),
        (lambda d: d["articles"][0].update(translation_of=5), "no article 5 to translate"),
    ],
)
def test_bad_files_are_refused_whole(
    tmp_path: Path, faq_group: Group, keep_connections: None, mutate: Any, message: str
) -> None:
    data = copy.deepcopy(FILE)
    mutate(data)
    with pytest.raises(CommandError, match=message):
        _run(tmp_path, data)
    assert not FaqItem.objects.exists()


def test_unreadable_files(tmp_path: Path, keep_connections: None, db: None) -> None:
    with pytest.raises(CommandError, match="no valid JSON"):
        _run(tmp_path, None, raw="{nope")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("faq", "import", str(tmp_path / "missing.json"))
