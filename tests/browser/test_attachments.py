"""Attachments in real Chromium: a reply with one file picked and one dropped onto the
field (a third picked and removed again) reaches the SMTP sink with both, and the
page's script runs under the strict Content-Security-Policy without errors."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.queues.models import SystemAddress
from sportello.queues.services import ensure_queue
from tests.mail.smtp import SmtpSink
from tests.tickets.factories import customer_mail, make_ticket

ALPHA, BETA = b"alpha attachment\n", b"%PDF-1.4 beta"


def test_reply_with_a_picked_and_a_dropped_file_reaches_smtp_with_both(
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
    page.goto(url(f"/ticket/{ticket.number}/"))
    page.locator("#article-1 ul.article-menu").get_by_role(
        "button", name="Reply", exact=True
    ).click()
    page.wait_for_url(re.compile(r"/article/1/action/reply/"))

    files = page.locator("#id_attachments")
    files.set_input_files([{"name": "alpha.txt", "mimeType": "text/plain", "buffer": ALPHA}])
    page.locator(".field-attachments .drop-zone").evaluate(
        """(zone) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File(["%PDF-1.4 beta"], "beta.pdf", {type: "application/pdf"}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true,
                                                      cancelable: true}));
        }"""
    )
    files.set_input_files([{"name": "wrong.txt", "mimeType": "text/plain", "buffer": b"no"}])
    picked = page.locator(".field-attachments ul.picked li")
    expect(picked).to_have_count(3)
    picked.filter(has_text="wrong.txt").get_by_role("button", name="Remove").click()
    expect(picked).to_have_count(2)
    assert files.evaluate("input => Array.from(input.files).map(f => f.name)") == [
        "alpha.txt",
        "beta.pdf",
    ]

    page.locator(".field-text [contenteditable=true]").fill("Anbei die Anleitung.")
    page.locator("form.dialog-form button[name=submit].primary").click()
    page.wait_for_url(url(f"/ticket/{ticket.number}/"))
    deadline = time.monotonic() + 10  # the outbox sends after commit
    while not smtp_sink.received and time.monotonic() < deadline:
        time.sleep(0.1)
    [mail] = smtp_sink.received
    parts = {p.get_filename(): p.get_payload(decode=True) for p in mail.message.iter_attachments()}
    assert parts == {"alpha.txt": ALPHA, "beta.pdf": BETA}
    expect(page.locator("#article-2")).to_contain_text("alpha.txt")
    expect(page.locator("#article-2")).to_contain_text("beta.pdf")
    assert problems == []
