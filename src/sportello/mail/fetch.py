"""Fetching mail from IMAP and POP3 accounts into tickets.

A message is removed from the server only after ``ingest_message`` returned, that is once
its ticket/article is committed or it is kept whole in the failed-mail spool. When the
database is unreachable the run stops and that message and all later ones stay on the
server. Messages are fetched one at a time, at most ``MAX_MESSAGES`` per run.
"""

from __future__ import annotations

import base64
import imaplib
import logging
import poplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.db import DatabaseError
from django.utils import timezone

from sportello.mail.models import AccountType, MailAccount, Security

logger = logging.getLogger(__name__)

MAX_MESSAGES = 500
TIMEOUT = 60.0  # seconds for connecting and for each read from the server
# The periodic task ticks every minute, a run takes a moment: without slack an account
# polled every minute would only be due on every second tick.
DUE_SLACK = timedelta(seconds=30)
# poplib refuses lines over 2048 bytes; real mail has longer ones (senders ignore RFC
# 5322's 998), and one such message must not block the account forever.
POP3_MAX_LINE = 1024 * 1024

_MAIL_ERRORS = (OSError, EOFError, imaplib.IMAP4.error, poplib.error_proto, UnicodeError)


@dataclass
class FetchReport:
    account: str
    fetched: int = 0
    stored: int = 0  # filed as a new ticket or follow-up (or ignored by a filter)
    duplicates: int = 0
    failed: int = 0  # kept in the failed-mail spool, or left on the server after an error
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        line = (
            f"{self.account}: fetched {self.fetched}, stored {self.stored}, "
            f"duplicates {self.duplicates}, failed {self.failed}"
        )
        return line + "".join(f"; error: {error}" for error in self.errors)


class FetchError(Exception):
    """A step against the mail server failed; the message says which one."""


class _Mailbox(Protocol):
    def keys(self, limit: int) -> list[str]: ...
    def retrieve(self, key: str) -> bytes | None: ...
    def delete(self, key: str) -> None: ...
    def close(self) -> None: ...  # commits the deletions
    def abort(self) -> None: ...


def _text(error: BaseException) -> str:
    if len(error.args) == 1 and isinstance(error.args[0], bytes):
        return error.args[0].decode(errors="replace")
    return str(error) or type(error).__name__


@contextmanager
def _step(what: str) -> Iterator[None]:
    try:
        yield
    except _MAIL_ERRORS as error:
        raise FetchError(f"{what}: {_text(error)}") from error


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3): "Störungen" is
    "St&APY-rungen"."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = base64.b64encode("".join(pending).encode("utf-16-be")).decode()
            out.append("&" + data.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


class _Imap:
    def __init__(self, account: MailAccount, timeout: float) -> None:
        host, port = account.host, account.effective_port
        self.conn: imaplib.IMAP4
        with _step(f"cannot connect to {host}:{port}"):
            if account.security == Security.TLS:
                context = ssl.create_default_context()
                self.conn = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
            else:
                self.conn = imaplib.IMAP4(host, port, timeout=timeout)
        try:
            if account.security == Security.STARTTLS:
                with _step(f"STARTTLS with {host}:{port} failed"):
                    self.conn.starttls(ssl_context=ssl.create_default_context())
            with _step(f"login as {account.username} failed"):
                self._login(account.username, account.password)
            with _step(f"cannot open folder {account.imap_folder}"):
                typ, data = self.conn.select(_quote(imap_utf7(account.imap_folder)))
                if typ != "OK":
                    raise imaplib.IMAP4.error(data[-1])
        except BaseException:
            self.abort()
            raise

    def _login(self, username: str, password: str) -> None:
        if username.isascii() and password.isascii():
            self.conn.login(_quote(username), password)
        else:
            # LOGIN only takes ASCII; SASL PLAIN carries UTF-8.
            secret = f"\0{username}\0{password}".encode()
            self.conn.authenticate("PLAIN", lambda _challenge: secret)

    def _check(self, typ: str, data: list[object]) -> None:
        if typ != "OK":
            raise imaplib.IMAP4.error(data[-1] if data else typ)

    def keys(self, limit: int) -> list[str]:
        # Messages flagged \Deleted were stored by an earlier run that did not get to
        # EXPUNGE (or were deleted by someone else): they are not mail to file.
        typ, data = self.conn.uid("SEARCH", "UNDELETED")
        self._check(typ, data)
        return [uid.decode() for uid in (data[0] or b"").split()][:limit]

    def retrieve(self, key: str) -> bytes | None:
        typ, data = self.conn.uid("FETCH", key, "(BODY.PEEK[])")
        self._check(typ, data)
        for item in data:
            if isinstance(item, tuple) and b"BODY[]" in item[0]:
                return bytes(item[1])
        return None  # expunged by another client meanwhile

    def delete(self, key: str) -> None:
        typ, data = self.conn.uid("STORE", key, "+FLAGS.SILENT", r"(\Deleted)")
        self._check(typ, data)

    def close(self) -> None:
        typ, data = self.conn.expunge()
        self._check(typ, data)
        self.abort()

    def abort(self) -> None:
        with suppress(*_MAIL_ERRORS):
            self.conn.logout()


class _Pop3Plain(poplib.POP3):
    def _getline(self) -> tuple[bytes, int]:
        # poplib's own, with a larger limit (POP3_MAX_LINE).
        line = self.file.readline(POP3_MAX_LINE + 1)
        if len(line) > POP3_MAX_LINE:
            raise poplib.error_proto("line too long")
        if not line:
            raise poplib.error_proto("-ERR EOF")
        octets = len(line)
        if line[-2:] == b"\r\n":
            return line[:-2], octets
        if line[:1] == b"\r":
            return line[1:-1], octets
        return line[:-1], octets


class _Pop3Tls(_Pop3Plain, poplib.POP3_SSL):
    pass


class _Pop3:
    def __init__(self, account: MailAccount, timeout: float) -> None:
        host, port = account.host, account.effective_port
        self.conn: poplib.POP3
        with _step(f"cannot connect to {host}:{port}"):
            if account.security == Security.TLS:
                context = ssl.create_default_context()
                self.conn = _Pop3Tls(host, port, timeout=timeout, context=context)
            else:
                self.conn = _Pop3Plain(host, port, timeout=timeout)
        try:
            if account.security == Security.STARTTLS:
                with _step(f"STLS with {host}:{port} failed"):
                    self.conn.stls(context=ssl.create_default_context())
            with _step(f"login as {account.username} failed"):
                self.conn.user(account.username)
                self.conn.pass_(account.password)
        except BaseException:
            self.abort()
            raise

    def keys(self, limit: int) -> list[str]:
        count, _size = self.conn.stat()
        return [str(number) for number in range(1, min(count, limit) + 1)]

    def retrieve(self, key: str) -> bytes | None:
        _response, lines, _octets = self.conn.retr(key)
        return b"\r\n".join(lines) + b"\r\n"

    def delete(self, key: str) -> None:
        self.conn.dele(key)

    def close(self) -> None:
        # POP3 removes the DELE'd messages only at QUIT; if the session breaks before,
        # they come again next run and ingest reports them as duplicates.
        self.conn.quit()

    def abort(self) -> None:
        with suppress(*_MAIL_ERRORS):
            self.conn.close()


def _connect(account: MailAccount, timeout: float) -> _Mailbox:
    if account.type == AccountType.IMAP:
        return _Imap(account, timeout)
    if account.type == AccountType.POP3:
        return _Pop3(account, timeout)
    raise FetchError(f"unknown account type {account.type!r}")


def _file_messages(box: _Mailbox, account: MailAccount, report: FetchReport, limit: int) -> None:
    from sportello.mail.ingest import DatabaseUnavailable, ingest_message

    source = f"{account.type}:{account.name}"[:200]  # the length of FailedMail.source
    queue = account.queue
    queue_name = queue.full_name if queue is not None else None
    for key in box.keys(limit):
        raw = box.retrieve(key)
        if raw is None:
            continue
        report.fetched += 1
        try:
            result = ingest_message(
                raw, source=source, queue_name=queue_name, trusted=account.trusted
            )
        except DatabaseUnavailable as error:
            report.errors.append(f"database unavailable, mail left on the server: {error}")
            return
        except Exception as error:  # nothing was stored: keep it on the server
            logger.exception("mail account %s: message %s could not be filed", account, key)
            report.failed += 1
            report.errors.append(f"message {key} left on the server: {_text(error)}")
            continue
        if result.result == "duplicate":
            report.duplicates += 1
        elif result.result == "spooled":
            report.failed += 1
        else:
            report.stored += 1
        box.delete(key)


def fetch_account(
    account: MailAccount, *, limit: int = MAX_MESSAGES, timeout: float = TIMEOUT
) -> FetchReport:
    """Fetch, file and delete the account's messages. Never raises: errors end up in the
    report and in ``account.last_error``."""
    report = FetchReport(account.name)
    started = timezone.now()
    try:
        box = _connect(account, timeout)
        try:
            _file_messages(box, account, report, limit)
        except BaseException:
            box.abort()
            raise
        with _step("could not remove the fetched messages from the server"):
            box.close()
    except FetchError as error:
        report.errors.append(str(error))
    except _MAIL_ERRORS as error:
        report.errors.append(f"{account.host}: {_text(error)}")
    except Exception as error:
        logger.exception("fetching mail account %s failed", account)
        report.errors.append(f"{type(error).__name__}: {error}")
    _record(account, started, report)
    return report


def _record(account: MailAccount, started: datetime, report: FetchReport) -> None:
    if report.errors:
        logger.warning("mail account %s: %s", account, report.summary())
    elif report.fetched:
        logger.info("mail account %s: %s", account, report.summary())
    account.last_fetch, account.last_error = started, "\n".join(report.errors)
    try:
        MailAccount.objects.filter(pk=account.pk).update(
            last_fetch=account.last_fetch, last_error=account.last_error
        )
    except DatabaseError:
        logger.exception("could not record the fetch of mail account %s", account)


def is_due(account: MailAccount, now: datetime) -> bool:
    if account.last_fetch is None:
        return True
    return account.last_fetch + timedelta(minutes=account.poll_interval) - DUE_SLACK <= now


def fetch_all(account_name: str | None = None, *, force: bool = False) -> list[FetchReport]:
    """Fetch every valid account whose poll interval has passed; all of them with
    ``force``; the named one now."""
    accounts = MailAccount.objects.filter(valid=True).select_related("queue")
    if account_name is not None:
        accounts, force = accounts.filter(name=account_name), True
    now = timezone.now()
    return [fetch_account(account) for account in accounts if force or is_due(account, now)]
