"""Moving stored files between the file system and the object store.

Rows name files by their relative name only (``attachments/2026/12/07/report.pdf``), so
a file keeps its name in the other store and no row changes: move, then switch
``SPORTELLO_STORAGE``. A file is deleted from the source only after the target holds it
with the same size; a run that stopped half-way is simply run again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.storage import Storage, storages

from sportello.ops.health import PROBE_NAME


class MoveError(Exception):
    pass


def stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name in ``storage`` (empty when the store has no folder yet)."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for directory in directories:
        yield from stored_names(storage, f"{folder}/{directory}" if folder else directory)


@dataclass
class Moved:
    copied: int = 0
    present: int = 0
    deleted: int = 0
    bytes: int = 0


def move_files(source_alias: str, target_alias: str, *, keep: bool = False) -> Moved:
    if source_alias == target_alias:
        raise MoveError("the source and the target store are the same")
    try:
        source, target = storages[source_alias], storages[target_alias]
    except Exception as error:  # InvalidStorageError: an unknown or unconfigured alias
        raise MoveError(f"unknown store: {error}") from error
    moved = Moved()
    for name in sorted(stored_names(source)):
        if name.rsplit("/", 1)[-1] == PROBE_NAME:
            continue
        size = source.size(name)
        if target.exists(name):
            if target.size(name) != size:
                raise MoveError(f"{name} exists in {target_alias} with another size")
            moved.present += 1
        else:
            with source.open(name, "rb") as handle:
                stored = target.save(name, handle)
            if stored != name:
                raise MoveError(f"{target_alias} stored {name} as {stored}")
            if target.size(name) != size:
                raise MoveError(f"{name} arrived in {target_alias} incomplete")
            moved.copied += 1
            moved.bytes += size
        if not keep:
            source.delete(name)
            moved.deleted += 1
    return moved
