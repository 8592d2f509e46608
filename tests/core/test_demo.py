from __future__ import annotations

import pytest
from django.test import Client

from sportello.core import demo
from sportello.queues.models import Queue
from sportello.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_demo_data_is_created_once(tmp_path: object, settings: object) -> None:
    settings.SPORTELLO_HOME = tmp_path  # type: ignore[attr-defined]
    credentials = demo.create_demo_data()
    assert set(credentials) == {"admin", "anna", "marco"}
    names = set(Queue.objects.values_list("full_name", flat=True))
    assert {"Raw", "Junk", "Misc", "Postmaster", "IT::Network::WLAN", "IT::Network"} <= names
    assert Ticket.objects.count() == len(demo.TICKETS)
    assert demo.create_demo_data() == credentials
    assert Ticket.objects.count() == len(demo.TICKETS)
    client = Client()
    assert client.login(username="admin", password=credentials["admin"])
    assert client.get("/admin/").status_code == 200
    wlan = Ticket.objects.get(queue__full_name="IT::Network::WLAN")
    assert wlan.owner.username == "anna" and wlan.state.name == "open"
