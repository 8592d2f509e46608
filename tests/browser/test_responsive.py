"""Phones and desktops: the main pages at 390 x 844 and 1400 x 900, screenshotted to
``var/test-artifacts/screens/`` (published by CI) and never wider than the window; the
folding top menu on a phone; the high-contrast skin under axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Ticket
from tests.browser.conftest import AGENT_PASSWORD, ARTIFACTS
from tests.tickets.factories import make_ticket

SCREENS = ARTIFACTS / "screens"
SIZES = {"phone": (390, 844), "desktop": (1400, 900)}
LONG_TITLE = "Der Drucker im zweiten Stock der Bibliothek druckt seit Montag nur leere Seiten"


@pytest.fixture
def tickets(transactional_db: None) -> list[Ticket]:
    group = Group.objects.get(name="users")
    queue = ensure_queue("Bibliothek::Drucker::Zweiter Stock", group=group)
    customer = CustomerUser(login="mario.rossi", email="mario.rossi@example.org")
    customer.set_password(AGENT_PASSWORD)
    customer.save()
    system = Actor.system("cli")
    return [
        make_ticket(queue, system, title=f"{LONG_TITLE} {n}", customer_user_id="mario.rossi")
        for n in range(4)
    ]


def _agent_page(
    new_context: Callable[..., Any], url: Callable[[str], str], user: User, size: str
) -> Any:
    width, height = SIZES[size]
    page = new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(url("/login/"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", AGENT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url("/"))
    return page


def _shot(page: Any, name: str) -> None:
    """The page fits the window (no sideways scrolling of the page), then a screenshot."""
    width = page.evaluate("window.innerWidth")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: the page is {scroll}px wide in a {width}px window"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENS, f"{name}.png")), full_page=True)


@pytest.mark.parametrize("size", list(SIZES))
def test_main_pages_fit_phone_and_desktop(
    size: str,
    tickets: list[Ticket],
    make_agent: Callable[..., User],
    new_context: Callable[..., Any],
    url: Callable[[str], str],
) -> None:
    agent = make_agent("giulia", first_name="Giulia", last_name="Conti")
    page = _agent_page(new_context, url, agent, size)
    number = tickets[0].number
    pages = {
        "dashboard": "/",
        "queue-view": f"/queues/?queue={tickets[0].queue_id}&tab=all",
        "overview-large": f"/queues/?queue={tickets[0].queue_id}&tab=all&density=L",
        "zoom": f"/ticket/{number}/",
        "dialog-note": f"/ticket/{number}/action/note/",
        "dialog-reply": f"/ticket/{number}/article/1/action/reply/",
        "search": "/search/?q=Drucker",
        "new-phone-ticket": "/tickets/new/phone/",
        "preferences": "/preferences/",
    }
    for name, path in pages.items():
        assert page.goto(url(path)).status == 200, path
        _shot(page, f"{name}-{size}")
    portal = new_context(viewport=dict(zip(("width", "height"), SIZES[size], strict=True)))
    customer = portal.new_page()
    customer.goto(url("/portal/login/"))
    _shot(customer, f"portal-login-{size}")
    customer.fill("input[name=login]", "mario.rossi")
    customer.fill("input[name=password]", AGENT_PASSWORD)
    customer.locator("#id_password").press("Enter")
    customer.wait_for_url(url("/portal/"))
    _shot(customer, f"portal-requests-{size}")
    customer.goto(url(f"/portal/requests/{number}/"))
    _shot(customer, f"portal-request-{size}")


def test_the_top_menu_folds_on_a_phone(
    tickets: list[Ticket],
    make_agent: Callable[..., User],
    new_context: Callable[..., Any],
    url: Callable[[str], str],
) -> None:
    agent = make_agent("sara")
    page = _agent_page(new_context, url, agent, "phone")
    toggle = page.get_by_role("button", name="Menu")
    assert toggle.get_attribute("aria-expanded") == "false"
    search = page.locator(".mainnav").get_by_role("link", name="Search")
    assert not search.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    search.click()
    page.wait_for_url(url("/search/"))
    # The zoom's actions start folded into one menu.
    page.goto(url(f"/ticket/{tickets[0].number}/"))
    note = page.locator("nav.ticket-actions").get_by_role("link", name="Note")
    assert not note.is_visible()
    page.locator(".actions-menu > summary").click()
    note.click()
    page.wait_for_url(url(f"/ticket/{tickets[0].number}/action/note/"))
    # On a desktop everything is in view at once.
    wide = _agent_page(new_context, url, agent, "desktop")
    assert not wide.get_by_role("button", name="Menu").is_visible()
    assert wide.locator(".mainnav").get_by_role("link", name="Search").is_visible()


def test_high_contrast_skin_passes_axe(
    tickets: list[Ticket],
    make_agent: Callable[..., User],
    new_context: Callable[..., Any],
    url: Callable[[str], str],
) -> None:
    agent = make_agent("luca", skin="contrast")
    for size in SIZES:
        page = _agent_page(new_context, url, agent, size)
        assert page.locator("body").get_attribute("class") == "skin-contrast"
        for path in ("/", "/queues/?tab=all", f"/ticket/{tickets[0].number}/", "/search/?q=x"):
            page.goto(url(path))
            page.evaluate("window.__sportelloAxeCheck('high contrast')")
        page.goto(url(f"/ticket/{tickets[0].number}/action/note/"))
        page.evaluate("window.__sportelloAxeCheck('high contrast')")
