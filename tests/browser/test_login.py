from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.accounts.models import User


def test_agent_logs_in_and_out(
    make_agent: Callable[..., User], login: Callable[..., Any], url: Callable[[str], str]
) -> None:
    agent = make_agent("erika", first_name="Erika", last_name="Muster")
    page = login(agent)
    assert page.locator(".topbar").inner_text().count("Erika Muster") == 1
    page.click("text=Log out")
    page.wait_for_url(url("/login/"))
    page.goto(url("/"))
    assert page.url.startswith(url("/login/"))


def test_wrong_password_is_refused(
    make_agent: Callable[..., User], new_context: Callable[[], Any], url: Callable[[str], str]
) -> None:
    make_agent("erika")
    page = new_context().new_page()
    page.goto(url("/login/"))
    page.fill("#id_username", "erika")
    page.fill("#id_password", "not the password")
    page.click("button[type=submit]")
    # The refusal is a new page: wait for it (is_visible alone does not wait).
    page.locator(".error").wait_for(state="visible")
    assert page.url == url("/login/")
