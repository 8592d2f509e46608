"""Accounted time through the REST API (``accounted_minutes`` on new articles, the
ticket's total) and the GenericInterface (``Article->TimeUnit`` in, ``TimeUnit`` out);
the origin recorded for tickets created through each."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from sportello.api.genericinterface import fields
from sportello.api.genericinterface.auth import Caller
from sportello.api.genericinterface.errors import OperationError
from sportello.api.genericinterface.ticket_get import options, ticket_data
from sportello.queues.models import Queue, SystemAddress
from sportello.tickets.models import Ticket, TicketOrigin, TimeAccounting
from tests.api.conftest import ApiClient


def test_articles_account_time_and_the_ticket_shows_its_total(
    api: ApiClient, ticket: Ticket
) -> None:
    address = SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=ticket.queue)
    Queue.objects.filter(pk=ticket.queue_id).update(system_address=address)
    url = f"/tickets/{ticket.number}/articles"
    assert api.post(url, {"body": "n", "accounted_minutes": 12}).status_code == 201
    call = api.post(url, {"kind": "phone", "body": "c", "accounted_minutes": 3})
    assert call.status_code == 201
    answer = api.post(
        url, {"kind": "email", "body": "a", "to": ["max@example.org"], "accounted_minutes": 5}
    )
    assert answer.status_code == 201, answer.content
    assert api.get(f"/tickets/{ticket.number}").json()["accounted_minutes"] == 20
    bad = api.post(url, {"body": "n", "accounted_minutes": -1})
    assert bad.status_code == 422 or bad.status_code == 400
    assert TimeAccounting.objects.count() == 3


def test_a_new_ticket_records_the_api_as_its_origin(api: ApiClient, queue: Queue) -> None:
    response = api.post(
        "/tickets",
        {
            "title": "VPN down",
            "queue": queue.full_name,
            "article": {"kind": "note", "body": "x", "accounted_minutes": 9},
        },
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert TicketOrigin.objects.get(ticket=ticket).channel == "api"
    assert response.json()["accounted_minutes"] == 9


def _article(**extra: Any) -> dict[str, Any]:
    return {"Subject": "S", "Body": "B", "ContentType": "text/plain; charset=utf8", **extra}


@override_settings(SPORTELLO_TIME_UNIT_MINUTES=60)
def test_generic_interface_time_unit_in_and_out(ticket: Ticket, agent: Any) -> None:
    def parsed(**extra: Any) -> Any:
        return fields.article_input(
            fields.Reader("TicketUpdate"),
            _article(**extra),
            customer=False,
            default_from="agent",
            to="q",
            attachments=[],
            article_fields={},
        )

    assert parsed(TimeUnit="1.5").accounted_minutes == 90
    assert parsed().accounted_minutes == 0
    with pytest.raises(OperationError):
        parsed(TimeUnit="soon")
    from sportello.core.actor import Actor
    from sportello.tickets import actions

    data = parsed(TimeUnit="0.5")
    actions.add_article(ticket, data, actor=Actor(user=agent, channel="api"))
    shown = ticket_data(
        ticket,
        Caller(agent=agent),
        options({"AllArticles": 1}),
    )
    assert shown["TimeUnit"] == 0.5
    assert [a["TimeUnit"] for a in shown["Article"]] == [0, 0.5]
