"""Type, title, service and SLA changed from the zoom's action menu in real Chromium;
the SLA dialog offers what the chosen service offers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.sla.models import SLA, Service
from sportello.tickets.models import Ticket
from tests.tickets.factories import make_ticket


def test_attributes_from_the_zoom_menu(
    transactional_db: None,
    make_agent: Callable[..., Any],
    login: Callable[..., Any],
    url: Callable[[str], str],
) -> None:
    from playwright.sync_api import expect

    queue: Queue = ensure_queue("IT::WLAN", group=Group.objects.get(name="users"))
    gold, silver = (
        SLA.objects.create(name=n, first_response_minutes=60) for n in ("Gold", "Silver")
    )
    SLA.objects.create(name="Bronze", first_response_minutes=480)
    Service.objects.create(name="WLAN", sla=gold).slas.add(silver)
    ticket = make_ticket(queue, Actor.system("mail"))
    zoom = url(f"/ticket/{ticket.number}/")
    page = login(make_agent("erika", first_name="Erika", last_name="Muster"))
    menu = page.locator("nav.ticket-actions")

    page.goto(zoom)
    menu.get_by_role("link", name="Title", exact=True).click()
    page.fill("#id_title", "WLAN im Hörsaal {{ H4 }}")
    page.locator("form.dialog-form button[name=submit]").click()
    page.wait_for_url(zoom)
    expect(page.locator("body")).to_contain_text("WLAN im Hörsaal {{ H4 }}")

    menu.get_by_role("link", name="Type", exact=True).click()
    page.select_option("#id_ticket_type", label="Incident")
    page.locator("form.dialog-form button[name=submit]").click()
    page.wait_for_url(zoom)

    menu.get_by_role("link", name="Service", exact=True).click()
    page.select_option("#id_service", label="WLAN")
    page.fill("#id_body", "Laut Anruf betrifft es das WLAN.")
    page.locator("form.dialog-form button[name=submit]").click()
    page.wait_for_url(zoom)

    menu.get_by_role("link", name="SLA", exact=True).click()
    options = page.locator("#id_sla option").all_inner_texts()
    assert [o for o in options if not o.startswith("(")] == ["Gold", "Silver"]
    page.select_option("#id_sla", label="Silver")
    page.locator("form.dialog-form button[name=submit]").click()
    page.wait_for_url(zoom)

    fresh = Ticket.objects.select_related("type", "service", "sla").get(pk=ticket.pk)
    assert fresh.title == "WLAN im Hörsaal {{ H4 }}" and fresh.type.name == "Incident"
    assert (fresh.service.name, fresh.sla.name) == ("WLAN", "Silver")  # type: ignore[union-attr]
    expect(page.locator("dd.ticket-service")).to_have_text("WLAN")
    expect(page.locator("dd.ticket-sla")).to_have_text("Silver")
    expect(page.locator("section.sla-due")).to_be_visible()  # the due times of Silver
    page.goto(url(f"/ticket/{ticket.number}/history/"))
    for text in ("Title changed", "Type changed", "Service changed", "SLA changed"):
        expect(page.locator("body")).to_contain_text(text)
