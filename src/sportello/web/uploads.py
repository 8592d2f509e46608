"""The per-form upload cache of the agent's article forms.

Every form that writes an article carries a random ``upload_id``. Files sent with it are
stored at once (``web.FormUpload``, through Django's storage), so a form that comes back
with an error still has them, listed with a remove button; a successful submit turns
them into the article's attachments and empties the cache. Template attachments join the
same cache when the agent inserts a template. Only the agent who uploaded a file can see,
remove or send it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from sportello.accounts.models import User
from sportello.mail.compose import OutgoingAttachment
from sportello.mail.models import StandardTemplate
from sportello.queues.models import Queue
from sportello.tickets.articles import AttachmentInput
from sportello.web.models import FormUpload

FIELD, FORM_ID, REMOVE = "attachments", "upload_id", "remove_upload"
_FORM_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_id() -> str:
    return secrets.token_urlsafe(18)


def form_id_of(value: str | None) -> str:
    """The form's id if it is one we could have issued, else a fresh one."""
    return value if value and _FORM_ID.match(value) else new_form_id()


def safe_name(name: str) -> str:
    """The base name only, without control characters (browsers may send a path)."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = "".join(c for c in base if c.isprintable()).strip()
    return cleaned[:255] or "attachment"


def cached(agent: User, form_id: str) -> list[FormUpload]:
    return list(FormUpload.objects.filter(agent=agent, form_id=form_id).order_by("pk"))


def limit_error(limit: int) -> str:
    return _(
        "The attachments are too large: at most %(limit)s together. "
        "Remove some or send them in several articles."
    ) % {"limit": filesizeformat(limit)}


@dataclass
class Uploads:
    """What a form submit brought: its id, the cached files, and whether the agent only
    removed a file (the form is then shown again, nothing is sent) or exceeded the
    limit (the new files are refused, the cached ones stay)."""

    form_id: str
    items: list[FormUpload] = field(default_factory=list)
    removed: bool = False
    error: str = ""

    @property
    def total(self) -> int:
        return sum(item.size for item in self.items)


def _store(agent: User, form_id: str, name: str, content_type: str, content: File[bytes]) -> None:
    upload = FormUpload(
        form_id=form_id,
        agent=agent,
        filename=safe_name(name),
        content_type=(content_type or "application/octet-stream")[:255],
        size=content.size,
    )
    # A neutral stored name: the original filename is data, not a path.
    upload.file.save(f"{form_id}.bin", content, save=False)
    upload.save()


def receive(request: HttpRequest, queue: Queue | None) -> Uploads:
    """Take a submit's uploads into the cache: a remove button's file goes, new files
    come in unless all together would pass the queue's (or the system's) limit."""
    agent = request.user
    assert isinstance(agent, User)
    result = Uploads(form_id_of(request.POST.get(FORM_ID)))
    remove = request.POST.get(REMOVE, "")
    if remove.isdigit():
        for item in FormUpload.objects.filter(agent=agent, form_id=result.form_id, pk=int(remove)):
            item.file.delete(save=False)
            item.delete()
        result.removed = True
    result.items = cached(agent, result.form_id)
    files: list[UploadedFile] = [f for f in request.FILES.getlist(FIELD) if f.name]
    limit = queue.attachment_limit if queue is not None else settings.SPORTELLO_MAX_ATTACHMENT_SIZE
    if result.total + sum(f.size or 0 for f in files) > limit:
        result.error = limit_error(limit)
        return result
    for upload in files:
        _store(agent, result.form_id, upload.name or "", upload.content_type or "", File(upload))
    if files:
        result.items = cached(agent, result.form_id)
    return result


def add_template_attachments(agent: User, form_id: str, template: StandardTemplate) -> None:
    """Put a template's attachments into the form's cache (once: inserting the same
    template again adds no second copy)."""
    present = {(i.filename, i.size) for i in cached(agent, form_id)}
    for item in template.attachments.all():
        with item.file.open("rb") as handle:
            content = ContentFile(handle.read())
        if (safe_name(item.filename), content.size) not in present:
            _store(agent, form_id, item.filename, item.content_type, content)


def _read(item: FormUpload) -> bytes:
    with item.file.open("rb") as handle:
        return bytes(handle.read())


def for_article(items: Iterable[FormUpload]) -> list[AttachmentInput]:
    return [AttachmentInput(i.filename, i.content_type, _read(i)) for i in items]


def for_mail(items: Iterable[FormUpload]) -> list[OutgoingAttachment]:
    return [OutgoingAttachment(i.filename, i.content_type, _read(i)) for i in items]


def _delete(items: Sequence[FormUpload]) -> None:
    for item in items:
        item.file.delete(save=False)
    FormUpload.objects.filter(pk__in=[i.pk for i in items]).delete()


def clear(uploads: Uploads) -> None:
    """After the article is stored: its files are the article's now, the cache goes
    (after commit, so a rolled-back submit keeps them)."""
    items = list(uploads.items)
    if items:
        transaction.on_commit(lambda: _delete(items))


def purge_stale(now: datetime) -> int:
    """Uploads of forms that were never sent, older than the configured hours."""
    cutoff = now - timedelta(hours=settings.SPORTELLO_FORM_UPLOAD_HOURS)
    stale = list(FormUpload.objects.filter(created__lt=cutoff).order_by("pk")[:500])
    _delete(stale)
    return len(stale)


def as_initial(query: QueryDict) -> dict[str, Any]:
    """Submitted values as a form's initial data (lists stay lists), for showing the
    same form again after a remove button."""
    return {k: v if len(v) > 1 else v[0] for k, v in query.lists()}


def context(uploads: Uploads | None) -> dict[str, object]:
    """Template context of ``web/attachments.html``."""
    if uploads is None:
        uploads = Uploads(new_form_id())
    return {"uploads": uploads, "upload_field": FIELD, "upload_id_field": FORM_ID}
