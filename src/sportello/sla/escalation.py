"""Due times of a ticket under an SLA, computed from the ticket's milestones alone.

Three clocks, in working minutes of the SLA's calendar:

* first response: from creation until the first agent article visible to the customer;
* update: from the last contact (customer article, or agent article for the customer);
  leaving a pending state restarts it;
* solution: from creation until the ticket is closed.

While the ticket is pending and the SLA says pending stops the clock, no clock runs; the
working minutes spent pending are added to the first response and solution times when
it leaves. Each clock has two thresholds (the warning at ``warning_percent`` and the
escalation itself), each notified once: a bit in ``Ticket.escalation_notified``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sportello.tickets.models import StateType

if TYPE_CHECKING:
    from sportello.sla.models import SLA
    from sportello.sla.working_time import WorkingCalendar


class Milestones(Protocol):
    """What the clocks start from: a ticket, or the columns the sweep reads of one."""

    @property
    def created(self) -> datetime: ...
    @property
    def first_response_at(self) -> datetime | None: ...
    @property
    def update_start(self) -> datetime | None: ...
    @property
    def sla_paused_since(self) -> datetime | None: ...
    @property
    def sla_paused_minutes(self) -> float: ...


class Clock(enum.StrEnum):
    FIRST_RESPONSE = "first_response"
    UPDATE = "update"
    SOLUTION = "solution"


CLOCKS = (Clock.FIRST_RESPONSE, Clock.UPDATE, Clock.SOLUTION)
DUE_FIELD = {clock: f"{clock.value}_due" for clock in CLOCKS}
_INDEX = {clock: index for index, clock in enumerate(CLOCKS)}


def warning_bit(clock: Clock) -> int:
    return 1 << (2 * _INDEX[clock])


def escalation_bit(clock: Clock) -> int:
    return 1 << (2 * _INDEX[clock] + 1)


def clock_bits(clock: Clock) -> int:
    return warning_bit(clock) | escalation_bit(clock)


STOPPED_TYPES = (StateType.CLOSED, StateType.MERGED, StateType.REMOVED)


@dataclass(frozen=True)
class Threshold:
    clock: Clock
    escalation: bool  # False: the warning
    at: datetime

    @property
    def bit(self) -> int:
        return escalation_bit(self.clock) if self.escalation else warning_bit(self.clock)


@dataclass
class Plan:
    due: dict[Clock, datetime | None] = field(default_factory=lambda: dict.fromkeys(CLOCKS, None))
    thresholds: list[Threshold] = field(default_factory=list)

    def next_at(self, notified: int) -> datetime | None:
        pending = [t.at for t in self.thresholds if not notified & t.bit]
        return min(pending) if pending else None

    def warning_at(self, clock: Clock) -> datetime | None:
        for threshold in self.thresholds:
            if threshold.clock == clock and not threshold.escalation:
                return threshold.at
        return None


def plan(ticket: Milestones, sla: SLA | None, calendar: WorkingCalendar, state_type: str) -> Plan:
    """The due and warning times of ``ticket`` (its stored milestones) under ``sla``."""
    result = Plan()
    if sla is None or state_type in STOPPED_TYPES:
        return result
    paused = 0.0
    if sla.pending_stops_clock:
        if ticket.sla_paused_since is not None:
            return result
        paused = ticket.sla_paused_minutes
    clocks: list[tuple[Clock, datetime, int, float]] = []
    if sla.first_response_minutes and ticket.first_response_at is None:
        clocks.append((Clock.FIRST_RESPONSE, ticket.created, sla.first_response_minutes, paused))
    if sla.update_minutes:
        start = ticket.update_start or ticket.created
        clocks.append((Clock.UPDATE, start, sla.update_minutes, 0.0))
    if sla.solution_minutes:
        clocks.append((Clock.SOLUTION, ticket.created, sla.solution_minutes, paused))
    for clock, start, minutes, extra in clocks:
        due = calendar.add(start, minutes + extra)
        result.due[clock] = due
        if sla.warning_percent:
            warn = calendar.add(start, minutes * sla.warning_percent / 100 + extra)
            result.thresholds.append(Threshold(clock, False, warn))
        result.thresholds.append(Threshold(clock, True, due))
    return result
