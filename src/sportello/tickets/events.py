"""Events the tickets domain publishes after commit (see sportello.core.events)."""

from __future__ import annotations

from dataclasses import dataclass

from sportello.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class TicketCreated(DomainEvent):
    queue_id: int


@dataclass(frozen=True, kw_only=True)
class PhoneTicketCreated(DomainEvent):
    """An agent took a customer's call as a new ticket: the customer may get the
    queue's "new ticket" auto-response (mail-out subscribes)."""

    article_id: int


@dataclass(frozen=True, kw_only=True)
class ArticleAdded(DomainEvent):
    article_id: int
    article_channel: str
    sender_type: str
    visible_for_customer: bool
    is_automatic: bool = False
    # The article's number in its ticket (1: the first); 0 when not known.
    article_number: int = 0


@dataclass(frozen=True, kw_only=True)
class TicketAttributeChanged(DomainEvent):
    """An attribute changed; ``old`` and ``new`` are the values as history records them."""

    attribute: str
    old: str
    new: str


# One subclass per attribute so subscribers choose what they hear.
class TicketMoved(TicketAttributeChanged): ...


class TicketStateChanged(TicketAttributeChanged): ...


class TicketPriorityChanged(TicketAttributeChanged): ...


class TicketTypeChanged(TicketAttributeChanged): ...


class TicketTitleChanged(TicketAttributeChanged): ...


class TicketLockChanged(TicketAttributeChanged): ...


class TicketOwnerChanged(TicketAttributeChanged): ...


class TicketResponsibleChanged(TicketAttributeChanged): ...


class TicketCustomerChanged(TicketAttributeChanged): ...


class TicketPendingTimeChanged(TicketAttributeChanged): ...


class TicketLinked(TicketAttributeChanged): ...


class TicketWatchChanged(TicketAttributeChanged): ...


class TicketServiceChanged(TicketAttributeChanged): ...


class TicketSLAChanged(TicketAttributeChanged): ...


class TicketMerged(TicketAttributeChanged): ...


class TicketMasterSlaveChanged(TicketAttributeChanged): ...


class TicketDynamicFieldChanged(TicketAttributeChanged): ...


class TicketBounced(TicketAttributeChanged): ...
