"""Incoming mail: every message becomes a new ticket, a follow-up, or a spool entry.

``ingest_message`` returns only when the message is durably stored: its ticket and article
committed, or the raw bytes kept in the failed-mail spool. Processing is idempotent: the
same message delivered again (same Message-ID, Date, From, Subject, To, Cc and body; see
``parsing.content_hash``) is stored once and reported "duplicate", also when the second
copy was delivered to another system address: one message, one ticket, in the queue of
the copy that arrived first. A different mail that reuses a Message-ID is filed. Every
message not filed normally (a duplicate, one a filter ignored) says why in the result and
is listed with its reason among the failed mail.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import QuerySet, Subquery

from sportello.accounts import selectors as accounts_selectors
from sportello.core import cache
from sportello.core.actor import Actor
from sportello.core.events import collect, publish
from sportello.core.models import ConfigVersion
from sportello.core.statements import TEXT, Statement
from sportello.customers.models import CustomerUser
from sportello.mail import followup
from sportello.mail.context import by_address
from sportello.mail.events import MailFiled, MailTooLarge
from sportello.mail.filters import Decision, apply_to_follow_up, apply_to_new, decide
from sportello.mail.models import AutoResponseType, FailedMailStatus
from sportello.mail.parsing import Address, ParsedMessage, parse_message
from sportello.mail.spool import record_not_filed, spool_to_database, spool_to_files
from sportello.queues import selectors as queues_selectors
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets import events as ticket_events
from sportello.tickets import selectors as tickets_selectors
from sportello.tickets.actions.followup import NewTicket, Outcome
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Channel, SenderType, StateType, Ticket

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "Raw"
JUNK_QUEUE = "Junk"
RESULTS = ("new", "followup", "duplicate", "ignored", "spooled")


class DatabaseUnavailable(Exception):
    """The database cannot be reached; nothing was stored (the MTA should retry)."""


@dataclass
class IngestResult:
    result: str
    ticket: str = ""
    article: int | None = None
    reason: str = ""  # why a message was not filed normally (duplicate, ignored, automatic)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def line(self) -> dict[str, object]:
        """The result line the mail commands print (a reason only when there is one)."""
        line: dict[str, object] = {
            "ticket": self.ticket,
            "article": self.article,
            "result": self.result,
        }
        return {**line, "reason": self.reason} if self.reason else line


def ensure_database() -> None:
    try:
        connection.ensure_connection()
    except (OperationalError, InterfaceError) as error:
        raise DatabaseUnavailable(str(error)) from error


def ingest_message(
    raw: bytes,
    *,
    source: str = "stdin",
    queue_name: str | None = None,
    trusted: bool = False,
    _spool_failures: bool = True,
) -> IngestResult:
    """File one raw message. ``_spool_failures=False`` is for retrying the spool itself:
    a failure then reports "spooled" without writing a second spool entry."""
    ensure_database()
    if len(raw) > settings.SPORTELLO_MAIL_MAX_SIZE and _spool_failures:
        return _spool_too_large(raw, source=source)
    try:
        return _process(raw, queue_name=queue_name, trusted=trusted, source=source)
    except Exception as error:
        logger.exception("incoming mail from %s could not be processed", source)
        if not _spool_failures:
            return IngestResult("spooled")
        return _spool(raw, error=error, source=source)


def _spool(raw: bytes, *, error: BaseException, source: str) -> IngestResult:
    details = "".join(traceback.format_exception(error))
    try:
        meta = _summary(raw)
        with transaction.atomic():
            spool_to_database(raw, error=details, source=source, **meta)
    except (DatabaseError, OSError):
        # The database went away too: keep the message in files until it is back.
        logger.exception("failed-mail spool unavailable, writing to files")
        spool_to_files(raw, error=details, source=source)
    return IngestResult("spooled")


def _summary(raw: bytes) -> dict[str, str]:
    try:
        message = parse_message(raw)
    except Exception:
        return {}
    sender = message.from_.email if message.from_ else ""
    return {"message_id": message.message_id, "from_address": sender, "subject": message.subject}


def _spool_too_large(raw: bytes, *, source: str) -> IngestResult:
    meta = _summary(raw[: 256 * 1024])  # the headers are enough to answer the sender
    error = f"message of {len(raw)} bytes exceeds the limit of {settings.SPORTELLO_MAIL_MAX_SIZE}"
    with transaction.atomic():
        failed = spool_to_database(
            raw, error=error, source=source, status=FailedMailStatus.TOO_LARGE, **meta
        )
        publish(
            MailTooLarge(
                ticket_id=None,
                actor_id=None,
                channel="mail",
                failed_mail_id=failed.pk,
                sender=meta.get("from_address", ""),
                subject=meta.get("subject", ""),
                size=len(raw),
            )
        )
    return IngestResult("spooled")


def _addresses(addresses: list[Address]) -> str:
    return ", ".join(str(a) for a in addresses)


def _article_input(message: ParsedMessage, *, is_automatic: bool) -> ArticleInput:
    return ArticleInput(
        channel=Channel.EMAIL,
        sender_type=SenderType.CUSTOMER,
        visible_for_customer=True,
        from_address=str(message.from_) if message.from_ else "",
        to_address=_addresses(message.to),
        cc_address=_addresses(message.cc),
        reply_to=_addresses(message.reply_to),
        subject=message.subject,
        body=message.body_text,
        body_html=message.body_html,
        message_id=message.message_id,
        in_reply_to=" ".join(message.in_reply_to),
        references=" ".join(message.references),
        raw_source=message.raw,
        content_hash=message.content_hash,
        is_automatic=is_automatic,
        attachments=[
            AttachmentInput(
                filename=part.filename,
                content_type=part.content_type,
                content=part.payload(),
                content_id=part.content_id,
                inline=part.inline,
            )
            for part in message.attachments
        ],
    )


def _is_automatic(message: ParsedMessage) -> bool:
    return bool(_automatic_reason(message))


def _automatic_reason(message: ParsedMessage) -> str:
    loop_id = settings.SPORTELLO_LOOP_ID.lower()
    if any(loop_id == value.strip().lower() for value in message.x_loop):
        return f"mail loop, X-Loop: {settings.SPORTELLO_LOOP_ID}"
    return message.auto_submitted_reason


# The condition of the partial unique index, spelled out so SQLite uses it too. The index
# is unique: at most one row.
def _duplicates(content_hash: str) -> QuerySet[Article]:
    return Article.objects.filter(content_hash=content_hash).exclude(content_hash="").order_by()


def _customers(address: str) -> QuerySet[CustomerUser]:
    return by_address(address).filter(valid=True).order_by("pk")


def _first_read(hash_1: str, hash_2: str, address_1: str, address_2: str) -> QuerySet[Any]:
    """What every message needs first, in one round trip: the configuration token, the
    duplicate (ticket and article number), the sender's customer login and company."""
    return ConfigVersion.objects.filter(pk=ConfigVersion.SINGLETON).values_list(
        "token",
        Subquery(_duplicates(hash_1).values("ticket__number")),
        Subquery(_duplicates(hash_2).values("number")),
        Subquery(_customers(address_1).values("login")[:1]),
        Subquery(_customers(address_2).values("company__customer_id")[:1]),
    )


# Compiled once (core.statements): these run for every message.
_FIRST_READ = Statement(_first_read, TEXT, TEXT, TEXT, TEXT)
_DUPLICATE = Statement(lambda h: _duplicates(h).values_list("ticket__number", "number"), TEXT)


@dataclass(frozen=True)
class _Known:
    duplicate: IngestResult | None
    customer: tuple[str, str] | None  # login and company id of a valid customer user


def _first_lookups(message: ParsedMessage) -> _Known:
    address = message.from_.email if message.from_ else ""
    found = _FIRST_READ.rows(message.content_hash, message.content_hash, address, address)
    if not found:  # no configuration row (an emptied database): ask one by one
        cache.refresh()
        return _Known(_duplicate(message), _customer_by_address(address))
    token, ticket_number, article_number, login, company = found[0]
    cache.accept(token or "")
    duplicate = _duplicate_result(message, ticket_number, article_number) if ticket_number else None
    return _Known(duplicate, (login, company or "") if login else None)


def _duplicate(message: ParsedMessage) -> IngestResult | None:
    found = _DUPLICATE.rows(message.content_hash)
    return _duplicate_result(message, found[0][0], found[0][1]) if found else None


def _duplicate_result(message: ParsedMessage, ticket_number: str, article: int) -> IngestResult:
    same = (
        f"Message-ID {message.message_id}, Date, From, Subject, To, Cc and body"
        if message.message_id
        else "bytes, no Message-ID"
    )
    reason = f"duplicate: the same message ({same}) is article {article} of ticket {ticket_number}"
    return IngestResult("duplicate", ticket_number, article, reason)


def _record(raw: bytes, message: ParsedMessage, result: IngestResult, *, source: str) -> None:
    """Log a message that was not filed normally and list it for the operator."""
    logger.info(
        "mail %s from %s: %s", message.message_id or "without Message-ID", source, result.reason
    )
    record_not_filed(
        raw,
        status=result.result,
        reason=result.reason,
        source=source,
        ticket_number=result.ticket,
        message_id=message.message_id,
        from_address=message.from_.email if message.from_ else "",
        subject=message.subject,
    )


def _customer_by_address(address: str) -> tuple[str, str] | None:
    if not address:
        return None
    customer = _customers(address).values_list("login", "company__customer_id").first()
    return (customer[0], customer[1] or "") if customer else None


def _process(raw: bytes, *, queue_name: str | None, trusted: bool, source: str) -> IngestResult:
    message = parse_message(raw)
    known = _first_lookups(message)  # also drops a configuration cache that is stale
    if known.duplicate is not None:
        _record(raw, message, known.duplicate, source=source)
        return known.duplicate
    trusted = trusted or settings.SPORTELLO_MAIL_TRUST_HEADERS
    decision, _applied = decide(message, trusted=trusted)
    is_automatic = _is_automatic(message)
    try:
        # Reads only: whatever writes opens its own transaction (one per message; two
        # actions that must stand or fall together share one, below).
        ticket = followup.find_ticket(message)
        if ticket is not None:
            result = _follow_up(ticket, message, decision, known, is_automatic=is_automatic)
        else:
            result = _new_ticket(message, decision, known, queue_name, is_automatic=is_automatic)
    except IntegrityError:
        # A parallel delivery of the same message won the race on the unique hash.
        duplicate = _duplicate(message)
        if duplicate is None:
            raise
        result = duplicate
    if result.result == "ignored":
        result.reason = f"ignored by {decision.ignored_by or 'a postmaster filter'}"
    elif is_automatic and not result.reason:
        result.reason = f"automatic mail ({_automatic_reason(message)}): no auto-response"
    if result.result in ("duplicate", "ignored"):
        _record(raw, message, result, source=source)
    return result


def _customer(message: ParsedMessage, decision: Decision, known: _Known) -> tuple[str, str]:
    if decision.customer_user:
        return decision.customer_user, decision.customer_company
    sender = message.from_.email if message.from_ else ""
    if not sender:
        return "", decision.customer_company
    if known.customer is None:
        return sender, decision.customer_company
    login, company = known.customer
    return login, decision.customer_company or company


def _route(message: ParsedMessage, decision: Decision, queue_name: str | None) -> Queue:
    wanted = queue_name or (JUNK_QUEUE if decision.ignore else "") or decision.queue
    if wanted:
        queue = queues_selectors.queue_by_name(wanted)
        if queue is not None:
            return queue
        logger.warning("queue %r from mail routing does not exist; routing by recipient", wanted)
    for recipient in message.recipients:
        queue = queues_selectors.queue_for_address(recipient)
        if queue is not None:
            return queue
    return queues_selectors.queue_by_name(DEFAULT_QUEUE) or Queue.objects.get(
        full_name=DEFAULT_QUEUE
    )


def _attributes(message: ParsedMessage, decision: Decision, known: _Known) -> NewTicket:
    """A new ticket's attributes: the postmaster filters' choice, else the defaults."""
    customer_user, customer_company = _customer(message, decision, known)
    state = tickets_selectors.state_by_name(decision.state) if decision.state else None
    if state is not None and (state.is_pending or state.type == StateType.MERGED):
        state = None  # a pending or merged state needs more than a mail can say
    return NewTicket(
        title=decision.title or message.subject,
        state=state or tickets_selectors.default_state(),
        priority=(
            tickets_selectors.priority_by_name(decision.priority)
            if decision.priority
            else tickets_selectors.default_priority()
        ),
        type=(
            tickets_selectors.ticket_type_by_name(decision.type)
            if decision.type
            else tickets_selectors.default_ticket_type()
        ),
        customer_user_id=customer_user,
        customer_company_id=customer_company,
        quiet=decision.ignore,
    )


def _new_ticket(
    message: ParsedMessage,
    decision: Decision,
    known: _Known,
    queue_name: str | None,
    *,
    is_automatic: bool,
) -> IngestResult:
    actor = _actor(message)
    queue = _route(message, decision, queue_name)
    fields = _attributes(message, decision, known)
    # The filters' changes after creation stand or fall with the new ticket.
    with (
        transaction.atomic() if decision.after_creation else nullcontext(),
        collect() as published,
    ):
        ticket = actions.create_ticket(
            title=fields.title or "",
            queue=queue,
            actor=actor,
            state=fields.state,
            priority=fields.priority,
            type=fields.type,
            customer_user_id=fields.customer_user_id or "",
            customer_company_id=fields.customer_company_id or "",
            article=_article_input(message, is_automatic=is_automatic),
            quiet=fields.quiet,
        )
        if decision.after_creation:
            ticket = apply_to_new(ticket, decision, actor=actor)
        # The first article's id, from its event: no need to read the row back.
        article_id = next(
            e.article_id for e in published if isinstance(e, ticket_events.ArticleAdded)
        )
        result = "ignored" if decision.ignore else "new"
        response = "" if is_automatic or decision.ignore else AutoResponseType.NEW_TICKET
        _publish_filed(ticket, article_id, actor, result, response)
    return IngestResult(result, ticket.number, 1)


# Per outcome of a follow-up: the result reported and the auto-response it may send.
_FOLLOW_UP_RESULTS = {
    Outcome.ADDED: ("followup", AutoResponseType.FOLLOW_UP),
    Outcome.REJECTED: ("followup", AutoResponseType.REJECT),
    Outcome.NEW_TICKET: ("new", AutoResponseType.NEW_AFTER_CLOSED),
}


def _follow_up(
    ticket: Ticket,
    message: ParsedMessage,
    decision: Decision,
    known: _Known,
    *,
    is_automatic: bool,
) -> IngestResult:
    actor = _actor(message)
    data = _article_input(message, is_automatic=is_automatic)
    data.history_type = HistoryType.FOLLOW_UP
    # A rejected follow-up is kept in the closed ticket: a mail is never dropped. The
    # filters' changes stand or fall with the article (or the new ticket).
    with (
        transaction.atomic()
        if decision.after_creation or not decision.follow_up.empty
        else nullcontext()
    ):
        done = actions.customer_follow_up(
            ticket,
            data,
            actor=actor,
            is_automatic=is_automatic,
            keep_rejected=True,
            new_ticket=_attributes(message, decision, known),
        )
        if done.outcome == Outcome.NEW_TICKET:
            if decision.after_creation:
                apply_to_new(done.ticket, decision, actor=actor)
        elif not decision.follow_up.empty:
            apply_to_follow_up(done.ticket, decision, actor=actor)
    result, response = _FOLLOW_UP_RESULTS[done.outcome]
    if done.outcome == Outcome.NEW_TICKET and decision.ignore:
        result = "ignored"
    quiet = is_automatic or result == "ignored"
    _publish_filed(done.ticket, done.article_id, actor, result, "" if quiet else response)
    return IngestResult(result, done.ticket.number, done.article_number)


def _sender_label(message: ParsedMessage) -> str:
    return message.from_.email if message.from_ and message.from_.email else "mail"


def _actor(message: ParsedMessage) -> Actor:
    return Actor(user=accounts_selectors.system_user(), channel="mail", name=_sender_label(message))


def _publish_filed(
    ticket: Ticket, article_id: int, actor: Actor, result: str, auto_response: str
) -> None:
    publish(
        MailFiled(
            ticket_id=ticket.pk,
            actor_id=actor.user.pk,
            channel="mail",
            article_id=article_id,
            queue_id=ticket.queue_id,
            result=result,
            auto_response=auto_response,
            quiet=result == "ignored",
        )
    )


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
