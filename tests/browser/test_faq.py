"""The FAQ in real Chromium: an agent writes an article with an image, another approves
it, a customer finds it in the portal, an anonymous reader opens its public URL and a
request form suggests it while typing; hostile HTML in its fields runs nowhere."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any

from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.kb import actions
from sportello.kb.models import FaqItem
from sportello.portal.models import (
    FaqSuggestionView,
    FormFieldKind,
    RequestForm,
    RequestFormField,
)
from sportello.queues.models import Queue
from sportello.tickets.selectors import ticket_type_by_name
from tests.browser.test_xss import PAYLOADS, flags
from tests.portal.conftest import PASSWORD, make_customer


def png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny, red) PNG, so the browser decodes it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_article_from_writing_to_suggestion(
    settings: Any,
    make_agent: Callable[..., User],
    login: Callable[..., Any],
    new_context: Callable[[], Any],
    url: Callable[[str], str],
) -> None:
    settings.SPORTELLO_FAQ_APPROVAL = True
    settings.SPORTELLO_PORTAL_MIN_FILL_SECONDS = 0
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    network, _created = provisioning.add_group("faq-network")
    approvers, _created = provisioning.add_group("faq-approval")
    category = actions.ensure_category_path("Network::WLAN")
    category.groups.set([network])
    writer = make_agent("writer")
    provisioning.grant(network, "rw", agent=writer)
    approver = make_agent("approver")
    provisioning.grant(network, "ro", agent=approver)
    provisioning.grant(approvers, "rw", agent=approver)
    form = RequestForm.objects.create(
        name="Network problem", slug="network", ticket_type=ticket_type_by_name("Unclassified"),
        queue=Queue.objects.get(full_name="Raw"), faq_category=category,
    )  # fmt: skip
    for order, kind in enumerate((FormFieldKind.TITLE, FormFieldKind.DESCRIPTION)):
        RequestFormField.objects.create(form=form, kind=kind, order=order)
    make_customer("carla", "carla@uni.example.org", language="en")
    errors: list[str] = []

    # The writer files the article with a screenshot shown inline.
    page = login(writer)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.click("nav.mainnav [data-menu=faq]")
    page.click("text=New FAQ article")
    page.fill("#id_title", "Eduroam certificate error")
    page.select_option("#id_category", label="Network::WLAN")
    page.select_option("#id_visibility", "public")
    page.select_option("#id_language", "en")
    page.fill("#id_keywords", "wlan wifi")
    page.locator(".field-symptom [contenteditable=true]").fill(
        "The phone reports an untrusted certificate."
    )
    # HTML as an editor holds it: the image names the article's attachment.
    page.locator("#id_solution").evaluate(
        "(area, html) => { area.value = html; }",
        '<p>Install the eduroam profile:</p><img src="cid:profile.png" alt="Profile screen">',
    )
    page.set_input_files(
        "#id_attachment_files",
        files=[{"name": "profile.png", "mimeType": "image/png", "buffer": png()}],
    )
    page.click("button.primary")
    page.wait_for_selector("[data-pending]")
    item = FaqItem.objects.get(title="Eduroam certificate error")
    _image_loaded(page, ".faq-solution img")
    # Not public before approval.
    anonymous = new_context().new_page()
    assert anonymous.goto(url(f"/faq/{item.number}/")).status == 404

    # Another agent approves it from the approval queue.
    second = login(approver)
    second.goto(url("/kb/approval/"))
    second.click(f"[data-faq='{item.number}'] button")
    second.wait_for_selector("text=approved")
    item.refresh_from_db()
    assert not item.pending

    # A customer finds it in the portal search.
    customer = new_context().new_page()
    customer.goto(url("/portal/login/"))
    customer.fill("#id_login", "carla")
    customer.fill("#id_password", PASSWORD)
    customer.click("button[type=submit]")
    customer.goto(url("/portal/faq/"))
    customer.fill("#faq-q", "certificate eduroam")
    customer.click(".faq-search button")
    customer.click(f"[data-faq='{item.number}'] a")
    customer.wait_for_selector("h1:has-text('Eduroam certificate error')")
    _image_loaded(customer, ".faq-article img")

    # An anonymous reader opens the public URL.
    response = anonymous.goto(url(f"/faq/{item.number}/"))
    assert response is not None and response.status == 200
    assert anonymous.url == url(f"/faq/{item.number}-eduroam-certificate-error/")
    canonical = anonymous.locator("link[rel=canonical]").get_attribute("href")
    assert canonical == anonymous.url
    _image_loaded(anonymous, ".faq-article img")

    # The request form suggests it while the customer types; opening it is recorded.
    customer.goto(url("/portal/forms/network/"))
    customer.fill("#id_title", "WLAN")
    customer.locator("#id_description").press_sequentially("certificate warning on eduroam")
    suggestion = customer.locator(f"[data-faq-suggestions] [data-faq='{item.number}'] a")
    suggestion.wait_for()
    with customer.context.expect_page() as opened:
        suggestion.click()
    opened.value.close()
    assert customer.locator("[data-faq-opened-field]").input_value() == str(item.number)
    # The view event reached the server before any request is sent ("opened and left").
    visit = customer.locator("[data-faq-visit]").input_value()
    for _attempt in range(50):
        if FaqSuggestionView.objects.filter(visit=visit, faq_number=item.number).exists():
            break
        customer.wait_for_timeout(100)
    assert FaqSuggestionView.objects.filter(visit=visit, faq_number=item.number).exists()
    assert errors == []


def test_hostile_html_in_faq_fields_runs_nowhere(
    make_agent: Callable[..., User],
    login: Callable[..., Any],
    new_context: Callable[[], Any],
    url: Callable[[str], str],
) -> None:
    html = "".join(PAYLOADS.values())
    agent = make_agent("erika")
    category = actions.ensure_category_path("Security")
    item = actions.create_item(
        actions.ItemInput(
            title="Hostile",
            category=category,
            visibility="public",
            symptom=html,
            problem=html,
            solution=f"<p>Hallo</p>{html}",
            comment=html,
        ),
        actor=Actor(user=agent),
    )
    assert Group.objects.exists()
    agent_page = login(agent)
    public = new_context().new_page()
    for page, path in (
        (agent_page, f"/kb/{item.number}/"),
        (agent_page, f"/kb/{item.number}/print/"),
        (public, f"/faq/{item.number}-{item.slug}/"),
        (public, "/faq/feed.atom"),
    ):
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.goto(url(path))
        page.wait_for_timeout(300)  # time for onerror, onload and refresh to fire
        if page.locator(".article-html #jslink").count():
            page.locator(".article-html #jslink").first.click()
        if page.locator(".article-html #fb").count():
            page.locator(".article-html #fb").first.click()
        assert page.url == url(path), path  # no meta refresh
        assert flags(page) == [], path
        scripts = ".article-html iframe, .article-html script, .article-html svg"
        assert page.locator(scripts).count() == 0, path
        assert page.locator(".article-html [style]").count() == 0, path
        assert errors == [], path


def _image_loaded(page: Any, selector: str) -> None:
    """The inline image (4 px wide) is shown: waited for, since it loads after the page."""
    page.wait_for_function(
        "sel => { const img = document.querySelector(sel); return img && img.complete"
        " && img.naturalWidth > 0; }",
        arg=selector,
    )
    assert page.locator(selector).evaluate("img => img.naturalWidth") == 4
