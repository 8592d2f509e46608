"""What every import step shares: the source, the mapping, the report, the options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from django.db.models import Model

from sportello.importer.mapping import Mapping
from sportello.importer.report import Report
from sportello.importer.source import Source

M = TypeVar("M", bound=Model)


@dataclass
class Context:
    source: Source
    report: Report
    mapping: Mapping = field(default_factory=Mapping)
    article_dir: Path | None = None
    since: datetime | None = None
    dry_run: bool = False
    resume: bool = False
    progress: Callable[[str, int, int], None] = lambda step, done, total: None
    valid_ids: set[int] = field(default_factory=set)

    def is_valid(self, valid_id: Any) -> bool:
        return int(valid_id) in self.valid_ids

    def upsert(
        self,
        kind: str,
        key: object,
        model: type[M],
        lookup: dict[str, Any],
        values: dict[str, Any],
    ) -> M:
        """The Sportello row of a Znuny row: the mapped one, else one with the same
        natural key (a default state such as ``new`` exists already), else a new one;
        its values brought up to the old system's."""
        target = self.mapping.get(kind, key)
        obj = model._default_manager.filter(pk=target).first() if target is not None else None
        if obj is None:
            obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.save()
            self.report.count(kind, "created")
        else:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            if changed:
                for name in changed:
                    setattr(obj, name, values[name])
                obj.save()
                self.report.count(kind, "updated")
            else:
                self.report.count(kind, "unchanged")
        self.mapping.put(kind, key, obj.pk)
        return obj
