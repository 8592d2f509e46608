"""Choosing the interface language, time zone and skin on the preferences page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import translation

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.queues.services import ensure_queue
from tests.tickets.factories import make_ticket


def _labels(language: str) -> dict[str, str]:
    with translation.override(language):
        return {
            english: translation.gettext(english)
            for english in ("Preferences", "Log out", "Search", "Save", "Language")
        }


def _choose_language(page: Any, url: Callable[[str], str], code: str) -> None:
    page.goto(url("/preferences/"))
    page.select_option("#id_language", code)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_url(url("/preferences/"))


def test_agent_switches_the_interface_to_italian_and_german(
    make_agent: Callable[..., User], login: Callable[..., Any], url: Callable[[str], str]
) -> None:
    agent = make_agent("erika", first_name="Erika", last_name="Muster")
    page = login(agent)  # the browser asks for en-GB
    assert page.locator("h1").inner_text() == "Dashboard"
    for code in ("it", "de"):
        labels = _labels(code)
        assert all(labels[english] != english for english in ("Preferences", "Log out", "Save"))
        _choose_language(page, url, code)
        assert page.locator("html").get_attribute("lang") == code
        assert page.locator("h1").inner_text() == labels["Preferences"]
        assert page.locator(".usernav").get_by_role("button", name=labels["Log out"]).is_visible()
        assert page.locator(".mainnav").get_by_role("link", name=labels["Search"]).is_visible()
        assert page.locator("main form.card button[type=submit]").inner_text() == labels["Save"]
        assert page.locator("label[for=id_language]").inner_text() == labels["Language"]
        # It stays after leaving the page, whatever the browser asks for.
        page.goto(url("/"))
        assert page.locator(".mainnav").get_by_role("link", name=labels["Search"]).is_visible()
    agent.refresh_from_db()
    assert agent.language == "de"


def test_the_skin_switch_is_saved(
    make_agent: Callable[..., User], login: Callable[..., Any]
) -> None:
    agent = make_agent("paolo")
    page = login(agent)
    assert page.locator("body").get_attribute("class") == "skin-light"
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.locator(".skin-toggle").click()
    page.wait_for_selector("body.skin-dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light
    page.reload()
    assert page.locator("body").get_attribute("class") == "skin-dark"
    agent.refresh_from_db()
    assert agent.skin == "dark"


def test_an_overview_refreshes_at_the_agents_interval_and_keeps_the_scroll_position(
    make_agent: Callable[..., User], login: Callable[..., Any], url: Callable[[str], str]
) -> None:
    agent = make_agent("anna")
    queue = ensure_queue("Support", group=Group.objects.get(name="users"))
    actor = Actor(agent)
    for n in range(40):
        make_ticket(queue, actor, title=f"Ticket {n}")
    # Shorter than any offered choice, so the test need not wait a minute.
    User.objects.filter(pk=agent.pk).update(refresh_seconds=1)
    page = login(agent)
    page.set_viewport_size({"width": 900, "height": 300})
    # An overview page reloads as a whole (dashboard widgets poll their own bodies).
    page.goto(url("/overview/new/"))
    assert page.locator("body").get_attribute("data-refresh") == "1"
    page.evaluate("window.scrollTo(0, 400)")
    page.evaluate("window.sportelloMarker = 1")
    with page.expect_navigation(timeout=5_000):
        pass
    page.wait_for_load_state("load")
    assert page.evaluate("window.sportelloMarker") is None  # a new page
    page.wait_for_function("window.scrollY > 0")
    assert abs(page.evaluate("window.scrollY") - 400) < 5
