"""Choosing the interface language, time zone and skin on the preferences page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import translation

from sportello.accounts.models import User


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
    assert page.locator("h1").inner_text() == "Tickets"
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
