"""Queue administration: creating nested queues by full name, renaming subtrees."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Group
from sportello.core.errors import InvalidInput, NotFound
from sportello.queues.models import QUEUE_SEPARATOR, Queue, SystemAddress


def split_full_name(full_name: str) -> list[str]:
    parts = [part.strip() for part in full_name.split(QUEUE_SEPARATOR)]
    if not full_name.strip() or any(not part for part in parts):
        raise InvalidInput(_("Invalid queue name: %(name)s"), name=full_name)
    return parts


def get_queue(full_name: str) -> Queue:
    try:
        return Queue.objects.get(full_name=full_name)
    except Queue.DoesNotExist:
        raise NotFound(_("Unknown queue: %(name)s"), name=full_name) from None


@transaction.atomic
def ensure_queue(full_name: str, *, group: Group, **attributes: object) -> Queue:
    """Create the queue and any missing parents (``IT::Network::WLAN``); idempotent.
    ``attributes`` apply to the leaf only."""
    parent: Queue | None = None
    parts = split_full_name(full_name)
    for depth, name in enumerate(parts, start=1):
        path = QUEUE_SEPARATOR.join(parts[:depth])
        queue = Queue.objects.filter(full_name=path).first()
        if queue is None:
            queue = Queue(name=name, parent=parent, group=group)
            if depth == len(parts):
                for key, value in attributes.items():
                    setattr(queue, key, value)
            queue.save()
        parent = queue
    assert parent is not None
    return parent


def check_change(queue: Queue, name: str, parent: Queue | None) -> str:
    """The full name ``queue`` gets with ``name`` under ``parent``, after refusing a name
    with the separator, a parent that is the queue itself or one of its descendants, and
    the full name of another queue."""
    name = name.strip()
    if not name or QUEUE_SEPARATOR in name:
        raise InvalidInput(_("Invalid queue name: %(name)s"), name=name)
    ancestor = parent
    while ancestor is not None and queue.pk is not None:
        if ancestor.pk == queue.pk:
            raise InvalidInput(
                _("Queue %(queue)s cannot be moved under itself or its sub-queue %(parent)s."),
                queue=queue.full_name,
                parent=parent.full_name if parent is not None else "",
            )
        ancestor = ancestor.parent
    full_name = f"{parent.full_name}{QUEUE_SEPARATOR}{name}" if parent is not None else name
    if Queue.objects.filter(full_name=full_name).exclude(pk=queue.pk).exists():
        raise InvalidInput(_("A queue named %(name)s exists already."), name=full_name)
    return full_name


@transaction.atomic
def rename_queue(queue: Queue, name: str, *, parent: Queue | None) -> Queue:
    """Give ``queue`` a new name and/or parent (renaming and moving are one change);
    every descendant's full name follows. Other fields set on ``queue`` are saved too
    (the admin's form sets them)."""
    check_change(queue, name, parent)
    queue.name, queue.parent = name.strip(), parent
    queue.save()  # each save records the configuration change (mail.signals)
    pending = list(queue.children.all())
    while pending:
        child = pending.pop()
        child.save()
        pending.extend(child.children.all())
    return queue


def rename_by_full_name(old: str, new: str) -> tuple[Queue, bool]:
    """``sportello queue rename OLD NEW``: NEW is a full name, its parent must exist.
    Idempotent: when OLD is gone and NEW exists, nothing changes (False)."""
    new = QUEUE_SEPARATOR.join(split_full_name(new))
    queue = Queue.objects.filter(full_name=old.strip()).first()
    if queue is None:
        done = Queue.objects.filter(full_name=new).first()
        if done is not None:
            return done, False
        raise NotFound(_("Unknown queue: %(name)s"), name=old)
    if queue.full_name == new:
        return queue, False
    parent_name, _sep, name = new.rpartition(QUEUE_SEPARATOR)
    parent = get_queue(parent_name) if parent_name else None
    return rename_queue(queue, name, parent=parent), True


@transaction.atomic
def add_queue(full_name: str, *, group: str, system_address: str = "") -> tuple[Queue, bool]:
    """Create the queue with its group (and sender address, created if new, routing its
    mail to the queue), or set those on an existing queue. For the provisioning command."""
    from sportello.accounts.provisioning import get_group
    from sportello.core import cache

    target_group = get_group(group)
    created = not Queue.objects.filter(full_name=full_name.strip()).exists()
    queue = ensure_queue(full_name.strip(), group=target_group)
    queue.group = target_group
    if system_address:
        address = _system_address(system_address, queue)
        queue.system_address = address
    queue.save()
    cache.bump()
    return queue, created


def _system_address(email: str, queue: Queue) -> SystemAddress:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Invalid email address: %(email)s"), email=email) from None
    address = SystemAddress.objects.filter(email__iexact=email).first()
    if address is None:
        address = SystemAddress.objects.create(email=email.lower(), queue=queue)
    return address
