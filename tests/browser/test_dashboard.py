"""The dashboard in Chromium: dragging widgets, removing and restoring them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.accounts.models import User
from sportello.web.models import WidgetSetting


def order(page: Any, column: str) -> list[str]:
    return list(
        page.locator(f"[data-widget-column={column}] > [data-widget]").evaluate_all(
            "els => els.map(e => e.dataset.widget)"
        )
    )


def test_dragged_order_persists_after_reload(
    make_agent: Callable[..., User], login: Callable[..., Any]
) -> None:
    agent = make_agent("erika")
    page = login(agent)
    assert order(page, "main") == ["new", "open", "reminder", "escalated", "tickets"]
    page.drag_and_drop(
        "[data-widget=tickets] [data-drag-handle]",
        "[data-widget=new] [data-drag-handle]",
        target_position={"x": 20, "y": 2},
    )
    page.wait_for_selector("[data-dashboard][data-saved=yes]")
    assert order(page, "main") == ["tickets", "new", "open", "reminder", "escalated"]
    page.drag_and_drop(
        "[data-widget=stats] [data-drag-handle]",
        "[data-widget=queues] [data-drag-handle]",
        target_position={"x": 20, "y": 2},
    )
    page.wait_for_function(
        "document.querySelector('[data-widget-column=side] [data-widget]').dataset.widget"
        " === 'stats'"
    )
    page.wait_for_selector("[data-dashboard][data-saved=yes]")
    page.reload()
    assert order(page, "main") == ["tickets", "new", "open", "reminder", "escalated"]
    assert order(page, "side") == ["stats", "queues", "faq-recent", "faq-new", "faq-top"]
    assert WidgetSetting.objects.get(agent=agent, widget="tickets").position == 0


def test_remove_and_restore_a_widget(
    make_agent: Callable[..., User], login: Callable[..., Any]
) -> None:
    agent = make_agent("paolo")
    page = login(agent)
    page.click("[data-remove=reminder]")
    page.wait_for_selector("[data-widget=reminder]", state="detached")
    page.reload()
    assert "reminder" not in order(page, "main")
    page.click("[data-dashboard-settings] summary")
    page.click("[data-restore=reminder]")
    page.wait_for_selector("[data-widget=reminder]")
    page.reload()
    assert order(page, "main") == ["new", "open", "escalated", "tickets", "reminder"]
    assert not WidgetSetting.objects.get(agent=agent, widget="reminder").removed


def test_tabs_sort_and_pages_swap_the_widget_body_without_csp_errors(
    make_agent: Callable[..., User], login: Callable[..., Any]
) -> None:
    from sportello.core.actor import Actor
    from sportello.queues.models import Queue
    from tests.tickets.factories import make_ticket

    agent = make_agent("anna")
    raw = Queue.objects.get(full_name="Raw")
    for n in range(12):
        make_ticket(raw, Actor(user=agent), title=f"ticket {n:02}")
    page = login(agent)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.reload()
    tickets = page.locator("[data-widget=tickets]")
    tickets.locator("[data-tab=all]").click()
    tickets.locator("[data-tab=all][aria-current=true]").wait_for()
    assert tickets.locator("[data-tab=all] [data-count]").inner_text() == "12"
    tickets.locator("[data-sort=title]").click()
    tickets.locator("[data-sort=title][aria-sort=ascending]").wait_for()
    assert tickets.locator("tbody tr").first.inner_text().count("ticket 00") == 1
    tickets.locator("[data-page='2']").click()
    tickets.locator("[data-page='2'][aria-current=page]").wait_for()
    assert tickets.locator("tbody tr").count() == 2
    page.reload()
    assert tickets.locator("[data-sort=title][aria-sort=ascending]").count() == 1
    assert problems == []


def test_widget_settings_load_on_opening_and_filter_the_list(
    make_agent: Callable[..., User], login: Callable[..., Any]
) -> None:
    from sportello.core.actor import Actor
    from sportello.queues.models import Queue
    from tests.tickets.factories import make_ticket

    agent = make_agent("luca")
    raw = Queue.objects.get(full_name="Raw")
    for n in range(3):
        make_ticket(raw, Actor(user=agent), title=f"free {n}")
    make_ticket(raw, Actor(user=agent), title="mine", lock=True)
    page = login(agent)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.reload()
    widget = page.locator("[data-widget=new]")
    assert widget.locator("tbody tr").count() == 4
    assert widget.locator("[name=per_page]").count() == 0  # not rendered before opening
    widget.locator(".widget-settings summary").click()
    form = widget.locator("[data-widget-settings=new]")
    form.wait_for()
    form.locator("select[name=lock]").select_option("unlock")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("[data-widget=new] [data-filtered]")
    assert page.locator("[data-widget=new] tbody tr").count() == 3
    assert problems == []
