"""Mails carrying the usual XSS payloads, ingested and opened in real Chromium: none runs.

Each payload sets a window flag when it runs. The same HTML opened raw in a blank page
(no sanitizing, no policy) sets the flags, so the probe itself is shown to work."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from sportello.accounts.models import User
from sportello.mail.ingest import ingest_message

PAYLOADS = {
    "script": "<script>window.__xss_script = 1</script>",
    "onerror": '<img src="nowhere.png" onerror="window.__xss_onerror = 1">',
    "link": '<a id="jslink" href="javascript:window.__xss_link = 1">click me</a>',
    "svg": '<svg onload="window.__xss_svg = 1"><circle r="1"></circle></svg>',
    "toggle": '<details open ontoggle="window.__xss_toggle = 1"><summary>s</summary></details>',
    "iframe": '<iframe srcdoc="<script>parent.__xss_iframe = 1</script>"></iframe>',
    "css": '<div id="css" style="width: expression(window.__xss_css = 1)">css</div>',
    "meta": '<meta http-equiv="refresh" content="0;url=javascript:window.__xss_meta = 1">',
    "body": '<body onload="window.__xss_body = 1">',
    "form": '<form action="javascript:window.__xss_form = 1"><button id="fb">go</button></form>',
}
# Chromium runs these when the HTML is not sanitized (the probe's own check).
LIVE_IN_CHROMIUM = ("script", "onerror", "svg", "toggle", "iframe", "link")


def flags(page: Any) -> list[str]:
    return list(
        page.evaluate("Object.keys(window).filter(function (k) { return k.startsWith('__xss_'); })")
    )


def raw_mail(html: str, n: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Mallory <mallory@example.org>"
    message["To"] = "helpdesk@example.org"
    message["Subject"] = f"Rechnung {n}"
    message["Message-ID"] = f"<xss-{n}@example.org>"
    message.set_content("See the HTML part.")
    message.add_alternative(
        f"<html><head></head><body><p>Hallo {n}</p>{html}</body></html>", subtype="html"
    )
    return message.as_bytes()


def test_no_payload_runs_in_the_zoom(
    make_agent: Callable[..., User],
    login: Callable[..., Any],
    new_context: Callable[[], Any],
    url: Callable[[str], str],
) -> None:
    html = "".join(PAYLOADS.values())
    # The probe works: unsanitized, Chromium runs the payloads.
    control = new_context().new_page()
    control.set_content(f"<html><body>{html}</body></html>")
    control.click("#jslink")
    control.wait_for_function("window.__xss_iframe === 1")
    assert set(LIVE_IN_CHROMIUM) <= {name.removeprefix("__xss_") for name in flags(control)}

    first = ingest_message(raw_mail(html, 1))
    assert first.result == "new", first
    for n, payload in enumerate(PAYLOADS.values(), start=2):  # each alone as a follow-up
        subject_hook = raw_mail(payload, n).replace(
            f"Subject: Rechnung {n}".encode(),
            f"Subject: [Ticket#{first.ticket}] Rechnung {n}".encode(),
        )
        assert ingest_message(subject_hook).ticket == first.ticket

    page = login(make_agent("erika"))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for query in ("", "?external=1", "?article=1&external=1"):
        page.goto(url(f"/ticket/{first.ticket}/{query}"))
        page.wait_for_selector(".body-html")
        assert page.locator(".body-html").count() >= 1
        assert "Hallo 1" in page.inner_text("#article-1")
        page.wait_for_timeout(300)  # time for onerror, onload and refresh to fire
        if page.locator("#jslink").count():
            page.click("#jslink")
        if page.locator("#fb").count():
            page.click("#fb")
        assert page.url == url(f"/ticket/{first.ticket}/{query}")  # no meta refresh
        assert flags(page) == [], query
        assert page.locator(".body-html iframe, .body-html script, .body-html svg").count() == 0
        assert page.locator(".body-html [style]").count() == 0
    assert errors == []
