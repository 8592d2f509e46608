"""Where outgoing bytes go: an SMTP server, or .eml files for the embedded default."""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone


class TemporaryFailure(Exception):
    """Try again later: connection refused, timeout, 4xx."""


class PermanentFailure(Exception):
    """Never going to work: 5xx for every recipient."""


class Transport(Protocol):
    def send(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    """One connection reused for a batch; errors classified as temporary or permanent."""

    def __init__(self) -> None:
        self._client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        host, port = settings.SPORTELLO_SMTP_HOST, settings.SPORTELLO_SMTP_PORT
        timeout = settings.SPORTELLO_SMTP_TIMEOUT
        security = settings.SPORTELLO_SMTP_SECURITY
        client: smtplib.SMTP
        if security == "tls":
            client = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
        if settings.SPORTELLO_SMTP_USER:
            client.login(settings.SPORTELLO_SMTP_USER, settings.SPORTELLO_SMTP_PASSWORD)
        return client

    def send(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> None:
        try:
            if self._client is None:
                self._client = self._connect()
            refused = self._client.sendmail(envelope_from, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as error:
            self.close()
            codes = [code for code, _ in error.recipients.values()]
            detail = "; ".join(
                f"{rcpt}: {code} {msg!r}" for rcpt, (code, msg) in error.recipients.items()
            )
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(detail) from error
            raise TemporaryFailure(detail) from error
        except smtplib.SMTPResponseException as error:
            self.close()
            text = error.smtp_error
            text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
            detail = f"{error.smtp_code} {text}"
            if 500 <= error.smtp_code < 600:
                raise PermanentFailure(detail) from error
            raise TemporaryFailure(detail) from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
        if refused:
            # Accepted for some recipients: the message went out; note who refused.
            raise PermanentFailure(
                "; ".join(f"{rcpt}: {code} {msg!r}" for rcpt, (code, msg) in refused.items())
            )

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._client.quit()
            self._client = None


class FileTransport:
    """Writes each message to ``$SPORTELLO_HOME/outbox-sent/`` (no mail leaves the host)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(settings.SPORTELLO_HOME) / "outbox-sent"

    def send(self, envelope_from: str, recipients: Sequence[str], raw: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        recipient = (recipients[0] if recipients else "unknown").replace("/", "_")
        path = self.directory / f"{stamp}-{recipient}.eml"
        try:
            path.write_bytes(raw)
        except OSError as error:
            raise TemporaryFailure(str(error)) from error

    def close(self) -> None:
        pass


def get_transport() -> Transport:
    return SmtpTransport() if settings.SPORTELLO_SMTP_HOST else FileTransport()
