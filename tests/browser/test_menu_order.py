"""The top menu in Chromium: dragging an entry saves the agent's order (seed 003); the
preferences page's buttons do the same from the keyboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.accounts.models import User


def order(page: Any) -> list[str]:
    return list(
        page.locator("nav.mainnav [data-menu]").evaluate_all("els => els.map(e => e.dataset.menu)")
    )


def test_dragged_menu_order_persists(
    make_agent: Callable[..., User], login: Callable[..., Any], url: Callable[[str], str]
) -> None:
    agent = make_agent("marta")
    page = login(agent)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.reload()
    assert order(page) == ["dashboard", "queues", "status", "phone", "email", "search", "faq"]
    page.drag_and_drop(
        "nav.mainnav [data-menu=search]",
        "nav.mainnav [data-menu=dashboard]",
        target_position={"x": 2, "y": 5},
    )
    page.wait_for_selector("nav.mainnav[data-saved=yes]")
    expected = ["search", "dashboard", "queues", "status", "phone", "email", "faq"]
    assert order(page) == expected
    page.goto(url("/queues/"))
    assert order(page) == expected
    agent.refresh_from_db()
    assert agent.menu_order == expected
    assert problems == []


def test_keyboard_moves_on_the_preferences_page(
    make_agent: Callable[..., User], login: Callable[..., Any], url: Callable[[str], str]
) -> None:
    agent = make_agent("bruno")
    page = login(agent)
    page.goto(url("/preferences/"))
    button = page.locator("#menu-order button[name=down][value=dashboard]")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(url("/preferences/#menu-order"))
    assert order(page) == ["queues", "dashboard", "status", "phone", "email", "search", "faq"]
    agent.refresh_from_db()
    assert agent.menu_order[:2] == ["queues", "dashboard"]
