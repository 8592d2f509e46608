"""History type codes (stable, stored) and their translated, human-readable rendering."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class HistoryType(models.TextChoices):
    NEW_TICKET = "NewTicket", _("New ticket")
    FOLLOW_UP = "FollowUp", _("Follow-up")
    EMAIL_CUSTOMER = "EmailCustomer", _("Email from customer")
    EMAIL_AGENT = "EmailAgent", _("Email from agent")
    SEND_ANSWER = "SendAnswer", _("Answer sent")
    SEND_AUTO_REPLY = "SendAutoReply", _("Auto-response sent")
    SEND_CUSTOMER_NOTIFICATION = "SendCustomerNotification", _("Customer notified")
    FORWARD = "Forward", _("Forwarded")
    BOUNCE = "Bounce", _("Bounced")
    ADD_NOTE = "AddNote", _("Note added")
    PHONE_CALL_CUSTOMER = "PhoneCallCustomer", _("Phone call from customer")
    PHONE_CALL_AGENT = "PhoneCallAgent", _("Phone call to customer")
    WEB_REQUEST_CUSTOMER = "WebRequestCustomer", _("Web request from customer")
    MOVE = "Move", _("Moved")
    STATE_UPDATE = "StateUpdate", _("State changed")
    PRIORITY_UPDATE = "PriorityUpdate", _("Priority changed")
    TYPE_UPDATE = "TypeUpdate", _("Type changed")
    LOCK = "Lock", _("Locked")
    UNLOCK = "Unlock", _("Unlocked")
    OWNER_UPDATE = "OwnerUpdate", _("Owner changed")
    RESPONSIBLE_UPDATE = "ResponsibleUpdate", _("Responsible changed")
    CUSTOMER_UPDATE = "CustomerUpdate", _("Customer changed")
    TITLE_UPDATE = "TitleUpdate", _("Title changed")
    SET_PENDING_TIME = "SetPendingTime", _("Pending time set")
    MERGED = "Merged", _("Merged")
    LINK = "Link", _("Linked")
    UNLINK = "Unlink", _("Unlinked")
    SUBSCRIBE = "Subscribe", _("Watched")
    UNSUBSCRIBE = "Unsubscribe", _("No longer watched")
    MISC = "Misc", _("Miscellaneous")
    SERVICE_UPDATE = "ServiceUpdate", _("Service changed")
    SLA_UPDATE = "SLAUpdate", _("SLA changed")
    ESCALATION_WARNING = "EscalationWarning", _("Escalation warning")
    ESCALATION_START = "EscalationStart", _("Escalated")
    PENDING_REMINDER_REACHED = "PendingReminderReached", _("Pending reminder reached")
    DYNAMIC_FIELD_UPDATE = "DynamicFieldUpdate", _("Dynamic field changed")
    SPLIT = "Split", _("Split")
    MASTER_SLAVE = "MasterSlave", _("Master/slave changed")
    TIME_ACCOUNTING = "TimeAccounting", _("Time accounted")


# How each change reads, old and new value filled in when shown.
_TEMPLATES: dict[str, StrOrPromise] = {
    HistoryType.NEW_TICKET: _("New ticket %(new)s created."),
    HistoryType.MOVE: _("Moved from queue %(old)s to %(new)s."),
    HistoryType.STATE_UPDATE: _("State changed from %(old)s to %(new)s."),
    HistoryType.PRIORITY_UPDATE: _("Priority changed from %(old)s to %(new)s."),
    HistoryType.TYPE_UPDATE: _("Type changed from %(old)s to %(new)s."),
    HistoryType.LOCK: _("Ticket locked."),
    HistoryType.UNLOCK: _("Ticket unlocked."),
    HistoryType.OWNER_UPDATE: _("Owner changed from %(old)s to %(new)s."),
    HistoryType.RESPONSIBLE_UPDATE: _("Responsible changed from %(old)s to %(new)s."),
    HistoryType.CUSTOMER_UPDATE: _("Customer changed from %(old)s to %(new)s."),
    HistoryType.TITLE_UPDATE: _("Title changed from “%(old)s” to “%(new)s”."),
    HistoryType.SET_PENDING_TIME: _("Pending time changed from %(old)s to %(new)s."),
    HistoryType.MERGED: _("Merged ticket %(old)s into %(new)s."),
    HistoryType.LINK: _("Linked to %(new)s."),
    HistoryType.UNLINK: _("Link to %(old)s removed."),
    HistoryType.SERVICE_UPDATE: _("Service changed from %(old)s to %(new)s."),
    HistoryType.SLA_UPDATE: _("SLA changed from %(old)s to %(new)s."),
    HistoryType.ESCALATION_WARNING: _("Escalation warning: %(new)s."),
    HistoryType.ESCALATION_START: _("Escalated: %(new)s."),
    HistoryType.PENDING_REMINDER_REACHED: _("Pending reminder time %(new)s reached."),
    HistoryType.DYNAMIC_FIELD_UPDATE: _("Field changed from %(old)s to %(new)s."),
    HistoryType.SPLIT: _("Split article into ticket %(new)s."),
    HistoryType.MASTER_SLAVE: _("Master/slave changed from %(old)s to %(new)s."),
    HistoryType.FORWARD: _("Forwarded to %(new)s."),
    HistoryType.BOUNCE: _("Bounced to %(new)s."),
    HistoryType.TIME_ACCOUNTING: _("%(new)s minutes accounted."),
}


def render(type_code: str, old: str, new: str, comment: str = "") -> str:
    """The translated sentence for one history row, in the active language."""
    empty = gettext("(none)")
    template = _TEMPLATES.get(type_code)
    if template is not None:
        text = str(template) % {"old": old or empty, "new": new or empty}
    else:
        label = HistoryType(type_code).label if type_code in HistoryType.values else type_code
        text = f"{label}: {new}" if new else str(label)
        text = text if text.endswith(".") else text + "."
    return f"{text} {comment}".strip() if comment else text
