"""A walk through every page of the agent interface and the portal's public pages, in the
light and the dark skin: the accessibility audit of the browser fixture (axe-core, WCAG 2.1
AA) checks each one. Plus the widgets' links without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.mail.ingest import ingest_message
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.models import Ticket
from sportello.web.dialogs import DIALOGS
from tests.tickets.factories import make_ticket

ARTICLE_DIALOGS = ("reply", "reply-all", "forward", "bounce", "split")


@pytest.fixture
def helpdesk(transactional_db: None) -> dict[str, Any]:
    """A queue tree with tickets, one of them from an HTML mail with an inline image."""
    group = Group.objects.get(name="users")
    wlan = ensure_queue("IT::Network::WLAN", group=group)
    printers = ensure_queue("IT::Print", group=group)
    message = EmailMessage()
    message["From"] = "Anna Rossi <anna.rossi@example.org>"
    message["To"] = "helpdesk@example.org"
    message["Subject"] = "Stampante in biblioteca"
    message["Message-ID"] = "<a11y-1@example.org>"
    message.set_content("La stampante non funziona.")
    message.add_alternative(
        '<p>La <b>stampante</b> non funziona.</p><img src="cid:shot@x"><table><tr><td>1</td>'
        "</tr></table>",
        subtype="html",
    )
    message.get_payload()[1].add_related(b"\x89PNG\r\n", "image", "png", cid="<shot@x>")
    html = ingest_message(message.as_bytes())
    ticket = Ticket.objects.get(number=html.ticket)
    actions.move(ticket, printers, actor=Actor.system("cli"))
    others = [make_ticket(wlan, Actor.system("cli"), title=f"WLAN {n}") for n in range(3)]
    return {"ticket": ticket, "others": others, "wlan": wlan}


def _tour(page: Any, url: Callable[[str], str], ticket: Ticket, wlan: Queue) -> None:
    paths = [
        "/",
        "/queues/",
        f"/queues/?queue={wlan.pk}&tab=all",
        "/queues/?density=M",
        "/queues/?density=L",
        "/overview/status/",
        "/overview/locked/",
        "/overview/watched/",
        "/overview/responsible/",
        "/overview/escalated/",
        "/dashboard/tickets/settings/",
        "/search/",
        "/search/?q=stampante",
        "/tickets/new/phone/",
        "/tickets/new/email/",
        "/notifications/",
        "/preferences/",
        "/preferences/api-tokens/",
        "/password/",
        f"/ticket/{ticket.number}/",
        f"/ticket/{ticket.number}/?external=1",
        f"/ticket/{ticket.number}/history/",
    ]
    paths += [
        f"/ticket/{ticket.number}/action/{name}/" for name in DIALOGS if name not in ARTICLE_DIALOGS
    ]
    paths += [f"/ticket/{ticket.number}/article/1/action/{name}/" for name in ARTICLE_DIALOGS]
    for path in paths:
        response = page.goto(url(path))
        assert response.status == 200, path
        page.evaluate("window.__sportelloAxeCheck('tour')")


def test_every_agent_page_passes_axe_in_both_skins(
    helpdesk: dict[str, Any],
    make_agent: Callable[..., User],
    login: Callable[..., Any],
    url: Callable[[str], str],
) -> None:
    agent = make_agent("anna", first_name="Anna", last_name="Bianchi")
    page = login(agent)
    ticket = helpdesk["ticket"]
    page.goto(url(f"/ticket/{ticket.number}/"))
    page.locator("nav.ticket-actions").get_by_role("button", name="Lock").click()
    _tour(page, url, ticket, helpdesk["wlan"])
    User.objects.filter(pk=agent.pk).update(skin="dark")
    page.goto(url("/"))
    assert page.locator("body").get_attribute("class") == "skin-dark"
    _tour(page, url, ticket, helpdesk["wlan"])


def test_public_pages_pass_axe(new_context: Callable[..., Any], url: Callable[[str], str]) -> None:
    page = new_context().new_page()
    for path in ("/login/", "/portal/login/", "/portal/forms/", "/portal/password/reset/"):
        assert page.goto(url(path)).status == 200, path
        page.evaluate("window.__sportelloAxeCheck('tour')")
    dark = new_context(color_scheme="dark").new_page()
    for path in ("/login/", "/portal/login/"):
        dark.goto(url(path))
        dark.evaluate("window.__sportelloAxeCheck('tour')")


def test_widget_links_work_without_javascript(
    helpdesk: dict[str, Any],
    make_agent: Callable[..., User],
    new_context: Callable[..., Any],
    url: Callable[[str], str],
) -> None:
    agent = make_agent("paolo")
    page = new_context(java_script_enabled=False).new_page()
    page.goto(url("/login/"))
    page.fill("#id_username", agent.username)
    page.fill("#id_password", "browser-pw-Kx81-long")
    page.click("button[type=submit]")
    page.wait_for_url(url("/"))
    page.locator("[data-widget=tickets] [data-tab=all]").click()
    page.wait_for_url(url("/#title-tickets"))
    page.locator("[data-widget=tickets] a[data-sort=title]").click()
    page.wait_for_url(url("/#title-tickets"))
    assert page.locator("h1").inner_text() == "Dashboard"  # the whole page, not a fragment
    assert page.locator("[data-widget=tickets] th[aria-sort=ascending] [data-sort=title]").count()
    titles = page.locator("[data-widget=tickets] tbody tr").all_inner_texts()
    assert len(titles) == 4 and "Stampante" in titles[0]
