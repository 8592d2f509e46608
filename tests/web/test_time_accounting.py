"""Accounted time in the agent interface: the dialogs' optional (or required) field,
the zoom's total."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue, SystemAddress
from sportello.tickets.models import TimeAccounting
from tests.tickets.factories import make_ticket
from tests.web.test_actions import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def test_note_dialog_accounts_time_and_the_zoom_shows_the_total(
    logged_in: Client, queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    url = f"/ticket/{ticket.number}/action/note/"
    page = logged_in.get(url).content.decode()
    assert 'name="time_units"' in page and "In minutes." in page
    bad = post(logged_in, url, ticket, body="x", time_units="-3")
    assert bad.status_code == 400 and "cannot be negative" in bad.content.decode()
    assert post(logged_in, url, ticket, body="x", time_units="20").status_code == 302
    phone = f"/ticket/{ticket.number}/action/phone-outbound/"
    assert post(logged_in, phone, ticket, body="Called", time_units="5").status_code == 302
    assert list(TimeAccounting.objects.order_by("id").values_list("minutes", flat=True)) == [
        20,
        5,
    ]
    zoom = logged_in.get(f"/ticket/{ticket.number}/").content.decode()
    assert "Accounted time" in zoom and "25 min" in zoom


def test_reply_forward_and_the_zoom_answer_account_time(
    logged_in: Client, queue: Queue, actor: Actor
) -> None:
    queue.system_address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue.save()
    ticket = make_ticket(queue, actor, customer_user_id="max@example.org")
    reply = f"/ticket/{ticket.number}/article/1/action/reply/"
    response = post(logged_in, reply, ticket, to="max@example.org", text="Hi", time_units="7")
    assert response.status_code == 302
    forward = f"/ticket/{ticket.number}/article/1/action/forward/"
    assert post(logged_in, forward, ticket, to="x@example.com", time_units="2").status_code == 302
    answer = f"/ticket/{ticket.number}/answer/"
    response = post(logged_in, answer, ticket, to="max@example.org", text="Hi", time_units="4")
    assert response.status_code == 302
    assert sorted(TimeAccounting.objects.values_list("minutes", flat=True)) == [2, 4, 7]


@override_settings(SPORTELLO_TIME_ACCOUNTING_REQUIRED=True, SPORTELLO_TIME_UNIT_MINUTES=15)
def test_a_setting_makes_the_time_required_in_units(
    logged_in: Client, queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    url = f"/ticket/{ticket.number}/action/note/"
    page = logged_in.get(url).content.decode()
    assert "In units of 15 minutes." in page
    missing = post(logged_in, url, ticket, body="x")
    assert missing.status_code == 400 and "Enter the time you spent." in missing.content.decode()
    assert ticket.articles.count() == 1
    assert post(logged_in, url, ticket, body="x", time_units="2").status_code == 302
    assert TimeAccounting.objects.get().minutes == 30
