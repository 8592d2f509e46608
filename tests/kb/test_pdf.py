"""The FAQ article as a server-made PDF (fpdf2 with the DejaVu fonts of the ticket
PDFs): linked from the zoom, readable only by agents who may read the article."""

from __future__ import annotations

from django.test import Client

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.kb.models import Category
from sportello.tickets.articles import AttachmentInput
from tests.kb.conftest import make_agent, new_item
from tests.web.test_print import text_of


def test_faq_pdf_holds_title_fields_and_files(
    writer: User, writer_actor: Actor, category: Category
) -> None:
    item = new_item(
        writer_actor,
        category,
        title="Drucker im Gebäude Ü: Größenänderung",
        symptom="<p>Il driver non è più installato.</p>",
        solution="<ol><li>Profil löschen</li><li>Neu &amp; sauber installieren</li></ol>",
        attachments=[
            AttachmentInput(filename="anleitung.txt", content_type="text/plain", content=b"x")
        ],
    )
    client = Client()
    client.force_login(writer)
    zoom = client.get(f"/kb/{item.number}/").content.decode()
    assert f'href="/kb/{item.number}/pdf/"' in zoom
    response = client.get(f"/kb/{item.number}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="faq-{item.number}.pdf"'
    text = text_of(response.content)
    for expected in (
        f"FAQ#{item.number}",
        "Drucker im Gebäude Ü: Größenänderung",
        "Network::WLAN",
        "Il driver non è più installato.",
        "Profil löschen",
        "Neu & sauber installieren",
        "anleitung.txt",
    ):
        assert expected in text, expected
    assert "<li>" not in text and "&amp;" not in text
    assert text.index("Profil löschen") < text.index("Neu & sauber")


def test_faq_pdf_is_404_for_an_agent_without_access(
    writer_actor: Actor, category: Category
) -> None:
    item = new_item(writer_actor, category)
    client = Client()
    client.force_login(make_agent("outsider"))
    assert client.get(f"/kb/{item.number}/pdf/").status_code == 404
