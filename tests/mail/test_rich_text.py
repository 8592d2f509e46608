"""Answers and notes written in the editor: HTML cleaned on the server, pasted images as
inline parts, multipart/alternative mail with a plain rendering, both kept on the article."""

from __future__ import annotations

import base64
import email
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.mail import forwarding
from sportello.mail.compose import OutgoingAttachment, build_message
from sportello.mail.html_text import html_to_text
from sportello.mail.ingest import ingest_message
from sportello.mail.models import OutboxMessage
from sportello.queues.models import Queue, Salutation, Signature, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions, rich_text
from sportello.tickets.articles import raw_message
from sportello.tickets.models import Article, Ticket
from tests.browser.test_xss import PAYLOADS
from tests.mail.messages import mail

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg=="
)
PASTED = f'<img src="data:image/png;base64,{base64.b64encode(PNG).decode()}" alt="screen">'
# What the editor writes, which must reach the customer as written.
FORMATTED = (
    "<p><strong>Bitte</strong> <em>neu</em> starten, siehe "
    '<a href="https://example.org/faq?a=1&amp;b=2">FAQ</a>.</p>'
    "<ul><li><p>eins</p></li><li><p>zwei</p></li></ul>"
    "<ol><li><p>erst</p></li></ol>"
    "<blockquote><p>zitiert</p></blockquote>"
    "<table><tbody><tr><th><p>Gerät</p></th><th><p>Status</p></th></tr>"
    "<tr><td><p>AP-1</p></td><td><p>aus</p></td></tr></tbody></table>"
    "<pre><code>ping 10.0.0.1</code></pre><p>Mit <code>ipconfig</code> prüfen.</p>"
)


@pytest.fixture
def wlan(group: Any) -> Queue:
    address = SystemAddress.objects.create(
        email="wlan@helpdesk.example.org", display_name="WLAN-Support"
    )
    queue = ensure_queue(
        "IT::Network::WLAN",
        group=group,
        system_address=address,
        salutation=Salutation.objects.create(name="de", text="Hallo {{ customer.email }},"),
        signature=Signature.objects.create(
            name="html", text="<p>Gruß<br><strong>{{ agent.first_name }}</strong></p>"
        ),
    )
    address.queue = queue
    address.save()
    return queue


def customer_article(commit: Any, html: str) -> Article:
    message = email.message_from_bytes(mail(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    with commit(execute=True):
        result = ingest_message(bytes(message), queue_name="IT::Network::WLAN")
    return Ticket.objects.get(number=result.ticket).articles.get()


def sent(article: Article) -> EmailMessage:
    raw = OutboxMessage.objects.get(article=article).raw
    parsed = email.message_from_bytes(bytes(raw), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert raw_message(article) == bytes(raw)
    return parsed


def test_mime_structure_alternative_related_and_mixed() -> None:
    raw = build_message(
        sender=("WLAN", "wlan@helpdesk.example.org"),
        to=["max@example.org"],
        subject="Re",
        body="Hallo *fett*",
        message_id="<m1@example.org>",
        html='<p>Hallo <strong>fett</strong><img src="cid:i1@example.org" alt=""></p>',
        attachments=[
            OutgoingAttachment("screen.png", "image/png", PNG, content_id="i1@example.org"),
            OutgoingAttachment("log.txt", "text/plain", b"log"),
        ],
    )
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message.get_content_type() == "multipart/mixed"
    alternative, attached = message.get_payload()  # type: ignore[misc]
    assert alternative.get_content_type() == "multipart/alternative"
    plain, related = alternative.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html, image = related.get_payload()
    assert html.get_content_type() == "text/html"
    assert (image.get_content_type(), image["Content-ID"]) == ("image/png", "<i1@example.org>")
    assert image.get_content_disposition() == "inline" and image.get_content() == PNG
    assert attached.get_filename() == "log.txt"


def test_plain_answers_stay_single_part() -> None:
    raw = build_message(
        sender=("", "a@example.org"), to=["b@example.org"], subject="s", body="x",
        message_id="<m2@example.org>",
    )  # fmt: skip
    assert email.message_from_bytes(raw).get_content_type() == "text/plain"


def test_html_answer_with_pasted_image_signature_and_quote(
    wlan: Queue, actor: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    original = customer_article(
        django_capture_on_commit_callbacks,
        "<p>Das <b>WLAN</b> im <i>Hörsaal</i></p><script>alert(1)</script>",
    )
    answer = forwarding.reply(
        original,
        actor=actor,
        text=FORMATTED + f"<p>{PASTED}</p>",
        to=["max@example.org"],
        content_type=rich_text.HTML,
    )
    message = sent(answer)
    assert message.get_content_type() == "multipart/alternative"
    plain_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert plain_part is not None and html_part is not None
    html = html_part.get_content()
    assert FORMATTED in html  # what the agent wrote arrives as written
    assert "<p>Gruß<br><strong>Erika</strong></p>" in html
    assert "<p>Hallo max@example.org,</p>" in html
    assert "<blockquote" in html and "<b>WLAN</b>" in html and "<script" not in html
    [image] = [p for p in message.walk() if p.get_content_type() == "image/png"]
    content_id = image["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html and image.get_content() == PNG
    text = plain_part.get_content().replace("\r\n", "\n")
    assert "Bitte neu starten, siehe FAQ <https://example.org/faq?a=1&b=2>." in text
    assert "- eins" in text and "> zitiert" in text and "ping 10.0.0.1" in text
    assert "Gruß\nErika" in text and "<strong" not in text
    assert answer.body == text
    assert answer.body_html == html.replace("\r\n", "\n").strip()
    [stored] = answer.attachments.all()
    assert (stored.content_id, stored.inline, stored.size) == (content_id, True, len(PNG))


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_payloads_are_inert_in_notes_and_sent_mail(
    name: str, wlan: Queue, actor: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = customer_article(django_capture_on_commit_callbacks, "x").ticket
    payload = f"<p>vorher</p>{PAYLOADS[name]}<p>nachher</p>"
    note = actions.note(ticket, actor=actor, body=payload, content_type=rich_text.HTML)
    answer = forwarding.answer(
        ticket, actor=actor, text=payload, to=["max@example.org"], content_type=rich_text.HTML
    )
    html_part = sent(answer).get_body(("html",))
    assert html_part is not None
    for html in (note.body_html, answer.body_html, html_part.get_content()):
        lowered = html.lower()
        assert "vorher" in html and "nachher" in html
        for bad in ("<script", "onerror", "onload", "ontoggle", "javascript:", "<iframe",
                    "<svg", "style=", "<meta", "<form", "expression("):  # fmt: skip
            assert bad not in lowered, (name, bad, html)


def test_note_and_phone_call_keep_html_text_and_pasted_images(
    wlan: Queue, actor: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = customer_article(django_capture_on_commit_callbacks, "x").ticket
    note = actions.note(
        ticket, actor=actor, body=f"<p><em>intern</em></p>{PASTED}", content_type=rich_text.HTML
    )
    assert note.body == "intern\n\n[screen]" or note.body.startswith("intern")
    [image] = note.attachments.all()
    assert image.inline and f"cid:{image.content_id}" in note.body_html
    call = actions.phone_call(
        ticket, actor=actor, inbound=True, body="<ol><li>a</li></ol>", content_type=rich_text.HTML
    )
    assert (call.body, call.body_html) == ("1. a", "<ol><li>a</li></ol>")
    with pytest.raises(InvalidInput):
        actions.note(
            ticket, actor=actor, body="<p> </p><script>x</script>", content_type="text/html"
        )


def test_too_large_or_broken_images_are_clear_errors(settings: Any) -> None:
    settings.SPORTELLO_INLINE_IMAGE_MAX_SIZE = 10
    with pytest.raises(InvalidInput, match="too large"):
        rich_text.from_input(PASTED, rich_text.HTML)
    with pytest.raises(InvalidInput, match="could not be read"):
        rich_text.from_input('<img src="data:image/png;base64,abc">', rich_text.HTML)
    with pytest.raises(InvalidInput, match="content type"):
        rich_text.from_input("x", "text/markdown")


def test_other_data_urls_are_dropped_and_plain_text_is_untouched() -> None:
    written = rich_text.from_input(
        '<a href="data:text/html,x">a</a><img src="data:image/svg+xml;base64,PHN2Zz4=">',
        rich_text.HTML,
    )
    assert "data:" not in written.html and written.images == ()
    assert rich_text.from_input("<b>{{ x }}</b>").text == "<b>{{ x }}</b>"


def test_html_to_text_rendering() -> None:
    text = html_to_text(FORMATTED)
    assert text.splitlines()[:4] == [
        "Bitte neu starten, siehe FAQ <https://example.org/faq?a=1&b=2>.",
        "",
        "- eins",
        "- zwei",
    ]
    assert "> zitiert" in text and "Gerät | Status\nAP-1 | aus\n" in text


def test_text_to_html_and_detection() -> None:
    assert rich_text.text_to_html("a <b>\nzwei\n\ndrei") == "<p>a &lt;b&gt;<br>zwei</p><p>drei</p>"
    assert rich_text.looks_like_html("  <p>Gruß</p>") and not rich_text.looks_like_html("Gruß <b>")
