"""Keeping the index current: after commit, by event; and the rebuild command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.search.models import TicketDocument
from sportello.search.services import Criteria, search_tickets
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import Channel, SenderType
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


def numbers(agent: User, text: str) -> list[str]:
    return [t.number for t in search_tickets(agent, Criteria(fulltext=text))]


def test_new_articles_are_found_after_commit(
    agent: User, queue: Queue, actor: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as pending:
        ticket = make_ticket(queue, actor, article=customer_mail(body="Beamer flackert"))
        # Inside the transaction nothing is indexed yet.
        assert not TicketDocument.objects.filter(ticket=ticket).exists()
    for callback in pending:
        callback()
    assert numbers(agent, "beamer") == [ticket.number]
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(
            ticket,
            ArticleInput(
                channel=Channel.INTERNAL,
                sender_type=SenderType.AGENT,
                subject="Notiz",
                body="Kabel getauscht",
                attachments=[AttachmentInput("Kabelplan.pdf", "application/pdf", b"%PDF")],
            ),
            actor=actor,
        )
    assert numbers(agent, "kabel getauscht") == [ticket.number]
    assert numbers(agent, "kabelplan") == [ticket.number]
    assert numbers(agent, "beamer") == [ticket.number]


def test_rebuild_command(agent: User, queue: Queue, actor: Actor, keep_connections: None) -> None:
    # Created without running the after-commit events: not indexed.
    first = make_ticket(queue, actor, article=customer_mail(body="Mensa Karte gesperrt"))
    second = make_ticket(queue, actor, article=customer_mail(body="Mensa Karte verloren"))
    assert numbers(agent, "mensa") == []
    out = StringIO()
    call_command("search_index", "--ticket", first.number, stdout=out)
    assert numbers(agent, "mensa") == [first.number]
    call_command("search_index", "--rebuild", "--batch-size", "1", stdout=out)
    assert sorted(numbers(agent, "mensa karte")) == sorted([first.number, second.number])
    assert "2 tickets indexed." in out.getvalue()
    with pytest.raises(CommandError):
        call_command("search_index")
    with pytest.raises(CommandError):
        call_command("search_index", "--ticket", "0000")
