"""Files sent with an article, as base64 in the JSON body or as multipart/form-data file
parts (both may come in one request): named safely and held together to the queue's
attachment limit (the agent UI's, ``Queue.attachment_limit``), which a client exceeds
with a 413 error, never a truncated file."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from sportello.api.errors import ApiError
from sportello.api.schemas import AttachmentIn
from sportello.core.errors import InvalidInput
from sportello.mail.compose import OutgoingAttachment
from sportello.queues.models import Queue
from sportello.tickets.articles import AttachmentInput


def _name(name: str) -> str:
    # The base name only, without control characters: a filename is data, not a path.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable()).strip()[:255] or "attachment"


def decode(
    items: Sequence[AttachmentIn],
    queue: Queue | None,
    uploaded: Sequence[UploadedFile] = (),
) -> list[AttachmentInput]:
    limit = queue.attachment_limit if queue is not None else settings.SPORTELLO_MAX_ATTACHMENT_SIZE
    # Base64 is 4 characters per 3 bytes and an uploaded file's size is known before it
    # is read: refuse before decoding or reading what cannot fit.
    encoded = sum(len(item.content) for item in items) * 3 // 4 - 3 * len(items)
    if encoded + sum(f.size or 0 for f in uploaded) > limit:
        raise _too_large(limit)
    files: list[AttachmentInput] = []
    for index, item in enumerate(items):
        try:
            content = base64.b64decode(item.content, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput(
                _("Attachment %(name)s is not valid base64."),
                name=item.filename,
                field=f"attachments.{index}.content",
            ) from None
        files.append(AttachmentInput(_name(item.filename), item.content_type, content))
    for upload in uploaded:
        content_type = upload.content_type or "application/octet-stream"
        files.append(AttachmentInput(_name(upload.name or ""), content_type, upload.read()))
    if sum(len(f.content) for f in files if isinstance(f.content, bytes)) > limit:
        raise _too_large(limit)
    return files


def for_mail(files: Sequence[AttachmentInput]) -> list[OutgoingAttachment]:
    return [
        OutgoingAttachment(f.filename, f.content_type, f.content)
        for f in files
        if isinstance(f.content, bytes)
    ]


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        _("The attachments are too large: at most %(limit)s together.")
        % {"limit": filesizeformat(limit)},
        code="too_large",
        field="attachments",
    )
