"""The zoom reads in a fixed number of queries, whatever the number of articles."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.models import DynamicField
from tests.tickets.factories import make_ticket
from tests.web.helpers import ticket_with_articles

pytestmark = pytest.mark.django_db


def zoom_queries(client: Client, number: str, query: str = "") -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/ticket/{number}/{query}")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_zoom_query_count_is_independent_of_the_article_count(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    CustomerUser.objects.create(login="max", email="max@example.org")
    minutes = DynamicField.objects.create(
        name="minutes", object_type="article", field_type="integer", labels={"en": "Minutes"}
    )
    small = ticket_with_articles(queue, actor, 3, customer_user_id="max")
    large = ticket_with_articles(queue, actor, 30, customer_user_id="max")
    for ticket in (small, large):
        actions.link(ticket, make_ticket(queue, actor), actor=actor)
        actions.watch(ticket, actor=actor)
        for article in ticket.articles.all():
            actions.set_dynamic_fields(
                ticket, {minutes: article.number}, actor=actor, article=article
            )
    client.force_login(agent)
    client.get("/notifications/")  # fills the per-process configuration cache
    first_small, first_large = (
        zoom_queries(client, small.number),
        zoom_queries(client, large.number),
    )
    assert first_small == first_large  # first view: every article is marked seen at once
    again_small, again_large = (
        zoom_queries(client, small.number),
        zoom_queries(client, large.number),
    )
    assert again_small == again_large
    assert again_small <= first_small
    one_small = zoom_queries(client, small.number, "?article=2")
    assert one_small == zoom_queries(client, large.number, "?article=2")
    filtered = zoom_queries(client, large.number, "?channel=email&external=1")
    assert filtered == again_large
    # The whole page: session, the agent's grants, notification badge and top bar
    # counters, the ticket's accounted time.
    assert again_large <= 21
