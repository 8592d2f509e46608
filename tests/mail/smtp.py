"""A real SMTP server for tests: aiosmtpd on a free loopback port, keeping what it gets."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# aiosmtpd logs every connection at INFO from its own thread, also after a test ended and
# pytest closed the stream the root handler writes to ("Logging error" noise).
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    # Recipient address -> SMTP answer, to simulate refusals ("550 no such user").
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), bytes(envelope.content))  # type: ignore[arg-type]
        )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.handler = SinkHandler()
        self.port = port or free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def configure(self, settings: Any) -> None:
        settings.SPORTELLO_SMTP_HOST = "127.0.0.1"
        settings.SPORTELLO_SMTP_PORT = self.port
        settings.SPORTELLO_SMTP_SECURITY = "none"
        settings.SPORTELLO_SMTP_TIMEOUT = 5
