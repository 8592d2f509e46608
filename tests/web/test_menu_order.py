"""The top menu in each agent's order (seed 003): saved by dragging (a posted order) or
with the preferences page's move-up/down buttons, which work without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sportello.accounts.models import User
from sportello.accounts.services import set_menu_order
from sportello.core.errors import InvalidInput
from sportello.web import menu

pytestmark = pytest.mark.django_db

DEFAULT = ["dashboard", "queues", "status", "phone", "email", "search", "faq"]


@pytest.fixture
def logged_in(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def shown(content: str) -> list[str]:
    nav = re.search(r'<nav class="mainnav".*?</nav>', content, re.S)
    assert nav
    return re.findall(r'data-menu="([\w-]+)"', nav.group(0))


def saved(agent: User) -> list[str]:
    agent.refresh_from_db()
    return list(agent.menu_order)


def test_the_menu_starts_in_its_default_order(logged_in: Client) -> None:
    assert shown(logged_in.get("/").content.decode()) == DEFAULT
    assert [e.key for e in menu.ordered([])] == DEFAULT


def test_a_dragged_order_is_kept_and_shown_on_every_page(logged_in: Client, agent: User) -> None:
    response = logged_in.post(
        "/preferences/menu/", {"order": ["search", "dashboard"]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    expected = ["search", "dashboard", "queues", "status", "phone", "email", "faq"]
    assert saved(agent) == expected
    for path in ("/", "/queues/", "/search/", "/preferences/"):
        assert shown(logged_in.get(path).content.decode()) == expected, path


def test_move_buttons_work_without_javascript(logged_in: Client, agent: User) -> None:
    page = logged_in.get("/preferences/").content.decode()
    form = re.search(r'<section class="card" id="menu-order">.*?</form>', page, re.S)
    assert form and 'name="down" value="dashboard"' in form.group(0)
    # The first entry cannot move up, the last not down.
    assert re.search(r'name="up" value="dashboard" disabled', form.group(0))
    assert re.search(r'name="down" value="faq" disabled', form.group(0))
    response = logged_in.post("/preferences/menu/", {"order": DEFAULT, "down": "dashboard"})
    assert response.status_code == 302 and response["Location"].endswith("/preferences/#menu-order")
    assert saved(agent) == ["queues", "dashboard", "status", "phone", "email", "search", "faq"]
    logged_in.post("/preferences/menu/", {"order": saved(agent), "up": "search"})
    assert saved(agent) == ["queues", "dashboard", "status", "phone", "search", "email", "faq"]
    # Moving the first entry up changes nothing.
    logged_in.post("/preferences/menu/", {"order": saved(agent), "up": "queues"})
    assert saved(agent)[0] == "queues"
    page = logged_in.get("/preferences/").content.decode()
    assert "The order of the top menu was saved." in page


def test_bad_orders_are_refused_with_a_message(logged_in: Client, agent: User) -> None:
    for order in (["search", "nothing"], ["search", "search"]):
        response = logged_in.post(
            "/preferences/menu/", {"order": order}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 400
        assert "unknown or repeated" in response.content.decode()
        response = logged_in.post("/preferences/menu/", {"order": order}, follow=True)
        assert response.status_code == 200
        assert "unknown or repeated" in response.content.decode()
    assert saved(agent) == []
    with pytest.raises(InvalidInput):
        set_menu_order(agent, ["x"], known=menu.KEYS)


def test_a_stored_order_with_stale_keys_still_shows_every_entry(
    logged_in: Client, agent: User
) -> None:
    # An entry that no longer exists is passed over, a new one is added at the end.
    User.objects.filter(pk=agent.pk).update(menu_order=["gone", "search", "search", "phone"])
    assert shown(logged_in.get("/").content.decode()) == [
        "search",
        "phone",
        "dashboard",
        "queues",
        "status",
        "email",
        "faq",
    ]


def test_only_posts_by_agents(client: Client) -> None:
    assert client.post("/preferences/menu/", {"order": ["search"]}).status_code == 302
    client.force_login(User.objects.get(username="system"))
    assert client.post("/preferences/menu/", {"order": ["search"]}).status_code == 403
