"""Dynamic fields: every type validated, stored typed (filterable), one history row per change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets import dynamic_fields as df
from sportello.tickets.models import DynamicField, DynamicFieldValue, History, Ticket
from sportello.tickets.selectors import state_by_name
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db

OPTIONS = [
    {"key": "wlan", "labels": {"en": "Wireless", "de": "Funknetz", "it": "Rete senza fili"}},
    {"key": "lan", "labels": {"en": "Cable", "de": "Kabel", "it": "Cavo"}},
]


def field(name: str, field_type: str, **extra: Any) -> DynamicField:
    labels = extra.pop("labels", {"en": name.title(), "de": f"{name} (de)", "it": f"{name} (it)"})
    return DynamicField.objects.create(
        name=name, object_type="ticket", field_type=field_type, labels=labels, **extra
    )


@pytest.fixture
def fields(db: None) -> dict[str, DynamicField]:
    return {
        "room": field("room", "text", regex=r"[A-Z]\d+"),
        "details": field("details", "textarea"),
        "devices": field("devices", "integer", min_value=0, max_value=100),
        "network": field("network", "dropdown", choices=OPTIONS),
        "networks": field("networks", "multiselect", choices=OPTIONS),
        "vip": field("vip", "checkbox"),
        "due": field("due", "date"),
        "seen": field("seen", "datetime"),
    }


def test_every_type_round_trips_with_history(
    queue: Queue, actor: Actor, fields: dict[str, DynamicField]
) -> None:
    ticket = make_ticket(queue, actor)
    seen_at = timezone.make_aware(datetime(2026, 11, 30, 14, 5))
    changed = actions.set_dynamic_fields(
        ticket,
        {
            fields["room"]: "A101",
            fields["details"]: "line 1\nline 2",
            fields["devices"]: "12",
            fields["network"]: "wlan",
            fields["networks"]: ["lan", "wlan"],
            fields["vip"]: "on",
            fields["due"]: "2026-12-24",
            fields["seen"]: seen_at,
        },
        actor=actor,
    )
    assert changed == 8
    values = df.current_values(ticket)
    assert values == {
        "room": "A101",
        "details": "line 1\nline 2",
        "devices": 12,
        "network": "wlan",
        "networks": ["lan", "wlan"],
        "vip": True,
        "due": date(2026, 12, 24),
        "seen": seen_at,
    }
    rows = History.objects.filter(ticket=ticket, type="DynamicFieldUpdate")
    assert rows.count() == 8
    assert rows.get(comment="networks").new_value == "lan,wlan"
    # Unchanged values write nothing; a change writes one row with old and new.
    assert actions.set_dynamic_fields(ticket, {fields["devices"]: 12}, actor=actor) == 0
    assert actions.set_dynamic_fields(ticket, {fields["devices"]: 13}, actor=actor) == 1
    last = History.objects.filter(ticket=ticket).order_by("-id").first()
    assert last is not None and (last.old_value, last.new_value) == ("12", "13")
    # Clearing removes the rows.
    actions.set_dynamic_fields(ticket, {fields["networks"]: []}, actor=actor)
    assert df.current_values(ticket)["networks"] is None


def test_values_are_filterable_with_plain_indexed_lookups(
    queue: Queue, actor: Actor, fields: dict[str, DynamicField]
) -> None:
    tickets = [make_ticket(queue, actor) for _ in range(3)]
    for count, ticket in zip((5, 50, 500 % 101), tickets, strict=True):
        actions.set_dynamic_fields(ticket, {fields["devices"]: count}, actor=actor)
    actions.set_dynamic_fields(tickets[1], {fields["networks"]: ["wlan"]}, actor=actor)
    many = Ticket.objects.filter(
        dynamic_values__field=fields["devices"], dynamic_values__value_int__gte=10
    )
    assert set(many) == {tickets[1], tickets[2]}
    wlan = Ticket.objects.filter(
        dynamic_values__field=fields["networks"], dynamic_values__value_key="wlan"
    )
    assert list(wlan) == [tickets[1]]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("room", "a-1", "invalid format"),
        ("devices", "many", "whole number"),
        ("devices", "101", "at most 100"),
        ("devices", "-1", "at least 0"),
        ("network", "dsl", "no option dsl"),
        ("networks", ["wlan", "x"], "no option x"),
        ("due", "24.12.", "must be a date"),
        ("seen", "yesterday", "date and time"),
    ],
)
def test_invalid_values_are_refused_clearly(
    queue: Queue,
    actor: Actor,
    fields: dict[str, DynamicField],
    name: str,
    value: Any,
    message: str,
) -> None:
    ticket = make_ticket(queue, actor)
    with pytest.raises(InvalidInput, match=message):
        actions.set_dynamic_fields(ticket, {fields[name]: value}, actor=actor)
    assert not DynamicFieldValue.objects.exists()
    assert not History.objects.filter(type="DynamicFieldUpdate").exists()


def test_required_and_object_type(queue: Queue, actor: Actor) -> None:
    required = field("must", "text", required=True)
    on_articles = DynamicField.objects.create(
        name="art", object_type="article", field_type="text", labels={"en": "A"}
    )
    ticket = make_ticket(queue, actor)
    with pytest.raises(InvalidInput, match="required"):
        actions.set_dynamic_fields(ticket, {required: " "}, actor=actor)
    with pytest.raises(InvalidInput, match="cannot be set here"):
        actions.set_dynamic_fields(ticket, {on_articles: "x"}, actor=actor)
    article = ticket.articles.get()
    actions.set_dynamic_fields(ticket, {on_articles: "on article"}, actor=actor, article=article)
    assert df.current_values(article) == {"art": "on article"}
    assert History.objects.get(type="DynamicFieldUpdate").article == article


def test_labels_and_options_are_translated(fields: dict[str, DynamicField]) -> None:
    network = fields["network"]
    for language, label, option in [
        ("de", "network (de)", "Funknetz"),
        ("it", "network (it)", "Rete senza fili"),
    ]:
        with translation.override(language):
            assert network.label == label and df.show(network, "wlan") == option
    with translation.override("en"):
        assert df.show(fields["networks"], ["lan", "wlan"]) == "Cable, Wireless"
        assert df.show(fields["vip"], True) == "yes"


def test_free_fields_with_a_direct_state_change(
    queue: Queue, actor: Actor, fields: dict[str, DynamicField]
) -> None:
    ticket = make_ticket(queue, actor)
    ticket = actions.set_free_fields(
        ticket, {fields["room"]: "B2"}, actor=actor, state=state_by_name("open")
    )
    assert ticket.state.name == "open"
    types = list(ticket.history.order_by("id").values_list("type", flat=True))
    assert types[-3:] == ["DynamicFieldUpdate", "Lock", "StateUpdate"]


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_is_stored_or_refused_never_crashes(text: str) -> None:
    room = DynamicField(name="t", object_type="ticket", field_type="text", labels={})
    try:
        value = df.clean_value(room, text)
    except InvalidInput:
        return
    if value is not None:
        [row] = df.rows_for(room, value)
        assert len(row.value_key) <= 200 and "\x00" not in row.value_text


def test_definitions_are_checked_in_the_admin(admin_client: Any) -> None:
    from django.core.exceptions import ValidationError

    bad = DynamicField(
        name="x",
        object_type="ticket",
        field_type="dropdown",
        labels={"en": 1},
        regex="(",
        default="z",
    )
    with pytest.raises(ValidationError) as refused:
        bad.full_clean()
    assert {"labels", "choices", "regex"} <= set(refused.value.message_dict)
    wrong_default = DynamicField(
        name="y", object_type="ticket", field_type="integer", labels={"en": "Y"}, default="abc"
    )
    with pytest.raises(ValidationError, match="whole number"):
        wrong_default.full_clean()
    response = admin_client.post(
        "/admin/tickets/dynamicfield/add/",
        {
            "name": "room", "object_type": "ticket", "field_type": "text",
            "labels": '{"en": "Room", "de": "Raum", "it": "Stanza"}', "choices": "[]",
            "default": "null", "regex": "", "order": "1", "valid": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    assert DynamicField.objects.get(name="room").labels["it"] == "Stanza"


def test_create_ticket_and_note_store_fields_in_their_transaction(
    queue: Queue, actor: Actor, fields: dict[str, DynamicField]
) -> None:
    minutes = DynamicField.objects.create(
        name="minutes", object_type="article", field_type="integer", labels={"en": "Minutes"}
    )
    with pytest.raises(InvalidInput):
        make_ticket(queue, actor, dynamic_fields={fields["room"]: "lowercase"})
    assert not Ticket.objects.exists()  # the invalid value rolled the ticket back
    ticket = make_ticket(queue, actor, dynamic_fields={fields["room"]: "B12", fields["vip"]: True})
    assert df.current_values(ticket)["room"] == "B12" and df.current_values(ticket)["vip"] is True
    types = list(ticket.history.order_by("id").values_list("type", "comment"))
    assert types[0][0] == "NewTicket"
    assert types[-2:] == [("DynamicFieldUpdate", "room"), ("DynamicFieldUpdate", "vip")]
    with pytest.raises(InvalidInput):  # an article field is not a ticket field
        make_ticket(queue, actor, dynamic_fields={minutes: 3})
    note = actions.note(
        ticket, actor=actor, body="Router getauscht", article_fields={minutes: "20"}
    )
    assert df.current_values(note) == {"minutes": 20}
    row = History.objects.filter(ticket=ticket).order_by("-id").first()
    assert row is not None and (row.type, row.article, row.new_value) == (
        "DynamicFieldUpdate", note, "20",
    )  # fmt: skip
