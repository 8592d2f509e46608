from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.notifications.models import Notification
from sportello.queues.models import Queue
from sportello.tickets import actions
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_notification_inbox_badge_and_mark_read(
    client: Client, agent: User, other_agent: User, queue: Queue, actor: Actor,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    ticket = make_ticket(queue, actor)
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_owner(ticket, other_agent, actor=actor)
        actions.set_responsible(ticket, other_agent, actor=actor)
    client.force_login(other_agent)
    page = client.get(reverse("web:notifications"))
    assert page.status_code == 200
    assert page.context["unread_notifications"] == 2
    assert ticket.number in page.content.decode()
    first = Notification.objects.filter(agent=other_agent).order_by("id").first()
    assert first is not None
    client.post(reverse("web:notifications-read"), {"id": [first.pk]})
    assert Notification.objects.filter(agent=other_agent, read_at__isnull=True).count() == 1
    client.post(reverse("web:notifications-read"))
    assert Notification.objects.filter(agent=other_agent, read_at__isnull=True).count() == 0
    # Nobody marks another agent's notifications.
    client.force_login(agent)
    Notification.objects.update(read_at=None)
    client.post(reverse("web:notifications-read"), {"id": [first.pk]})
    assert Notification.objects.filter(agent=other_agent, read_at__isnull=True).count() == 2


def test_preferences_choose_queues_absence_and_notification_types(
    client: Client, agent: User, queue: Queue
) -> None:
    client.force_login(agent)
    assert client.get(reverse("web:preferences")).status_code == 200
    data = {
        "my_queues": [queue.pk],
        "out_of_office_start": "2026-12-20",
        "out_of_office_end": "2027-01-06",
        "notify_new_ticket_app": "on",
        "notify_follow_up_email": "on",
        "notify_follow_up_app": "on",
    }
    response = client.post(reverse("web:preferences"), data)
    assert response.status_code == 302
    agent.refresh_from_db()
    assert list(agent.my_queues.all()) == [queue]
    assert str(agent.out_of_office_start) == "2026-12-20"
    assert agent.wants("new_ticket", "app") and not agent.wants("new_ticket", "email")
    assert agent.wants("follow_up", "email") and not agent.wants("owner_update", "app")


def test_preferences_refuse_a_half_absence(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.post(reverse("web:preferences"), {"out_of_office_start": "2026-12-20"})
    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.out_of_office_start is None
