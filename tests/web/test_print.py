from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_ticket_pdf_has_every_article_with_umlauts_and_accents(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(
        queue,
        actor,
        title="Größenänderung der Übersicht",
        article=customer_mail(body="Grüße aus Düsseldorf, àèéìòù ß"),
    )
    actions.add_article(
        ticket,
        ArticleInput(channel="internal", sender_type="agent", body="Interne Notiz: perché?"),
        actor=actor,
    )
    client.force_login(agent)
    response = client.get(f"/ticket/{ticket.number}/print/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="ticket-{ticket.number}.pdf"'
    text = text_of(response.content)
    for expected in (
        ticket.number,
        "Größenänderung der Übersicht",
        "Grüße aus Düsseldorf, àèéìòù ß",
        "Interne Notiz: perché?",
        "#2",
        "internal",
        "visible for the customer",
    ):
        assert expected in text, expected
    assert text.index("Grüße") < text.index("Interne Notiz")


def test_article_pdf_has_only_that_article(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor, article=customer_mail(body="Erster Artikel"))
    actions.add_article(
        ticket,
        ArticleInput(channel="phone", sender_type="agent", body="Zweiter Anruf"),
        actor=actor,
    )
    client.force_login(agent)
    text = text_of(client.get(f"/ticket/{ticket.number}/article/2/print/").content)
    assert "Zweiter Anruf" in text and "Erster Artikel" not in text
    assert client.get(f"/ticket/{ticket.number}/article/3/print/").status_code == 404


def test_missing_font_is_a_clear_error(
    client: Client, agent: User, queue: Queue, actor: Actor, settings: object, tmp_path: object
) -> None:
    ticket = make_ticket(queue, actor)
    settings.SPORTELLO_PDF_FONT_DIR = str(tmp_path)  # type: ignore[attr-defined]
    client.force_login(agent)
    response = client.get(f"/ticket/{ticket.number}/print/")
    assert response.status_code == 503 and b"PDF font is not installed" in response.content
