"""Every change to a ticket goes through one of these functions.

Each one checks permission and preconditions (raising a translated DomainError), runs in
one transaction with the ticket row locked, writes one history row per change, updates
``changed`` and publishes a domain event after commit. Setting an attribute to the value
it already has changes nothing: no history row, no event. The functions live in modules
by topic and are used as ``from sportello.tickets import actions; actions.move(...)``.
"""

from sportello.tickets.actions import imported
from sportello.tickets.actions._base import holding
from sportello.tickets.actions.attributes import (
    move,
    record_time_event,
    set_customer,
    set_pending_time,
    set_priority,
    set_service,
    set_sla,
    set_state,
    set_title,
    set_type,
)
from sportello.tickets.actions.classification import KEEP, change_attributes
from sportello.tickets.actions.create import add_article, create_ticket
from sportello.tickets.actions.dialogs import (
    close,
    mark_spam,
    move_with_note,
    note,
    phone_call,
    set_free_fields,
    set_pending,
)
from sportello.tickets.actions.dynamic_fields import set_dynamic_fields
from sportello.tickets.actions.followup import customer_follow_up
from sportello.tickets.actions.links import link, merge, record_object_link, split, unlink
from sportello.tickets.actions.locking import (
    editing,
    lock,
    lock_for_dialog,
    set_owner,
    set_responsible,
    take_lock,
    undo_and_finish,
    unlock,
    unwatch,
    watch,
)
from sportello.tickets.actions.master_slave import (
    set_master,
    set_slave,
    slaves_of,
    unset_master_slave,
)
from sportello.tickets.actions.phone import create_phone_ticket
from sportello.tickets.actions.sent import record_bounce
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.origin import Origin

__all__ = [
    "KEEP",
    "ArticleInput",
    "AttachmentInput",
    "Origin",
    "add_article",
    "change_attributes",
    "close",
    "create_phone_ticket",
    "create_ticket",
    "customer_follow_up",
    "editing",
    "holding",
    "imported",
    "link",
    "lock",
    "lock_for_dialog",
    "mark_spam",
    "merge",
    "move",
    "move_with_note",
    "note",
    "phone_call",
    "record_bounce",
    "record_object_link",
    "record_time_event",
    "set_customer",
    "set_dynamic_fields",
    "set_free_fields",
    "set_master",
    "set_owner",
    "set_pending",
    "set_pending_time",
    "set_priority",
    "set_responsible",
    "set_service",
    "set_sla",
    "set_slave",
    "set_state",
    "set_title",
    "set_type",
    "slaves_of",
    "split",
    "take_lock",
    "undo_and_finish",
    "unlink",
    "unlock",
    "unset_master_slave",
    "unwatch",
    "watch",
]
