"""Article contents: the raw message and attachments from Znuny's database
(ArticleStorageDB) or its files under ``var/article`` (ArticleStorageFS)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from sportello.importer.context import Context
from sportello.mail.charsets import codec_for, decode_bytes
from sportello.tickets.articles import AttachmentInput

_SIDECARS = (".content_type", ".content_id", ".content_alternative", ".disposition")
_BODY_PART = re.compile(r"^file-\d+$")
_CHARSET = re.compile(r"charset=\"?([\w.:-]+)", re.IGNORECASE)


@dataclass
class Contents:
    raw: bytes | None = None
    body_html: str = ""
    attachments: list[AttachmentInput] = field(default_factory=list)
    missing: str = ""  # the path that was expected and not found


def decode(ctx: Context, data: bytes, content_type: str, where: str) -> str:
    """Text in its declared charset; a wrong or unknown label is reported and the text
    read as what it looks like (never a failure, never silently altered)."""
    match = _CHARSET.search(content_type)
    label = match[1] if match else "utf-8"
    try:
        return data.decode(codec_for(label) or label)
    except (LookupError, UnicodeDecodeError):
        ctx.report.problem(
            _("%(where)s: the text is not %(label)s; read as what it looks like.")
            % {"where": where, "label": label}
        )
        return decode_bytes(data, label)


def _split(
    ctx: Context, where: str, parts: list[tuple[str, str, str, str, bytes]], contents: Contents
) -> None:
    """(filename, content type, content id, disposition, bytes) → HTML body or files.
    Znuny keeps an HTML mail's body as an inline part named ``file-N``."""
    for filename, content_type, content_id, disposition, data in parts:
        base = content_type.split(";")[0].strip().lower()
        if _BODY_PART.match(filename) and not content_id and base in ("text/html", "text/plain"):
            if base == "text/html" and not contents.body_html:
                contents.body_html = decode(ctx, data, content_type, where)
            continue
        contents.attachments.append(
            AttachmentInput(
                filename=filename or "attachment",
                content_type=content_type or "application/octet-stream",
                content=data,
                content_id=content_id.strip("<>"),
                inline=disposition.lower().startswith("inline") or bool(content_id),
            )
        )


def from_database(ctx: Context, article_ids: list[int]) -> dict[int, Contents]:
    found: dict[int, Contents] = {}
    if not article_ids:
        return found
    marks = ", ".join(["%s"] * len(article_ids))
    for article_id, body in ctx.source.all(
        f"SELECT article_id, body FROM article_data_mime_plain WHERE article_id IN ({marks})",  # noqa: S608
        article_ids,
    ):
        found.setdefault(int(article_id), Contents()).raw = ctx.source.blob(body)
    parts: dict[int, list[tuple[str, str, str, str, bytes]]] = {}
    for article_id, filename, ctype, cid, disposition, content in ctx.source.all(
        "SELECT article_id, filename, content_type, content_id, disposition, content "  # noqa: S608
        f"FROM article_data_mime_attachment WHERE article_id IN ({marks}) ORDER BY id",
        article_ids,
    ):
        parts.setdefault(int(article_id), []).append(
            (
                ctx.source.text(filename),
                ctx.source.text(ctype),
                ctx.source.text(cid),
                ctx.source.text(disposition),
                ctx.source.blob(content),
            )
        )
    for article_id, items in parts.items():
        _split(
            ctx,
            _("Article %(id)s") % {"id": article_id},
            items,
            found.setdefault(article_id, Contents()),
        )
    return found


def _sidecar(path: Path, suffix: str) -> str:
    side = path.with_name(path.name + suffix)
    return side.read_text("utf-8", "replace").strip() if side.exists() else ""


def from_files(ctx: Context, article_id: int, content_path: Any) -> Contents | None:
    """The files of one article, None when the storage directory is not configured."""
    if ctx.article_dir is None or not content_path:
        return None
    folder = ctx.article_dir / str(content_path) / str(article_id)
    contents = Contents()
    if not folder.is_dir():
        contents.missing = str(folder)
        return contents
    items = []
    for path in sorted(folder.iterdir()):
        if path.name == "plain.txt":
            contents.raw = path.read_bytes()
        elif path.is_file() and not path.name.endswith(_SIDECARS):
            items.append(
                (
                    path.name,
                    _sidecar(path, ".content_type"),
                    _sidecar(path, ".content_id"),
                    _sidecar(path, ".disposition"),
                    path.read_bytes(),
                )
            )
    _split(ctx, _("Article %(id)s") % {"id": article_id}, items, contents)
    return contents
