"""An agent creates a phone ticket in the browser and answers it; the answer reaches a
real SMTP server."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sportello.accounts.models import Group, User
from sportello.customers.models import CustomerUser
from sportello.queues.models import SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import dynamic_fields as df
from sportello.tickets.models import DynamicField, Ticket


def test_create_a_phone_ticket_and_answer_it(
    make_agent: Callable[..., User],
    login: Callable[..., Any],
    url: Callable[[str], str],
    smtp_sink: Any,
) -> None:
    queue = ensure_queue("IT::Druck", group=Group.objects.get(name="users"))
    queue.system_address = SystemAddress.objects.create(
        email="druck@helpdesk.example.org", display_name="Druck-Team"
    )
    queue.save()
    CustomerUser.objects.create(
        login="mmuster", email="max@example.org", first_name="Max", last_name="Müster"
    )
    DynamicField.objects.create(
        name="building", object_type="ticket", field_type="dropdown", labels={"en": "Building"},
        choices=[{"key": "h4", "labels": {"en": "Hall 4"}}, {"key": "h5", "labels": {}}],
    )  # fmt: skip
    page = login(make_agent("erika", first_name="Erika", last_name="Muster"))
    page.click("text=New phone ticket")
    page.wait_for_url(url("/tickets/new/phone/"))
    # Search as you type fills the customer suggestions.
    page.type("#id_customer", "Mü", delay=50)
    page.locator("#customer-results option[value=mmuster]").wait_for(state="attached")
    page.fill("#id_customer", "mmuster")
    page.select_option("#id_queue", label="IT::Druck")
    page.fill("#id_title", "Drucker druckt leere Seiten")
    page.locator(".field-text [contenteditable=true]").fill(
        "Anruf: seit heute früh nur leere Seiten."
    )
    page.select_option("#id_next_state", label="open")
    page.select_option("#id_df_building", label="Hall 4")
    page.click("form.new-ticket button[type=submit]")
    page.wait_for_selector(".ticket-head")
    ticket = Ticket.objects.get()
    assert page.url == url(f"/ticket/{ticket.number}/")
    assert "Drucker druckt leere Seiten" in page.inner_text(".ticket-head h1")
    assert "seit heute früh" in page.inner_text("#article-1")
    assert df.current_values(ticket)["building"] == "h4"
    assert page.inner_text('.dynamic-fields dd[data-field="building"]') == "Hall 4"
    # Answer through the zoom; the outbox sends it after commit.
    assert page.input_value("#id_to") == "max@example.org"
    page.locator("#answer [contenteditable=true]").fill("Bitte den Toner tauschen.")
    page.click("#answer button[type=submit]")
    page.wait_for_selector("#article-2")
    deadline = time.monotonic() + 10
    while not smtp_sink.received and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(smtp_sink.received) == 1
    message = smtp_sink.received[0]
    assert message.recipients == ["max@example.org"]
    body = message.message.get_body(("plain",)).get_content()
    assert "Bitte den Toner tauschen." in body
    assert f"[Ticket#{ticket.number}]" in str(message.message["Subject"])
