"""Postmaster filters and trusted X-Sportello-* headers: what to do with a new message
and, where chosen, with a follow-up (as OTRS's X-OTRS-* and X-OTRS-FollowUp-* headers).

``decide`` reads the message; ``apply_to_new`` and ``apply_to_follow_up`` make the
changes through ``tickets.actions``, each in its own savepoint: a value that does not fit
(an unknown agent, a service that went invalid) is logged and left out, the mail is
filed all the same.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sportello.core.errors import DomainError

if TYPE_CHECKING:
    from sportello.core.actor import Actor
    from sportello.mail.parsing import ParsedMessage
    from sportello.tickets.models import Ticket

logger = logging.getLogger(__name__)

# Attributes a filter sets on a new ticket and, under FOLLOW_UP, on a follow-up's ticket.
TICKET_ATTRIBUTES = (
    "queue",
    "priority",
    "type",
    "state",
    "title",
    "owner",
    "responsible",
    "service",
    "sla",
)
SETTABLE = (*TICKET_ATTRIBUTES, "customer_user", "customer_company")
DYNAMIC = "dynamic_fields"  # {field name: value}
FOLLOW_UP = "follow_up"  # {attribute: value, "dynamic_fields": {…}}
HEADER_PREFIX = "X-Sportello-"
# Header spelling as documented: X-Sportello-Queue, X-Sportello-CustomerUser, …; for a
# follow-up X-Sportello-FollowUp-Queue, …; fields X-Sportello-DynamicField-<name>.
HEADER_NAMES = {
    "queue": "Queue",
    "priority": "Priority",
    "type": "Type",
    "state": "State",
    "title": "Title",
    "owner": "Owner",
    "responsible": "Responsible",
    "service": "Service",
    "sla": "SLA",
    "customer_user": "CustomerUser",
    "customer_company": "CustomerCompany",
    "ignore": "Ignore",
}
FOLLOW_UP_HEADER = "FollowUp-"
# What ``create_ticket`` sets itself (see mail.ingest); ``apply_to_new`` the rest.
SET_AT_CREATION = ("queue", "priority", "type", "state", "title")
DYNAMIC_HEADER = "DynamicField-"


@dataclass
class Changes:
    """Ticket attributes by name (as an admin writes them) and dynamic field values."""

    queue: str = ""
    priority: str = ""
    type: str = ""
    state: str = ""
    title: str = ""
    owner: str = ""
    responsible: str = ""
    service: str = ""
    sla: str = ""
    dynamic_fields: dict[str, Any] = field(default_factory=dict)

    def update(self, values: dict[str, Any]) -> None:
        for name in TICKET_ATTRIBUTES:
            if values.get(name) not in (None, ""):
                setattr(self, name, str(values[name]).strip())
        dynamic = values.get(DYNAMIC)
        if isinstance(dynamic, dict):
            self.dynamic_fields.update(
                {str(k): v for k, v in dynamic.items() if v not in (None, "", [])}
            )

    @property
    def empty(self) -> bool:
        return not (any(getattr(self, n) for n in TICKET_ATTRIBUTES) or self.dynamic_fields)


@dataclass
class Decision(Changes):
    """What filters and trusted headers set for the ticket a mail creates, and what
    they set on the ticket of a follow-up (``follow_up``)."""

    customer_user: str = ""
    customer_company: str = ""
    ignore: bool = False
    ignored_by: str = ""  # which filter or header set ``ignore``, for the operator
    follow_up: Changes = field(default_factory=Changes)

    def update(self, values: dict[str, Any]) -> None:
        super().update(values)
        for name in ("customer_user", "customer_company"):
            if values.get(name) not in (None, ""):
                setattr(self, name, values[name])
        if values.get("ignore") not in (None, ""):
            self.ignore = str(values["ignore"]).strip().lower() in {"1", "true", "yes"}
        if isinstance(values.get(FOLLOW_UP), dict):
            self.follow_up.update(values[FOLLOW_UP])

    @property
    def after_creation(self) -> bool:
        """Whether ``apply_to_new`` has anything to set."""
        later = (n for n in TICKET_ATTRIBUTES if n not in SET_AT_CREATION)
        return any(getattr(self, n) for n in later) or bool(self.dynamic_fields)


def validate_filter(matches: Any, sets: Any) -> None:
    if not isinstance(matches, list) or not matches:
        raise ValidationError(_("A filter needs at least one match."))
    for match in matches:
        if not isinstance(match, dict) or not match.get("header") or "pattern" not in match:
            raise ValidationError(_("Each match needs a header and a pattern."))
        try:
            re.compile(str(match["pattern"]))
        except re.error as error:
            raise ValidationError(
                _("Invalid regular expression %(pattern)s: %(error)s")
                % {"pattern": match["pattern"], "error": error}
            ) from None
    if not isinstance(sets, dict) or not sets:
        raise ValidationError(_("A filter must set something."))
    unknown = set(sets) - {*SETTABLE, "ignore", DYNAMIC, FOLLOW_UP}
    if unknown:
        raise ValidationError(_("Unknown attributes: %(names)s") % {"names": ", ".join(unknown)})
    follow_up = sets.get(FOLLOW_UP, {})
    if not isinstance(follow_up, dict):
        raise ValidationError(_('“follow_up” holds attributes: {"state": "open", …}.'))
    unknown = set(follow_up) - {*TICKET_ATTRIBUTES, DYNAMIC}
    if unknown:
        raise ValidationError(
            _("Unknown attributes for follow-ups: %(names)s") % {"names": ", ".join(unknown)}
        )
    for values in (sets, follow_up):
        _validate_values(values)


def _validate_values(values: dict[str, Any]) -> None:
    """Names that exist and field values their fields accept, so a filter fails when it
    is saved rather than when mail arrives."""
    labels = {
        "queue": _("queue"),
        "priority": _("priority"),
        "type": _("type"),
        "state": _("state"),
        "owner": _("owner"),
        "responsible": _("responsible"),
        "service": _("service"),
        "sla": _("SLA"),
    }
    for name, label in labels.items():
        if name in values and _resolve(name, str(values[name])) is None:
            raise ValidationError(
                _("There is no %(what)s “%(name)s”.") % {"what": label, "name": values[name]}
            )
    dynamic = values.get(DYNAMIC, {})
    if not isinstance(dynamic, dict):
        raise ValidationError(_('“dynamic_fields” holds values: {"field name": "value"}.'))
    try:
        _field_values(dynamic, strict=True)
    except DomainError as error:
        raise ValidationError(str(error)) from None


def _value(message: ParsedMessage, header: str) -> list[str]:
    if header.lower() == "body":
        return [message.body_text]
    return message.header_values(header) or [""]


def _matches(message: ParsedMessage, rules: list[dict[str, Any]]) -> bool:
    for rule in rules:
        pattern = re.compile(str(rule["pattern"]), re.IGNORECASE | re.MULTILINE)
        found = any(pattern.search(value) for value in _value(message, str(rule["header"])))
        if found == bool(rule.get("negate")):
            return False
    return True


def _header_values(message: ParsedMessage, prefix: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: message.header(prefix + name) for key, name in HEADER_NAMES.items()
    }
    start = (prefix + DYNAMIC_HEADER).lower()
    values[DYNAMIC] = {
        key[len(start) :]: value.strip()
        for key, value in message.headers
        if key.lower().startswith(start) and len(key) > len(start)
    }
    return values


def decide(message: ParsedMessage, *, trusted: bool) -> tuple[Decision, list[str]]:
    """Apply trusted headers first, then the ordered filters (later ones win).
    Returns the decision and the names of the filters that matched."""
    from sportello.mail.selectors import postmaster_filters

    decision = Decision()
    if trusted:
        decision.update(_header_values(message, HEADER_PREFIX))
        follow_up = _header_values(message, HEADER_PREFIX + FOLLOW_UP_HEADER)
        decision.follow_up.update({k: follow_up[k] for k in (*TICKET_ATTRIBUTES, DYNAMIC)})
        if decision.ignore:
            decision.ignored_by = f"header {HEADER_PREFIX}{HEADER_NAMES['ignore']}"
    applied: list[str] = []
    for rule in postmaster_filters():
        try:
            if not _matches(message, rule.matches):
                continue
        except (re.error, KeyError, TypeError):
            continue  # an invalid stored rule never stops mail from being filed
        decision.update(rule.sets)
        if rule.sets.get("ignore") not in (None, ""):
            decision.ignored_by = f"postmaster filter {rule.name!r}" if decision.ignore else ""
        applied.append(rule.name)
        if rule.stop:
            break
    return decision, applied


# Applying a decision


def _resolve(name: str, value: str) -> Any:
    """The object an attribute's name stands for, or None when there is none (valid)."""
    from sportello.accounts.models import User
    from sportello.queues.models import Queue
    from sportello.sla.models import SLA, Service
    from sportello.tickets.models import Priority, State, TicketType

    lookups: dict[str, Callable[[], Any]] = {
        "queue": lambda: Queue.objects.filter(full_name=value, valid=True),
        "priority": lambda: Priority.objects.filter(name=value, valid=True),
        "type": lambda: TicketType.objects.filter(name=value, valid=True),
        "state": lambda: State.objects.filter(name=value, valid=True),
        "owner": lambda: User.objects.filter(username=value, is_active=True, is_system=False),
        "responsible": lambda: User.objects.filter(username=value, is_active=True, is_system=False),
        "service": lambda: Service.objects.filter(full_name=value, valid=True),
        "sla": lambda: SLA.objects.filter(name=value, valid=True),
    }
    return lookups[name]().first()


def _field_values(values: dict[str, Any], *, strict: bool = False) -> dict[Any, Any]:
    """{DynamicField: value} of the named ticket fields; a multiselect's keys may be
    given comma-separated (as in a header). ``strict``: an unknown field or a value the
    field refuses raises InvalidInput, else it is logged and left out."""
    from sportello.core.errors import InvalidInput
    from sportello.tickets.dynamic_fields import clean_value, ticket_fields
    from sportello.tickets.models import DynamicFieldType

    if not values:
        return {}
    known = {f.name: f for f in ticket_fields().filter(name__in=list(values))}
    result: dict[Any, Any] = {}
    for name, raw in values.items():
        found = known.get(name)
        try:
            if found is None:
                raise InvalidInput(_("There is no ticket field %(name)s."), name=name)
            if found.field_type == DynamicFieldType.MULTISELECT and isinstance(raw, str):
                raw = [key.strip() for key in raw.split(",")]
            result[found] = clean_value(found, raw)
        except InvalidInput as error:
            if strict:
                raise
            logger.warning("postmaster filter: field %s not set: %s", name, error)
    return result


def _guarded(ticket: Ticket, what: str, change: Callable[[Ticket], Any]) -> Ticket:
    """One change in a savepoint; a refusal is logged and the ticket stays as it was."""
    try:
        with transaction.atomic():
            result = change(ticket)
    except DomainError as error:
        logger.warning("postmaster filter: %s of %s not set: %s", what, ticket.number, error)
        return ticket
    # Field values come back as a count: the ticket object stays the one given.
    return result if not isinstance(result, int) else ticket


def _apply(ticket: Ticket, changes: Changes, names: tuple[str, ...], actor: Actor) -> Ticket:
    from sportello.tickets import actions

    setters: dict[str, Callable[[Ticket, Any], Ticket]] = {
        "queue": lambda t, v: actions.move(t, v, actor=actor),
        "priority": lambda t, v: actions.set_priority(t, v, actor=actor),
        "type": lambda t, v: actions.set_type(t, v, actor=actor),
        "state": lambda t, v: actions.set_state(t, v, actor=actor),
        "title": lambda t, v: actions.set_title(t, v, actor=actor),
        # As OTRS's X-OTRS-Owner: the owner is set, the ticket stays unlocked.
        "owner": lambda t, v: actions.set_owner(t, v, actor=actor, lock=False),
        "responsible": lambda t, v: actions.set_responsible(t, v, actor=actor),
        "service": lambda t, v: actions.set_service(t, v, actor=actor),
        "sla": lambda t, v: actions.set_sla(t, v, actor=actor),
    }
    for name in names:
        value: Any = getattr(changes, name)
        if not value:
            continue
        if name != "title":
            value = _resolve(name, value)
            if value is None:
                logger.warning("postmaster filter: no %s %r", name, getattr(changes, name))
                continue
        ticket = _guarded(ticket, name, _bound(setters[name], value))

    def set_field(t: Ticket, values: Any) -> int:
        return actions.set_dynamic_fields(t, values, actor=actor)

    for found, value in _field_values(changes.dynamic_fields).items():
        ticket = _guarded(ticket, found.name, _bound(set_field, {found: value}))
    return ticket


def _bound(setter: Callable[[Ticket, Any], Any], value: Any) -> Callable[[Ticket], Any]:
    return lambda ticket: setter(ticket, value)


def apply_to_new(ticket: Ticket, decision: Decision, *, actor: Actor) -> Ticket:
    """Owner, responsible, service, SLA and field values of a ticket a mail created,
    inside the creating transaction."""
    names = tuple(n for n in TICKET_ATTRIBUTES if n not in SET_AT_CREATION)
    return _apply(ticket, decision, names, actor)


def apply_to_follow_up(ticket: Ticket, decision: Decision, *, actor: Actor) -> Ticket:
    """The follow-up part of the decision, on the ticket the mail was added to."""
    return _apply(ticket, decision.follow_up, TICKET_ATTRIBUTES, actor)
