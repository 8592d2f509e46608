"""The rich-text editor in real Chromium: an agent writes a formatted answer, pastes an
image (a clipboard event carrying a PNG) and sends it; the SMTP sink receives
multipart/alternative with the image as an inline part. The dialog passes axe-core and
the editor runs under the strict Content-Security-Policy without errors."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import Any

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.queues.models import SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Article
from tests.browser.test_xss import PAYLOADS, flags
from tests.mail.smtp import SmtpSink
from tests.mail.test_rich_text import PNG
from tests.tickets.factories import customer_mail, make_ticket

PNG_BASE64 = base64.b64encode(PNG).decode()
PASTE = """(editor, data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], "screen.png", {type: "image/png"}));
    editor.dispatchEvent(new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true,
                                                     cancelable: true}));
}"""


def test_formatted_answer_with_a_pasted_image_reaches_smtp_as_multipart(
    make_agent: Callable[..., Any],
    login: Callable[..., Any],
    url: Callable[[str], str],
    smtp_sink: SmtpSink,
) -> None:
    from playwright.sync_api import expect

    address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue = ensure_queue("IT::WLAN", group=Group.objects.get(name="users"), system_address=address)
    erika = make_agent("erika", first_name="Erika", last_name="Muster")
    ticket = make_ticket(queue, Actor.system("mail"), customer_user_id="max@example.org",
                         article=customer_mail(subject="WLAN kaputt"))  # fmt: skip
    page = login(erika)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url(f"/ticket/{ticket.number}/"))
    page.locator("#article-1 ul.article-menu").get_by_role(
        "button", name="Reply", exact=True
    ).click()
    page.wait_for_url(re.compile(r"/article/1/action/reply/"))

    editor = page.locator(".field-text [contenteditable=true]")
    expect(editor).to_be_visible()
    expect(page.locator("input[name=content_type]")).to_have_value("text/html")
    editor.click()
    page.keyboard.press("Control+b")
    page.keyboard.type("Wichtig")
    page.keyboard.press("Control+b")
    page.keyboard.type(": bitte neu starten.")
    page.keyboard.press("Enter")
    page.keyboard.type("- erstens")
    page.keyboard.press("Enter")
    page.keyboard.type("zweitens")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    editor.evaluate(PASTE, PNG_BASE64)
    expect(editor.locator("img[src^='data:image/png']")).to_have_count(1)
    expect(editor.locator("strong")).to_have_text("Wichtig")
    expect(editor.locator("ul li")).to_have_count(2)

    page.locator("form.dialog-form button[name=submit].primary").click()
    page.wait_for_url(url(f"/ticket/{ticket.number}/"))
    deadline = time.monotonic() + 10  # the outbox sends after commit
    while not smtp_sink.received and time.monotonic() < deadline:
        time.sleep(0.1)
    [mail] = smtp_sink.received
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()  # type: ignore[misc]
    assert plain.get_content_type() == "text/plain"
    assert "Wichtig: bitte neu starten." in plain.get_content()
    assert "- erstens" in plain.get_content()
    assert related.get_content_type() == "multipart/related"
    html, image = related.get_payload()
    content_id = image["Content-ID"].strip("<>")
    assert image.get_content_type() == "image/png"
    assert "<strong>Wichtig</strong>" in html.get_content()
    assert f'src="cid:{content_id}"' in html.get_content()
    answer = Article.objects.get(ticket=ticket, number=2)
    assert answer.attachments.get().content_id == content_id
    # The zoom shows the answer with its inline image from the ticket's own attachment.
    shown = page.locator("#article-2 .body-html img")
    expect(shown).to_have_count(1)
    assert shown.evaluate("img => img.complete && img.naturalWidth") == 2
    assert problems == []


def test_payloads_typed_into_a_note_are_stored_and_shown_inert(
    make_agent: Callable[..., Any], login: Callable[..., Any], url: Callable[[str], str]
) -> None:
    from playwright.sync_api import expect

    queue = ensure_queue("IT::WLAN", group=Group.objects.get(name="users"))
    erika = make_agent("erika", first_name="Erika", last_name="Muster")
    ticket = make_ticket(queue, Actor.system("mail"), article=customer_mail(subject="XSS"))
    page = login(erika)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url(f"/ticket/{ticket.number}/action/note/"))
    expect(page.locator(".field-body [contenteditable=true]")).to_be_visible()
    # What a tampered editor could send: the payloads as raw HTML in the text field.
    page.locator("#id_body").evaluate(
        "(area, html) => { area.value = html; }", "<p>Notiz</p>" + "".join(PAYLOADS.values())
    )
    page.locator("form.dialog-form button[name=submit].primary").click()
    page.wait_for_url(url(f"/ticket/{ticket.number}/"))
    note = Article.objects.get(ticket=ticket, number=2)
    assert "Notiz" in note.body_html and "<script" not in note.body_html
    page.wait_for_selector("#article-2 .body-html")
    if page.locator("#jslink").count():
        page.click("#jslink")
    assert flags(page) == []
    assert page.locator(".body-html script, .body-html iframe, .body-html svg").count() == 0
    assert errors == []


def test_the_zoom_s_answer_form_sends_formatted_html(
    make_agent: Callable[..., Any],
    login: Callable[..., Any],
    url: Callable[[str], str],
    smtp_sink: SmtpSink,
) -> None:
    from playwright.sync_api import expect

    address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue = ensure_queue("IT::WLAN", group=Group.objects.get(name="users"), system_address=address)
    erika = make_agent("erika", first_name="Erika", last_name="Muster")
    ticket = make_ticket(queue, Actor.system("mail"), customer_user_id="max@example.org",
                         article=customer_mail(subject="WLAN kaputt"))  # fmt: skip
    page = login(erika)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(url(f"/ticket/{ticket.number}/"))
    answer = page.locator("#answer")
    editor = answer.locator("[contenteditable=true]")
    expect(editor).to_be_visible()
    expect(answer.locator("input[name=content_type]")).to_have_value("text/html")
    # The menu speaks the agent's language (the package's own label is "bold").
    expect(answer.get_by_role("button", name="Bold", exact=True)).to_be_visible()
    editor.click()
    page.keyboard.type("Router ")
    page.keyboard.press("Control+i")
    page.keyboard.type("neu")
    page.keyboard.press("Control+i")
    page.keyboard.type(" gestartet.")
    page.keyboard.press("Enter")
    page.keyboard.type("- Stecker ziehen")
    expect(editor.locator("em")).to_have_text("neu")
    expect(editor.locator("ul li")).to_have_count(1)
    answer.get_by_role("button", name="Send answer").click()
    page.wait_for_url(url(f"/ticket/{ticket.number}/"))
    deadline = time.monotonic() + 10  # the outbox sends after commit
    while not smtp_sink.received and time.monotonic() < deadline:
        time.sleep(0.1)
    [mail] = smtp_sink.received
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_payload()  # type: ignore[misc]
    assert "Router neu gestartet." in plain.get_content()
    assert "- Stecker ziehen" in plain.get_content()
    assert re.search(r"<p>Router\s*<em>\s*neu</em>(\s|&nbsp;)*gestartet\.</p>", html.get_content())
    assert "<ul><li><p>Stecker ziehen</p></li></ul>" in html.get_content()
    stored = Article.objects.get(ticket=ticket, number=2)
    assert "neu</em>" in stored.body_html
    expect(page.locator("#article-2 .body-html em")).to_have_text(re.compile(r"^\s*neu$"))
    assert problems == []


def test_the_editor_menu_speaks_the_agent_s_language(
    make_agent: Callable[..., Any], login: Callable[..., Any], url: Callable[[str], str]
) -> None:
    from playwright.sync_api import expect

    queue = ensure_queue("IT::WLAN", group=Group.objects.get(name="users"))
    giulia = make_agent("giulia", first_name="Giulia", last_name="Bianchi", language="it")
    ticket = make_ticket(queue, Actor.system("mail"), article=customer_mail(subject="Menu"))
    page = login(giulia)
    page.goto(url(f"/ticket/{ticket.number}/action/note/"))
    expect(page.locator(".field-body [contenteditable=true]")).to_be_visible()
    expect(page.get_by_role("button", name="Grassetto", exact=True)).to_be_visible()
