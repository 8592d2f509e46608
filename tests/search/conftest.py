from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import Channel, SenderType, Ticket
from tests.tickets.factories import customer_mail, make_ticket

MakeTicket = Callable[..., Ticket]


@pytest.fixture
def make_indexed(queue: Queue, actor: Actor, django_capture_on_commit_callbacks: Any) -> MakeTicket:
    """Create a ticket through the actions layer and let its events run (indexing)."""

    def make(
        *,
        subject: str,
        body: str,
        title: str | None = None,
        attachments: tuple[str, ...] = (),
        follow_ups: tuple[tuple[str, str], ...] = (),
        target_queue: Queue | None = None,
        **article: Any,
    ) -> Ticket:
        article.setdefault("to_address", "support@example.net")
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(
                target_queue or queue,
                actor,
                title=title if title is not None else subject,
                article=customer_mail(
                    subject=subject,
                    body=body,
                    attachments=[
                        AttachmentInput(name, "application/octet-stream", b"x")
                        for name in attachments
                    ],
                    **article,
                ),
            )
        for follow_subject, follow_body in follow_ups:
            with django_capture_on_commit_callbacks(execute=True):
                actions.add_article(
                    ticket,
                    ArticleInput(
                        channel=Channel.INTERNAL,
                        sender_type=SenderType.AGENT,
                        subject=follow_subject,
                        body=follow_body,
                    ),
                    actor=actor,
                )
        return ticket

    return make


@pytest.fixture
def corpus(make_indexed: MakeTicket) -> dict[str, Ticket]:
    """Tickets in German, Italian and English with umlauts, accents, ß, addresses and
    attachment names; keys name them in the tests."""
    return {
        "drucker": make_indexed(
            subject="Drucker im Büro druckt nicht",
            body="Der Drucker im 2. Stock zeigt Papierstau.\nGrüße, Jürgen Müller",
            from_address="Jürgen Müller <j.mueller@uni-example.de>",
            follow_ups=(("Auch hier", "Das WLAN ist auch kaputt."),),
        ),
        "stampante": make_indexed(
            subject="Stampante non funziona",
            body="La stampante dell'ufficio è guasta. Perché? Città universitaria.",
            from_address="Luca Bianchi <luca@unito.example.it>",
        ),
        "wlan": make_indexed(
            subject="WLAN kaputt",
            body="Das WLAN im Hörsaal geht nicht. Straße der Einheit 5.",
            attachments=("Fehlerbild.PNG",),
        ),
        "printer": make_indexed(
            subject="Printer broken",
            body="The printer on floor 3 is broken; printing fails since Monday.",
            cc_address="helpdesk@example.org",
            from_address="Ann Smith <ann@example.com>",
        ),
        "passwort": make_indexed(
            subject="Passwort vergessen",
            body="Ich habe mein Passwort vergessen, bitte zurücksetzen. Danke!",
            attachments=("Anleitung Passwort.pdf",),
            from_address="Eva Graß <eva@example.de>",
        ),
    }


@pytest.fixture
def searcher(agent: User) -> User:
    return agent


@pytest.fixture
def board(group: Any, queue: Queue, agent: User, other_agent: User) -> Any:
    from tests.search.board import build_board

    return build_board(group, queue, agent, other_agent)
