"""The API's interactive docs (ninja's packaged Swagger UI) under the strict CSP, and the
agent interface's own API calls with the session cookie."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.accounts.models import User


def test_docs_render_without_csp_violations(
    new_context: Callable[[], Any], url: Callable[[str], str], transactional_db: None
) -> None:
    page = new_context().new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(url("/api/v1/docs"))
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Sportello API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary-path", has_text="/api/v1/tickets/{number}").first.wait_for()
    assert [p for p in problems if "Content Security Policy" in p] == []


def test_session_calls_from_the_agent_interface(
    make_agent: Callable[..., User], login: Callable[..., Any]
) -> None:
    page = login(make_agent("anna"))
    status = page.evaluate("fetch('/api/v1/states').then(r => r.status)")
    assert status == 200
    # An unsafe call without the CSRF token is refused, with it allowed by the CSRF check.
    refused = page.evaluate("fetch('/api/v1/tickets/1/lock', {method: 'POST'}).then(r => r.json())")
    assert refused["error"]["code"] == "csrf"
