"""Queue administration: creating nested queues by full name, renaming subtrees."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import Group
from sportello.core.errors import InvalidInput
from sportello.queues.models import QUEUE_SEPARATOR, Queue, SystemAddress


def split_full_name(full_name: str) -> list[str]:
    parts = [part.strip() for part in full_name.split(QUEUE_SEPARATOR)]
    if not full_name.strip() or any(not part for part in parts):
        raise InvalidInput(_("Invalid queue name: %(name)s"), name=full_name)
    return parts


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


@transaction.atomic
def rename_queue(queue: Queue, new_name: str) -> Queue:
    """Rename one level; every descendant's full name follows."""
    if not new_name.strip() or QUEUE_SEPARATOR in new_name:
        raise InvalidInput(_("Invalid queue name: %(name)s"), name=new_name)
    queue.name = new_name.strip()
    queue.save()
    pending = list(queue.children.all())
    while pending:
        child = pending.pop()
        child.save()
        pending.extend(child.children.all())
    return queue


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
