from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.kb import actions
from sportello.kb.models import Category, FaqItem
from tests.portal.conftest import (  # noqa: F401 - the portal's fixtures, for the FAQ pages
    _portal_settings,
    client_a,
    company,
    customer_a,
    helpdesk,
    request_form,
)


@pytest.fixture
def faq_group(db: None) -> Group:
    group, _created = provisioning.add_group("faq-network")
    return group


@pytest.fixture
def category(faq_group: Group) -> Category:
    category = actions.ensure_category_path("Network::WLAN")
    category.groups.set([faq_group])
    return category


def make_agent(username: str, group: Group | None = None, permission: str = "rw") -> User:
    user = User.objects.create_user(username, email=f"{username}@example.org", password="x" * 12)
    if group is not None:
        provisioning.grant(group, permission, agent=user)
    return user


@pytest.fixture
def writer(faq_group: Group) -> User:
    return make_agent("writer", faq_group, "rw")


@pytest.fixture
def writer_actor(writer: User) -> Actor:
    return Actor(user=writer)


def new_item(actor: Actor, category: Category, **values: Any) -> FaqItem:
    values.setdefault("title", "WLAN eduroam does not connect")
    values.setdefault("solution", "<p>Install the <b>eduroam</b> profile.</p>")
    values.setdefault("visibility", "public")
    return actions.create_item(actions.ItemInput(category=category, **values), actor=actor)
