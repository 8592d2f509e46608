"""The ticket and article actions in real Chromium: answer with a template, note, two
agents competing for the lock and for the same dialog, merge, split, link, pending, close,
and the history page listing every step."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.mail.models import StandardTemplate
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Ticket
from tests.mail.smtp import SmtpSink
from tests.tickets.factories import customer_mail, make_ticket


def menu(page: Any) -> Any:
    return page.locator("nav.ticket-actions")


def article_menu(page: Any, number: int) -> Any:
    return page.locator(f"#article-{number} ul.article-menu")


def submit(page: Any) -> None:
    page.locator("form.dialog-form button[name=submit]").click()


@pytest.fixture
def wlan(transactional_db: None) -> Queue:
    address = SystemAddress.objects.create(
        email="wlan@helpdesk.example.org", display_name="WLAN-Support"
    )
    queue = ensure_queue("IT::WLAN", group=Group.objects.get(name="users"), system_address=address)
    template = StandardTemplate.objects.create(
        name="Neustart", type="answer", text="Bitte starten Sie den Router neu."
    )
    template.queues.add(queue)
    return queue


def test_ticket_actions_end_to_end(
    wlan: Queue,
    make_agent: Callable[..., Any],
    login: Callable[..., Any],
    url: Callable[[str], str],
    smtp_sink: SmtpSink,
) -> None:
    from playwright.sync_api import expect

    erika = make_agent("erika", first_name="Erika", last_name="Muster")
    paolo = make_agent("paolo", first_name="Paolo", last_name="Verdi")
    system = Actor.system("mail")
    ticket = make_ticket(wlan, system, customer_user_id="max@example.org",
                         article=customer_mail(subject="WLAN kaputt"))  # fmt: skip
    duplicate = make_ticket(
        wlan,
        system,
        title="WLAN immer noch kaputt",
        article=customer_mail(body="Immer noch kaputt!"),
    )
    related = make_ticket(wlan, system, title="Drucker")
    zoom = url(f"/ticket/{ticket.number}/")

    # Answer with a template: the article's own menu opens the dialog with the lock.
    page = login(erika)
    page.goto(zoom)
    first = article_menu(page, 1)
    for entry in ("Reply", "Reply to all", "Forward"):
        expect(first.get_by_role("button", name=entry, exact=True)).to_be_enabled()
    expect(first.get_by_role("link", name="Split", exact=True)).to_be_visible()
    expect(first.get_by_role("button", name="Bounce", exact=True)).to_have_count(0)  # no source
    first.get_by_role("button", name="Reply", exact=True).click()
    page.wait_for_url(re.compile(r"/article/1/action/reply/\?took_lock=1$"))
    page.select_option("#id_template_choice", label="Neustart")
    expect(page.locator("#id_text")).to_have_value(re.compile("Bitte starten Sie den Router neu"))
    expect(page.locator("#id_to")).to_have_value("max@example.org")
    submit(page)
    page.wait_for_url(zoom)
    deadline = time.monotonic() + 10  # the outbox sends after commit
    while not smtp_sink.received and time.monotonic() < deadline:
        time.sleep(0.1)
    [mail] = smtp_sink.received
    assert mail.recipients == ["max@example.org"]
    plain = mail.message.get_body(("plain",))
    assert plain is not None and "Bitte starten Sie den Router neu." in plain.get_content()

    # A note.
    menu(page).get_by_role("link", name="Note", exact=True).click()
    page.locator(".field-body [contenteditable=true]").fill("Router wurde getauscht.")
    submit(page)
    page.wait_for_url(zoom)
    expect(page.locator("body")).to_contain_text("Router wurde getauscht.")

    # The other agent sees the lock and is refused.
    other = login(paolo)
    other.goto(zoom)
    expect(menu(other)).to_contain_text("Locked by Erika Muster")
    expect(article_menu(other, 1).get_by_role("button", name="Reply", exact=True)).to_be_disabled()
    expect(menu(other).get_by_role("button", name="Close", exact=True)).to_be_disabled()
    other.goto(url(f"/ticket/{ticket.number}/action/close/"))
    other.select_option("#id_state", label="closed successful")
    other.locator(".field-body [contenteditable=true]").fill("Erledigt?")
    submit(other)
    expect(other.locator("#dialog")).to_contain_text("locked by Erika Muster")

    # Both compete for the lock: the first wins, the second is told why.
    menu(page).get_by_role("button", name="Unlock", exact=True).click()
    page.wait_for_url(zoom)
    other.goto(zoom)
    menu(page).get_by_role("button", name="Pending", exact=True).click()
    page.wait_for_url(re.compile(r"/action/pending/\?took_lock=1$"))
    menu(other).get_by_role("button", name="Pending", exact=True).click()
    other.wait_for_url(zoom)
    expect(other.locator(".messages")).to_contain_text("locked by Erika Muster")
    page.get_by_role("button", name="Undo and finish").click()
    page.wait_for_url(zoom)
    assert not Ticket.objects.get(pk=ticket.pk).is_locked

    # Both submit the same dialog: the second sees the first's change.
    page.goto(url(f"/ticket/{ticket.number}/action/priority/"))
    other.goto(url(f"/ticket/{ticket.number}/action/priority/"))
    page.select_option("#id_priority", label="4 high")
    submit(page)
    page.wait_for_url(zoom)
    other.select_option("#id_priority", label="5 very high")
    submit(other)
    expect(other.locator("#dialog")).to_contain_text("was changed by Erika Muster")
    expect(other.locator("#dialog .conflict")).to_contain_text("4 high")
    submit(other)
    other.wait_for_url(zoom)
    assert Ticket.objects.get(pk=ticket.pk).priority.name == "5 very high"

    # Merge the duplicate into the ticket.
    page.goto(url(f"/ticket/{duplicate.number}/"))
    menu(page).get_by_role("button", name="Merge", exact=True).click()
    page.fill("#id_number", ticket.number)
    submit(page)
    page.wait_for_url(zoom)
    assert Ticket.objects.get(pk=duplicate.pk).state.name == "merged"
    expect(page.locator("body")).to_contain_text("Immer noch kaputt!")  # the moved article

    # Split the first article into a new ticket, from that article's menu.
    article_menu(page, 1).get_by_role("link", name="Split", exact=True).click()
    page.fill("#id_title", "Zweites Problem")
    submit(page)
    child = Ticket.objects.get(title="Zweites Problem")
    page.wait_for_url(url(f"/ticket/{child.number}/"))

    # Link, pending, close on the original.
    page.goto(zoom)
    menu(page).get_by_role("link", name="Link", exact=True).click()
    page.fill("#id_number", related.number)
    submit(page)
    page.wait_for_url(zoom)
    menu(page).get_by_role("button", name="Pending", exact=True).click()
    page.select_option("#id_state", label="pending reminder")
    page.fill("#id_pending_until", "2030-01-02T10:30")
    submit(page)
    page.wait_for_url(zoom)
    assert Ticket.objects.get(pk=ticket.pk).state.name == "pending reminder"
    menu(page).get_by_role("button", name="Close", exact=True).click()
    page.select_option("#id_state", label="closed successful")
    page.locator(".field-body [contenteditable=true]").fill("Gelöst.")
    submit(page)
    page.wait_for_url(zoom)
    assert Ticket.objects.get(pk=ticket.pk).state.name == "closed successful"

    # The history page lists every step, newest first.
    menu(page).get_by_role("link", name="History", exact=True).click()
    rows = page.locator("table.history-table tbody tr")
    types = rows.evaluate_all("rows => rows.map(r => r.dataset.type)")
    for step in ("SendAnswer", "AddNote", "Lock", "Unlock", "PriorityUpdate", "Merged",
                 "Split", "Link", "SetPendingTime", "StateUpdate"):  # fmt: skip
        assert step in types, step
    assert types[0] == "Unlock" and types[-1] == "NewTicket"
    page.select_option("#id_type", label="Merged")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
