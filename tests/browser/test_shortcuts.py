"""Keyboard shortcuts: the "?" list, moving through a ticket list, the zoom's note, lock
and answer keys, search and dashboard; the focus after an htmx swap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Lock, Ticket
from tests.tickets.factories import make_ticket


def test_shortcuts_from_list_to_ticket(
    make_agent: Callable[..., User], login: Callable[..., Any], url: Callable[[str], str]
) -> None:
    queue = ensure_queue("Segreteria", group=Group.objects.get(name="users"))
    tickets = [make_ticket(queue, Actor.system("cli"), title=f"Iscrizione {n}") for n in range(3)]
    page = login(make_agent("marta"))

    page.keyboard.press("?")
    dialog = page.locator("dialog#shortcuts")
    assert dialog.is_visible() and "Next / previous ticket" in dialog.inner_text()
    page.evaluate("window.__sportelloAxeCheck('shortcut list')")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    page.goto(url(f"/queues/?queue={queue.pk}&tab=all&sort=title"))
    page.keyboard.press("j")
    page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == tickets[1].number
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.textContent") == tickets[0].number
    page.keyboard.press("Enter")
    page.wait_for_url(url(f"/ticket/{tickets[0].number}/"))

    page.keyboard.press("l")  # lock
    page.wait_for_selector("nav.ticket-actions form[action$='/do/unlock/']")
    assert Ticket.objects.get(pk=tickets[0].pk).lock == Lock.LOCK
    page.keyboard.press("a")
    assert page.evaluate("document.activeElement.closest('#answer') !== null")
    page.keyboard.press("n")  # typed into the answer: no shortcut
    assert page.url == url(f"/ticket/{tickets[0].number}/")
    page.locator("h1").click()
    page.keyboard.press("n")
    page.wait_for_url(url(f"/ticket/{tickets[0].number}/action/note/"))
    page.locator("h1").click()
    page.keyboard.press("/")
    page.wait_for_url(url("/search/"))
    page.locator("h1").click()
    page.keyboard.press("/")
    page.wait_for_selector("#search-form input:focus")
    page.locator("h1").click()
    page.keyboard.press("d")
    page.wait_for_url(url("/"))


def test_focus_stays_on_the_widget_after_an_htmx_swap(
    make_agent: Callable[..., User], login: Callable[..., Any]
) -> None:
    queue = ensure_queue("Segreteria", group=Group.objects.get(name="users"))
    for n in range(2):
        make_ticket(queue, Actor.system("cli"), title=f"Borsa di studio {n}")
    page = login(make_agent("bruno"))
    tab = page.locator("[data-widget=tickets] [data-tab=all]")
    tab.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#body-tickets [data-tab=all][aria-current]")
    page.wait_for_selector("#body-tickets:focus")
    assert page.locator("#body-tickets [data-tab=all][aria-current]").count() == 1
