from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client

from sportello.queues.models import Queue
from sportello.tickets.models import Ticket
from sportello.web import demo

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
    # A standard template of each type, offered in the demo queues.
    from sportello.mail.models import StandardTemplate, TemplateType

    offered = StandardTemplate.objects.filter(queues=wlan.queue, valid=True)
    assert set(offered.values_list("type", flat=True)) == set(TemplateType.values)
    assert offered.get(type=TemplateType.ANSWER).attachments.count() == 1


def test_demo_agents_show_the_permission_model(tmp_path: object, settings: object) -> None:
    from sportello.accounts import permissions
    from sportello.accounts.models import User

    settings.SPORTELLO_HOME = tmp_path  # type: ignore[attr-defined]
    credentials = demo.create_demo_data()
    wlan = Queue.objects.get(full_name="IT::Network::WLAN")
    office = Queue.objects.get(full_name="Segreteria Studenti")
    anna, marco = User.objects.get(username="anna"), User.objects.get(username="marco")
    assert permissions.may(anna, "rw", wlan) and permissions.may(anna, "ro", office)
    assert not permissions.may(anna, "note", office)
    assert permissions.may(marco, "rw", office) and not permissions.may(marco, "note", wlan)
    assert permissions.admin_areas(anna) == {"signatures"}
    client = Client()
    assert client.login(username="anna", password=credentials["anna"])
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/queues/signature/").status_code == 200
    assert client.get("/admin/queues/queue/").status_code == 403
    office_ticket = Ticket.objects.get(queue=office)
    page = client.get(f"/ticket/{office_ticket.number}/action/note/")
    assert page.status_code == 403  # anna reads the student office but may not write there


def test_demo_services_each_have_an_sla_and_a_ticket_shows_one(
    tmp_path: object, settings: object
) -> None:
    from sportello.sla.models import Service

    settings.SPORTELLO_HOME = tmp_path  # type: ignore[attr-defined]
    demo.create_demo_data()
    leaves = Service.objects.filter(children__isnull=True)
    assert leaves.count() == len(demo.SERVICES)
    assert all(service.sla is not None for service in leaves)
    wlan = Ticket.objects.select_related("service__sla").get(queue__full_name="IT::Network::WLAN")
    assert wlan.service is not None and wlan.service.full_name == "Network::WLAN"
    assert wlan.service.sla is not None and wlan.first_response_due is not None


def test_the_demo_history_spans_three_months_through_the_actions(
    transactional_db: None, settings: Any, tmp_path: object
) -> None:
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from sportello.tickets.models import Article, History, Ticket

    settings.SPORTELLO_HOME = tmp_path
    demo.create_demo_data()
    before = set(Ticket.objects.values_list("pk", flat=True))
    out = io.StringIO()
    call_command("demo", "--tickets", "60", "--seed", "7", stdout=out)
    assert out.getvalue().startswith("60 demo tickets created")
    generated = Ticket.objects.exclude(pk__in=before)
    assert generated.count() == 60
    now = timezone.now()
    oldest = generated.order_by("created").first()
    assert oldest is not None and now - oldest.created > timedelta(days=30)
    states = set(generated.values_list("state__name", flat=True))
    assert {"closed successful", "open"} <= states
    channels = set(Article.objects.filter(ticket__in=generated).values_list("channel", flat=True))
    assert {"email", "internal"} <= channels
    # Every change has its history row, written at the moment it happened.
    for ticket in generated[:20]:
        rows = list(History.objects.filter(ticket=ticket).order_by("pk"))
        assert rows and rows[0].created == ticket.created
        assert [r.created for r in rows] == sorted(r.created for r in rows)
        assert all(r.created <= now for r in rows)
