"""Dynamic fields, services and SLAs as search attributes: by type in ``search_tickets``,
on the search page, in saved templates, in the exports and in the full-text index."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.search.index import index_tickets
from sportello.search.models import SearchTemplate
from sportello.search.services import Criteria, search_tickets
from sportello.sla.models import SLA, Service
from sportello.tickets import actions
from sportello.tickets.dynamic_fields import FieldFilter, Match, current_values
from sportello.tickets.models import DynamicField, Ticket
from tests.search.board import Board

pytestmark = pytest.mark.django_db

OPTIONS = [
    {"key": "eduroam", "labels": {"en": "Eduroam", "de": "Eduroam (de)"}},
    {"key": "guest", "labels": {"en": "Guest network"}},
    {"key": "vpn", "labels": {"en": "VPN"}},
]


def define(name: str, field_type: str, **extra: Any) -> DynamicField:
    return DynamicField.objects.create(
        name=name,
        object_type="ticket",
        field_type=field_type,
        labels={"en": name.title(), "de": f"{name.title()} (de)"},
        **extra,
    )


@pytest.fixture
def fields(db: None) -> dict[str, DynamicField]:
    return {
        "room": define("room", "text"),
        "details": define("details", "textarea"),
        "devices": define("devices", "integer"),
        "network": define("network", "dropdown", choices=OPTIONS),
        "networks": define("networks", "multiselect", choices=OPTIONS),
        "vip": define("vip", "checkbox"),
        "due": define("due", "date"),
        "visit": define("visit", "datetime"),
    }


@pytest.fixture
def valued(board: Board, fields: dict[str, DynamicField], actor: Actor) -> Board:
    """Alpha, Beta and Gamma hold values (Delta none); Beta has a service and an SLA."""
    f = fields
    zone = timezone.get_current_timezone()
    values = {
        board.alpha: {
            f["room"]: "B 12",
            f["details"]: "The projector flickers after ten minutes",
            f["devices"]: 3,
            f["network"]: "eduroam",
            f["networks"]: ["eduroam", "vpn"],
            f["vip"]: True,
            f["due"]: date(2026, 3, 1),
            f["visit"]: datetime(2026, 3, 1, 23, 30, tzinfo=zone),
        },
        board.beta: {
            f["room"]: "B 120",
            f["devices"]: 12,
            f["network"]: "guest",
            f["networks"]: ["guest"],
            f["vip"]: False,
            f["due"]: date(2026, 3, 15),
            f["visit"]: datetime(2026, 3, 2, 0, 30, tzinfo=zone),
        },
        board.gamma: {f["devices"]: -1, f["networks"]: ["vpn"]},
    }
    for ticket, ticket_values in values.items():
        actions.set_dynamic_fields(ticket, ticket_values, actor=actor)
    sla = SLA.objects.create(name="Gold")
    service = Service.objects.create(name="Printing", sla=sla)
    Ticket.objects.filter(pk=board.beta.pk).update(service=service, sla=sla)
    return board


def titles(agent: User, criteria: Criteria) -> list[str]:
    return sorted(t.title.split()[0] for t in search_tickets(agent, criteria))


def test_every_field_type_narrows_the_search(
    valued: Board, fields: dict[str, DynamicField], agent: User
) -> None:
    f = fields
    cases: list[tuple[FieldFilter, list[str]]] = [
        (FieldFilter(f["room"], text="b 12"), ["Alpha"]),  # equals, any case
        (FieldFilter(f["room"], text=" B   12 "), ["Alpha"]),  # spaces as stored
        (FieldFilter(f["room"], text="B 12", match=Match.CONTAINS), ["Alpha", "Beta"]),
        (FieldFilter(f["details"], text="PROJECTOR", match=Match.CONTAINS), ["Alpha"]),
        (FieldFilter(f["details"], text="projector"), []),
        (FieldFilter(f["network"], keys=("guest",)), ["Beta"]),
        (FieldFilter(f["network"], keys=("guest", "eduroam")), ["Alpha", "Beta"]),
        (FieldFilter(f["networks"], keys=("vpn",)), ["Alpha", "Gamma"]),
        (FieldFilter(f["networks"], keys=("eduroam", "guest")), ["Alpha", "Beta"]),
        (FieldFilter(f["vip"], keys=("1",)), ["Alpha"]),
        # Not ticked: unticked and never set alike.
        (FieldFilter(f["vip"], keys=("0",)), ["Beta", "Delta", "Gamma"]),
        (FieldFilter(f["devices"], low=3), ["Alpha", "Beta"]),
        (FieldFilter(f["devices"], high=3), ["Alpha", "Gamma"]),
        (FieldFilter(f["devices"], low=0, high=10), ["Alpha"]),
        (FieldFilter(f["due"], low=date(2026, 3, 2)), ["Beta"]),
        (FieldFilter(f["due"], low=date(2026, 3, 1), high=date(2026, 3, 1)), ["Alpha"]),
        # Datetimes by whole days in the current time zone, "to" inclusive.
        (FieldFilter(f["visit"], low=date(2026, 3, 1), high=date(2026, 3, 1)), ["Alpha"]),
        (FieldFilter(f["visit"], low=date(2026, 3, 2)), ["Beta"]),
        (FieldFilter(f["visit"], high=date(2026, 3, 2)), ["Alpha", "Beta"]),
        (FieldFilter(f["room"]), ["Alpha", "Beta", "Delta", "Gamma"]),  # empty: no filter
    ]
    for condition, expected in cases:
        assert titles(agent, Criteria(dynamic_fields=[condition])) == expected, condition
    both = [
        FieldFilter(f["room"], text="B", match=Match.CONTAINS),
        FieldFilter(f["vip"], keys=("1",)),
    ]
    assert titles(agent, Criteria(dynamic_fields=both)) == ["Alpha"]


def test_service_and_sla(valued: Board, agent: User) -> None:
    service, sla = Service.objects.get(name="Printing"), SLA.objects.get(name="Gold")
    assert titles(agent, Criteria(services=[service.pk])) == ["Beta"]
    assert titles(agent, Criteria(slas=[sla.pk])) == ["Beta"]
    assert titles(agent, Criteria(slas=[sla.pk + 1000])) == []


def test_the_permission_module_still_has_the_last_word(
    valued: Board, fields: dict[str, DynamicField]
) -> None:
    # An agent without grants reads no queue: a matching value shows nothing.
    outsider = User.objects.create_user(username="outsider", password="x")
    condition = FieldFilter(fields["network"], keys=("guest", "eduroam"))
    assert titles(outsider, Criteria(dynamic_fields=[condition])) == []


def page(client: Client, query: str) -> str:
    response = client.get("/search/?" + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_offers_every_field_and_runs_it(
    client: Client, agent: User, valued: Board, fields: dict[str, DynamicField]
) -> None:
    client.force_login(agent)
    content = page(client, "")
    for name in ("df_room", "df_devices", "df_networks", "df_visit", "services", "slas"):
        assert f'<option value="{name}">' in content
    # "Add attribute" shows the field's inputs, by type.
    content = page(client, "attrs=fulltext&add=df_room")
    assert 'name="df_room_match"' in content and 'name="df_room"' in content
    content = page(client, "attrs=df_devices&add=df_due")
    assert 'name="df_devices_from"' in content and 'name="df_due_to"' in content
    content = page(client, "attrs=df_room&remove=df_room&df_room=B&df_room_match=contains")
    assert 'name="df_room"' not in content
    found = page(client, "run=1&attrs=df_room&df_room_match=contains&df_room=b 1")
    assert valued.alpha.number in found and valued.beta.number in found
    assert valued.gamma.number not in found
    found = page(client, "run=1&attrs=df_networks&df_networks=vpn&attrs=df_vip&df_vip=1")
    assert valued.alpha.number in found and valued.gamma.number not in found
    service = Service.objects.get(name="Printing")
    found = page(client, f"run=1&attrs=services&services={service.pk}")
    assert valued.beta.number in found and valued.alpha.number not in found


def test_bad_input_is_shown_at_the_field(
    client: Client, agent: User, valued: Board, fields: dict[str, DynamicField]
) -> None:
    client.force_login(agent)
    content = page(client, "run=1&attrs=df_devices&df_devices_from=many")
    assert "Correct the search options." in content and "Enter a whole number." in content
    content = page(client, "run=1&attrs=df_devices&df_devices_from=5&df_devices_to=1")
    assert "The end lies before the start." in content
    content = page(client, "run=1&attrs=df_network&df_network=nowhere")
    assert "Correct the search options." in content and "nowhere" in content
    content = page(client, "run=1&attrs=df_due&df_due_from=2026-13-01")
    assert "Correct the search options." in content


def test_a_saved_template_keeps_the_field_criteria(
    client: Client, agent: User, valued: Board, fields: dict[str, DynamicField]
) -> None:
    client.force_login(agent)
    query = "attrs=df_devices&df_devices_from=10&attrs=df_network&df_network=guest"
    client.post("/search/templates/save/", {"name": "Many devices", "query": query})
    template = SearchTemplate.objects.get(agent=agent, name="Many devices")
    assert template.options["df_devices_from"] == ["10"]
    content = page(client, f"template={template.pk}")
    assert valued.beta.number in content and valued.alpha.number not in content
    assert 'name="df_devices_from"' in content and 'value="10"' in content


def test_exports_have_service_sla_and_field_columns(
    client: Client, agent: User, valued: Board, fields: dict[str, DynamicField]
) -> None:
    client.force_login(agent)
    params = {"attrs": ["df_networks"], "df_networks": ["eduroam", "guest"]}
    response = client.get("/search/export.csv", params)
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    # Service and SLA, then the fields in their order (here: all 100, so by name).
    assert head[15:18] == ["Service", "SLA", "Accounted time (minutes)"]
    assert head[18:] == ["Details", "Devices", "Due", "Network", "Networks", "Room", "Vip", "Visit"]
    assert sorted(r[0] for r in rows[1:]) == sorted([valued.alpha.number, valued.beta.number])
    beta = dict(zip(head, next(r for r in rows if r[0] == valued.beta.number), strict=True))
    assert beta["Service"] == "Printing" and beta["SLA"] == "Gold"
    assert beta["Accounted time (minutes)"] == "0"
    assert beta["Room"] == "B 120" and beta["Devices"] == "12" and beta["Vip"] == "no"
    assert beta["Networks"] == "Guest network" and beta["Details"] == ""
    alpha = dict(zip(head, next(r for r in rows if r[0] == valued.alpha.number), strict=True))
    assert alpha["Networks"] == "Eduroam, VPN" and alpha["Vip"] == "yes"
    response = client.get("/search/export.xlsx", params)
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    assert sheet is not None
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == head
    xlsx_beta = dict(zip(head, next(r for r in table if r[0] == valued.beta.number), strict=True))
    assert xlsx_beta["Room"] == "B 120" and xlsx_beta["Service"] == "Printing"


def test_text_fields_are_in_the_full_text_index(
    valued: Board,
    fields: dict[str, DynamicField],
    agent: User,
    actor: Actor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    index_tickets([t.pk for t in valued.all()])
    assert titles(agent, Criteria(fulltext="flickers")) == ["Alpha"]
    assert titles(agent, Criteria(fulltext="eduroam")) == []  # keys are not text
    # A changed value queues its ticket; draining the queue indexes it.
    from sportello.search import pending

    with django_capture_on_commit_callbacks(execute=True):
        actions.set_dynamic_fields(
            valued.delta, {fields["details"]: "Beamer im Hörsaal"}, actor=actor
        )
    pending.drain()
    assert titles(agent, Criteria(fulltext="horsaal")) == ["Delta"]
    # Article fields are part of their ticket's text too.
    remark = DynamicField.objects.create(
        name="remark", object_type="article", field_type="text", labels={"en": "Remark"}
    )
    article = valued.gamma.articles.first()
    assert article is not None
    actions.set_dynamic_fields(valued.gamma, {remark: "Quokka"}, actor=actor, article=article)
    pending.drain()
    assert titles(agent, Criteria(fulltext="quokka")) == ["Gamma"]


def test_the_demo_searches_by_its_room_field(tmp_path: object, settings: Any) -> None:
    from sportello.web import demo

    settings.SPORTELLO_HOME = tmp_path
    demo.create_demo_data()
    anna = User.objects.get(username="anna")
    template = SearchTemplate.objects.get(agent=anna, name="Building H")
    room = DynamicField.objects.get(name="room")
    found = search_tickets(
        anna, Criteria(dynamic_fields=[FieldFilter(room, text="H", match=Match.CONTAINS)])
    )
    rooms = {t.pk: current_values(t)["room"] for t in found}
    assert rooms and all("H" in value for value in rooms.values())
    client = Client()
    client.force_login(anna)
    content = client.get(f"/search/?template={template.pk}").content.decode()
    for ticket in found:
        assert ticket.number in content
