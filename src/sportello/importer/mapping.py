"""Znuny key → Sportello id, kept in ``ImportedObject`` so that a re-run updates."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from sportello.core.writes import Insert
from sportello.importer.models import ImportedObject

# A batch of tickets maps thousands of rows: the insert is compiled once (core.writes).
_INSERT = Insert(ImportedObject)


class Mapping:
    def __init__(self) -> None:
        self._cache: dict[str, dict[str, int]] = {}

    def _kind(self, kind: str) -> dict[str, int]:
        if kind not in self._cache:
            rows = ImportedObject.objects.filter(kind=kind).values_list("source_key", "target_id")
            self._cache[kind] = {key: target for key, target in rows}
        return self._cache[kind]

    def get(self, kind: str, key: object) -> int | None:
        return self._kind(kind).get(str(key))

    def all(self, kind: str) -> dict[str, int]:
        return self._kind(kind)

    def put(self, kind: str, key: object, target: int) -> None:
        known = self._kind(kind)
        if known.get(str(key)) == target:
            return
        ImportedObject.objects.update_or_create(
            kind=kind, source_key=str(key), defaults={"target_id": target}
        )
        known[str(key)] = target

    def lookup(self, kind: str, keys: Iterable[object]) -> dict[str, int]:
        """A batch's keys of a large table (tickets, articles, history), not cached."""
        wanted = [str(key) for key in keys]
        rows = ImportedObject.objects.filter(kind=kind, source_key__in=wanted)
        return dict(rows.values_list("source_key", "target_id"))

    def put_many(self, kind: str, pairs: Iterable[tuple[object, int]]) -> None:
        """New rows of a batch (the caller knows they are new)."""
        now = timezone.now()
        _INSERT.save_many(
            [ImportedObject(None, kind, str(key), target, now) for key, target in pairs]
        )
