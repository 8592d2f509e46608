"""Statistics in Chromium: build a matrix statistic with the live preview, save it, and
see its table and chart, under the strict Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput


def test_build_a_matrix_statistic_and_see_its_chart(
    make_agent: Callable[..., User], login: Callable[..., Any]
) -> None:
    agent = make_agent("head")
    stats, _created = provisioning.add_group("stats")
    provisioning.grant(stats, "rw", agent=agent)
    raw = Queue.objects.get(full_name="Raw")
    for title in ("Printer", "VPN"):
        actions.create_ticket(
            title=title,
            queue=raw,
            actor=Actor(user=agent, channel="web"),
            article=ArticleInput(channel="phone", sender_type="customer", body=title),
        )
    page = login(agent)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.click("nav.mainnav [data-menu=reports]")
    page.click("text=New statistic")
    page.fill("#id_name", "Tickets per queue")
    page.select_option("#id_x", "queue")
    page.select_option("#id_y", "")
    page.select_option("#id_period", "this_year")
    page.select_option("#id_chart", "bar")
    # The preview follows each change (htmx) and draws the chart.
    page.wait_for_selector("#preview svg.report-chart rect")
    assert "Raw" in page.inner_text("#preview table")
    page.click("#statistic-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Tickets per queue')")
    page.wait_for_selector("#report-result svg.report-chart rect")
    cells = page.locator("#report-result tfoot td").all_inner_texts()
    assert cells == ["2", "2"]
    assert violations == []


def test_build_a_list_statistic_and_mail_it_on_a_schedule(
    make_agent: Callable[..., User], login: Callable[..., Any]
) -> None:
    agent = make_agent("lister", email="lister@example.org")
    stats, _created = provisioning.add_group("stats")
    provisioning.grant(stats, "rw", agent=agent)
    raw = Queue.objects.get(full_name="Raw")
    for title in ("Printer", "VPN"):
        actions.create_ticket(
            title=title,
            queue=raw,
            actor=Actor(user=agent, channel="web"),
            article=ArticleInput(channel="phone", sender_type="customer", body=title),
        )
    page = login(agent)
    page.click("nav.mainnav [data-menu=reports]")
    page.click("text=New statistic")
    page.fill("#id_name", "Open tickets")
    page.select_option("#id_kind", "list")
    # The matrix fields give way to the list's columns.
    page.wait_for_selector("#id_x", state="hidden")
    page.uncheck("input[name=columns][value=created]")
    page.check("input[name=columns][value=priority]")
    page.fill("#id_pos_title", "1")
    page.select_option("#id_period", "this_year")
    page.select_option("#id_r_queue", [str(raw.pk)])
    page.select_option("#id_sort", "title")
    page.check("#id_descending")
    page.wait_for_selector("#preview table th:has-text('Title') >> nth=0")
    headers = page.locator("#preview thead th").all_inner_texts()
    assert headers[0] == "Title" and "Priority" in headers and "Created" not in headers
    assert page.locator("#preview tbody th").all_inner_texts() == ["VPN", "Printer"]
    page.click("#statistic-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Open tickets')")
    page.click("nav.report-actions >> text=Schedules")
    page.click("#new-schedule")
    page.select_option("#id_frequency", "weekly")
    page.fill("#id_time", "07:30")
    page.select_option("#id_weekday", "0")
    page.select_option("#id_time_zone", "Europe/Berlin")
    page.fill("#id_addresses", "not an address")
    page.click("#schedule-form button[type=submit]")
    # A wrong address is shown next to its field.
    page.wait_for_selector("#id_addresses_error")
    page.fill("#id_addresses", "team@example.org")
    page.check("input[name=formats][value=pdf]")
    page.click("#schedule-form button[type=submit]")
    page.wait_for_selector("section.report-schedule")
    text = page.inner_text("section.report-schedule")
    assert "team@example.org" in text and "XLSX, PDF" in text and "Not run yet." in text
    page.click("section.report-schedule button:has-text('Delete')")
    page.wait_for_selector("text=This statistic is not mailed on a schedule.")
