"""Follow-up detection: which existing ticket does an incoming mail belong to?

In this order: the ticket number after the ticket hook in the subject (any reply prefix,
brackets or not), then In-Reply-To / References matching a stored Message-ID; for a bounce,
the same two in the message it returns. A merged ticket hands its follow-ups to the ticket
it was merged into.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.db.models import QuerySet

from sportello.core.statements import INTEGER, TEXT, Statement
from sportello.mail.parsing import ParsedMessage
from sportello.tickets.models import Article, Ticket
from sportello.tickets.numbers import COUNTER_MIN_WIDTH, is_valid_number

MAX_MERGE_HOPS = 10


def _tickets() -> QuerySet[Ticket]:
    # What filing a follow-up reads next: the state (closed?) and the queue (policy).
    return Ticket.objects.select_related("state", "queue")


# Compiled once (core.statements): every incoming mail asks.
_BY_NUMBERS = Statement(lambda numbers: _tickets().filter(number__in=numbers), [TEXT])
_BY_ID = Statement(lambda pk: _tickets().filter(pk=pk), INTEGER)
# Each referenced Message-ID with its article's ticket; the ticket is read by primary key
# afterwards. Neither a join nor an ORDER BY: with either, a planner with stale statistics
# may walk the whole ticket or article table instead of the Message-ID index.
_REFERENCED = Statement(
    lambda ids: (
        Article.objects.filter(message_id__in=ids)
        .order_by()
        .values_list("id", "message_id", "ticket_id")
    ),
    [TEXT],
)


@lru_cache(maxsize=8)
def _subject_pattern(hook: str) -> re.Pattern[str]:
    return re.compile(re.escape(hook) + r"\s*:?\s*(\d{6,40})", re.IGNORECASE)


def _auto_increment_form(number: str) -> bool:
    # OTRS's AutoIncrement generator: SystemID + a counter of at least five digits. Its
    # GetTNByString (CheckSystemID) takes nothing else, and neither does Sportello: a
    # number without the check digit must carry this system's id (the import asks for
    # SPORTELLO_SYSTEM_ID = Znuny's SystemID) and still only an exact match finds it.
    system_id = str(settings.SPORTELLO_SYSTEM_ID)
    return number.startswith(system_id) and len(number) >= len(system_id) + COUNTER_MIN_WIDTH


def numbers_in_subject(subject: str) -> list[str]:
    hook = settings.SPORTELLO_TICKET_HOOK
    if not hook.strip():
        return []  # without a hook every number in a subject would look like one
    found = _subject_pattern(hook).findall(subject)
    valid = [n for n in dict.fromkeys(found) if is_valid_number(n)]
    # Numbers with the check digit first; then those of OTRS's AutoIncrement generator
    # (kept by an import from Znuny).
    return valid + [n for n in dict.fromkeys(found) if n not in valid and _auto_increment_form(n)]


def _by_subject(subject: str) -> Ticket | None:
    numbers = numbers_in_subject(subject)
    if not numbers:
        return None
    tickets = {t.number: t for t in _BY_NUMBERS.objects(numbers)}
    return next((tickets[n] for n in numbers if n in tickets), None)


def _by_references(references: list[str]) -> Ticket | None:
    ids = [i for i in dict.fromkeys(references) if i and len(i) <= 998][:50]
    if not ids:
        return None
    found: dict[str, int] = {}
    for _id, message_id, ticket_id in sorted(_REFERENCED.rows(ids)):
        found[message_id] = ticket_id  # the newest article wins
    ticket_id = next((found[i] for i in ids if i in found), None)
    return None if ticket_id is None else _BY_ID.first(ticket_id)


def follow_merges(ticket: Ticket) -> Ticket:
    for _ in range(MAX_MERGE_HOPS):
        if ticket.merged_into_id is None:
            break
        merged_into = _BY_ID.first(ticket.merged_into_id)
        if merged_into is None:
            break
        ticket = merged_into
    return ticket


def _find(subject: str, references: list[str]) -> Ticket | None:
    ticket = None
    if settings.SPORTELLO_FOLLOWUP_BY_SUBJECT:
        ticket = _by_subject(subject)
    if ticket is None and settings.SPORTELLO_FOLLOWUP_BY_REFERENCES and references:
        ticket = _by_references(references)
    return ticket


def find_ticket(message: ParsedMessage) -> Ticket | None:
    # The newest reference first: In-Reply-To, then References from the end.
    ticket = _find(message.subject, [*message.in_reply_to, *reversed(message.references)])
    # A bounce (automatic mail) names its ticket in the message it returns; a customer's
    # own mail that forwards one of ours as an attachment is not a follow-up by that.
    returns = message.returned_subject or message.returned_message_id
    if ticket is None and returns and message.auto_submitted_reason:
        returned = [message.returned_message_id] if message.returned_message_id else []
        ticket = _find(message.returned_subject, returned)
    return follow_merges(ticket) if ticket is not None else None
