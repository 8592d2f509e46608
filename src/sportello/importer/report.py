"""What an import did: counts per object type, everything skipped with its reason, the
mapping problems (what a dry run is for) and the time taken."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass
class Report:
    dry_run: bool = False
    started: float = field(default_factory=time.monotonic)
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}[outcome][
            kind
        ] += n

    def skip(self, kind: str, key: object, reason: str) -> None:
        self.skipped.append((kind, str(key), reason))

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def lines(self) -> list[str]:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        title = _("Dry run: nothing was written.") if self.dry_run else _("Import finished.")
        header = f"{_('object'):28} {_('new'):>9} {_('updated'):>9} {_('unchanged'):>9}"
        out = [title, header]
        for kind in kinds:
            out.append(
                f"{kind:28} {self.created[kind]:9d} {self.updated[kind]:9d} "
                f"{self.unchanged[kind]:9d}"
            )
        if self.skipped:
            out.append(_("Skipped (%(n)d):") % {"n": len(self.skipped)})
            out.extend(f"  {kind} {key}: {reason}" for kind, key, reason in self.skipped)
        if self.problems:
            out.append(_("Mapping problems (%(n)d):") % {"n": len(self.problems)})
            out.extend(f"  {text}" for text in self.problems)
        if self.notes:
            out.append(_("Notes:"))
            out.extend(f"  {text}" for text in self.notes)
        out.append(_("Time: %(seconds).1f s") % {"seconds": self.seconds})
        return out
