"""The customer's whole journey in a real Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connections

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.mail.actions import send_answer
from sportello.portal.models import FormFieldKind, RequestForm, RequestFormField
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import Channel, SenderType, Ticket
from sportello.tickets.selectors import ticket_type_by_name
from tests.conftest import grant_rw_on_users
from tests.portal.conftest import PASSWORD, make_customer

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Parent pages served by request routing count as public; let them frame the server.
    "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests",
]


def _require_browser() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    missing = (
        "playwright not installed (dev extra)"
        if sync_playwright is None
        else ("chromium not installed (Debian chromium)" if not shutil.which(CHROMIUM) else "")
    )
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    return sync_playwright


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    sync_playwright = _require_browser()
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls
    # are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context()
        context.set_default_timeout(15_000)
        yield context.new_page()
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection; it must
        # not outlive the test database.
        connections.close_all()


@pytest.fixture
def scene(db: None) -> dict[str, Any]:
    group = Group.objects.get(name="users")
    address = SystemAddress.objects.create(email="help@uni.example.org", display_name="Helpdesk")
    queue: Queue = ensure_queue("Helpdesk", group=group, system_address=address)
    form = RequestForm.objects.create(
        name="Printing problem",
        slug="printing",
        ticket_type=ticket_type_by_name("Incident"),
        queue=queue,
    )
    for order, kind in enumerate(FormFieldKind.values):
        RequestFormField.objects.create(form=form, kind=kind, order=order, required=False)
    agent = grant_rw_on_users(
        User.objects.create_user("agent1", email="agent1@example.org", password="x" * 12)
    )
    customer: CustomerUser = make_customer("anna", "anna@uni.example.org", first_name="Anna")
    return {"agent": agent, "customer": customer}


# The live server reads committed data. Serialized rollback restores the migrations' data
# for this test and leaves the tables empty afterwards rather than re-creating rows (such
# as content types) under new ids, which would break later serialized-rollback tests.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_customer_files_follows_replies_and_closes(
    page: Any, live_server: Any, scene: dict[str, Any]
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    base = live_server.url

    page.goto(f"{base}/portal/")
    page.fill("#id_login", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.wait_for_url(f"{base}/portal/")

    page.goto(f"{base}/portal/forms/printing/")
    page.fill("#id_title", 'Printer prints only stripes <img src=x onerror="window.__flag=1">')
    page.fill("#id_description", "Since Monday every page has stripes.")
    page.set_input_files(
        "#id_attachments",
        files=[{"name": "stripes.txt", "mimeType": "text/plain", "buffer": b"|||"}],
    )
    page.click("button:has-text('Send request')")
    page.wait_for_url(re.compile(r".*/done/\d+/$"))
    number = page.locator(".number").inner_text()
    ticket = Ticket.objects.get(number=number)
    assert ticket.customer_user_id == "anna"
    assert ticket.articles.get(number=1).attachments.get().filename == "stripes.txt"

    page.click("a:has-text('Go to My requests')")
    page.goto(f"{base}/portal/")
    assert page.locator(f"a:has-text('{number}')").count() == 1
    assert page.locator("td .state").first.inner_text() == "received"
    assert page.evaluate("window.__flag") is None  # the title is text, not markup

    actor = Actor(user=scene["agent"], channel="web")
    send_answer(ticket, actor=actor, text="Please clean the drum.", to=["anna@uni.example.org"])
    actions.add_article(
        ticket,
        ArticleInput(
            channel=Channel.INTERNAL, sender_type=SenderType.AGENT, body="Customer again!"
        ),
        actor=actor,
    )

    page.goto(f"{base}/portal/requests/{number}/")
    body = page.locator("main").inner_text()
    assert "Please clean the drum." in body
    assert "Customer again!" not in body
    assert "stripes.txt" in body
    assert page.locator(".meta .state").inner_text() == "in progress"
    assert page.evaluate("window.__flag") is None

    page.fill("#id_text", "Cleaned it, works now. Thanks!")
    page.click("button:has-text('Send reply')")
    page.wait_for_url(f"{base}/portal/requests/{number}/")
    assert "Cleaned it, works now. Thanks!" in page.locator("main").inner_text()

    page.click("button:has-text('Close my request')")
    page.wait_for_url(f"{base}/portal/requests/{number}/")
    assert page.locator(".meta .state").inner_text() == "resolved"
    ticket.refresh_from_db()
    assert ticket.state.name == "closed successful"
    assert ticket.articles.filter(sender_type="customer").count() == 2
    assert violations == []


def _parent_page(target: str) -> Any:
    def fulfil(route: Any) -> None:
        body = f'<!DOCTYPE html><iframe src="{target}"></iframe>'
        route.fulfill(content_type="text/html", body=body)

    return fulfil


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_form_is_framable_only_by_its_listed_origins(
    page: Any, live_server: Any, scene: dict[str, Any]
) -> None:
    # Parent pages on other origins, served by the browser's request routing.
    port = urlsplit(live_server.url).port
    friend, stranger = f"http://127.0.0.1:{port}", f"http://127.0.0.2:{port}"
    RequestForm.objects.filter(slug="printing").update(
        allow_anonymous=True, frame_ancestors=f"https://elsewhere.example.org\n{friend}"
    )
    embed = f"{live_server.url}/portal/forms/printing/embed/"
    normal = f"{live_server.url}/portal/forms/printing/"
    for origin in [friend, stranger]:
        for target in [embed, normal]:
            page.route(f"{origin}/parent", _parent_page(target))
            page.goto(f"{origin}/parent")
            frame = page.frames[-1]
            frame.wait_for_load_state()
            shown = frame.locator("button:has-text('Send request')").count() == 1
            assert shown == (origin == friend and target == embed), (origin, target)
            page.unroute(f"{origin}/parent")
