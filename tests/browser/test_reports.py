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
