"""Type, title, service and SLA after creation: the rules of the actions (which SLA a
service offers, titles kept as typed), the compound change with its note, history rows
and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput, PermissionDenied
from sportello.queues.models import Queue
from sportello.sla import selectors as sla_selectors
from sportello.sla.models import SLA, Service
from sportello.tickets import actions, events
from sportello.tickets.models import History, Ticket
from sportello.tickets.selectors import ticket_type_by_name
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(db: None) -> dict[str, Any]:
    """WLAN offers Gold (its own) and Silver; Mail offers Bronze; Platinum is offered by
    none; Old is not valid."""
    gold, silver, bronze, platinum = (
        SLA.objects.create(name=n, first_response_minutes=60)
        for n in ("Gold", "Silver", "Bronze", "Platinum")
    )
    old = SLA.objects.create(name="Old", valid=False)
    network = Service.objects.create(name="Network")
    wlan = Service.objects.create(name="WLAN", parent=network, sla=gold)
    wlan.slas.add(silver, old)
    mail = Service.objects.create(name="Mail", sla=bronze)
    retired = Service.objects.create(name="Retired", valid=False)
    return {
        "gold": gold, "silver": silver, "bronze": bronze, "platinum": platinum, "old": old,
        "wlan": wlan, "mail": mail, "retired": retired,
    }  # fmt: skip


def rows(ticket: Ticket, *types: str) -> list[tuple[str, str, str]]:
    found = History.objects.filter(ticket=ticket, type__in=types).order_by("id")
    return [(r.type, r.old_value, r.new_value) for r in found]


def current(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("type", "service", "sla").get(pk=ticket.pk)


def test_a_service_offers_its_own_sla_and_the_assigned_valid_ones(
    catalogue: dict[str, Any],
) -> None:
    offered = [s.name for s in sla_selectors.slas_for(catalogue["wlan"])]
    assert offered == ["Gold", "Silver"]
    assert [s.name for s in sla_selectors.slas_for(catalogue["mail"])] == ["Bronze"]
    # Without a service any valid SLA may be chosen.
    assert [s.name for s in sla_selectors.slas_for(None)] == [
        "Bronze", "Gold", "Platinum", "Silver",
    ]  # fmt: skip


# What an agent types is kept byte for byte, template syntax included.
TITLE = "WLAN im Hörsaal H4: {{ ansible_host }} {% raw %} %s ${VAR}"


def test_change_attributes_writes_one_row_per_change_and_the_note_first(
    queue: Queue,
    actor: Actor,
    catalogue: dict[str, Any],
    published: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(queue, actor)
    first_id = History.objects.filter(ticket=ticket).order_by("-id").first().pk  # type: ignore[union-attr]
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.change_attributes(
            ticket,
            actor=actor,
            ticket_type=ticket_type_by_name("Incident"),
            title=TITLE,
            service=catalogue["wlan"],
            sla=catalogue["silver"],
            note_body="Kunde hat angerufen.",
        )
    new_rows = History.objects.filter(ticket=ticket, pk__gt=first_id).order_by("id")
    assert [(r.type, r.old_value, r.new_value, r.actor_name) for r in new_rows] == [
        ("AddNote", "", "Note", "agent1"),
        ("TypeUpdate", "Unclassified", "Incident", "agent1"),
        ("TitleUpdate", "WLAN kaputt", TITLE, "agent1"),
        ("ServiceUpdate", "", "Network::WLAN", "agent1"),
        ("SLAUpdate", "", "Silver", "agent1"),
    ]  # fmt: skip
    fresh = current(ticket)
    assert fresh.title == TITLE
    assert (fresh.type.name, fresh.service, fresh.sla) == (
        "Incident", catalogue["wlan"], catalogue["silver"],
    )  # fmt: skip
    note = fresh.articles.order_by("-number").first()
    assert note is not None and note.body == "Kunde hat angerufen."
    assert not note.visible_for_customer
    kinds = [type(e) for e in published]
    for kind in (
        events.TicketTypeChanged,
        events.TicketTitleChanged,
        events.TicketServiceChanged,
        events.TicketSLAChanged,
    ):
        assert kinds.count(kind) == 1


def test_setting_the_same_values_again_changes_nothing(
    queue: Queue, actor: Actor, catalogue: dict[str, Any]
) -> None:
    ticket = make_ticket(queue, actor)
    values = {
        "ticket_type": ticket_type_by_name("Incident"),
        "title": "Neu",
        "service": catalogue["mail"],
        "sla": catalogue["bronze"],
    }
    actions.change_attributes(ticket, actor=actor, **values)
    count = History.objects.filter(ticket=ticket).count()
    changed = current(ticket).changed
    actions.change_attributes(ticket, actor=actor, **values)
    assert History.objects.filter(ticket=ticket).count() == count
    assert current(ticket).changed == changed


def test_an_sla_the_service_does_not_offer_is_refused_and_nothing_changes(
    queue: Queue, actor: Actor, catalogue: dict[str, Any]
) -> None:
    ticket = make_ticket(queue, actor)
    actions.set_service(ticket, catalogue["mail"], actor=actor)
    count = History.objects.filter(ticket=ticket).count()
    with pytest.raises(InvalidInput, match="SLA Gold is not offered for service Mail"):
        actions.set_sla(ticket, catalogue["gold"], actor=actor)
    # The compound change is all or nothing: the type and the note are not kept either.
    with pytest.raises(InvalidInput, match="not offered"):
        actions.change_attributes(
            ticket,
            actor=actor,
            ticket_type=ticket_type_by_name("Incident"),
            sla=catalogue["platinum"],
            note_body="x",
        )
    with pytest.raises(InvalidInput, match="not valid"):
        actions.set_sla(ticket, catalogue["old"], actor=actor)
    with pytest.raises(InvalidInput, match="not valid"):
        actions.set_service(ticket, catalogue["retired"], actor=actor)
    assert History.objects.filter(ticket=ticket).count() == count
    assert current(ticket).type.name == "Unclassified"


def test_a_new_service_removes_an_sla_it_does_not_offer(
    queue: Queue, actor: Actor, catalogue: dict[str, Any]
) -> None:
    ticket = make_ticket(queue, actor)
    actions.change_attributes(
        ticket, actor=actor, service=catalogue["wlan"], sla=catalogue["silver"]
    )
    actions.set_service(ticket, catalogue["mail"], actor=actor)
    assert current(ticket).sla is None
    assert rows(ticket, "ServiceUpdate", "SLAUpdate")[-2:] == [
        ("ServiceUpdate", "Network::WLAN", "Mail"),
        ("SLAUpdate", "Silver", ""),
    ]
    # An SLA any ticket may have (no service) stays when the service is removed.
    actions.set_service(ticket, None, actor=actor)
    actions.set_sla(ticket, catalogue["platinum"], actor=actor)
    actions.set_service(ticket, catalogue["wlan"], actor=actor)
    assert current(ticket).sla is None
    actions.set_sla(ticket, catalogue["gold"], actor=actor)
    actions.set_service(ticket, None, actor=actor)
    assert current(ticket).sla == catalogue["gold"]


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("   ", "must not be empty"),
        ("eins\nzwei", "single line"),
        ("x" * 256, "longer than 255"),
    ],
)
def test_a_title_is_kept_as_typed_or_refused(
    queue: Queue, actor: Actor, title: str, message: str
) -> None:
    ticket = make_ticket(queue, actor)
    with pytest.raises(InvalidInput, match=message):
        actions.set_title(ticket, title, actor=actor)
    assert current(ticket).title == "WLAN kaputt"
    actions.set_title(ticket, "  " + "y" * 255 + " ", actor=actor)
    assert current(ticket).title == "y" * 255


def test_change_attributes_needs_rw(queue: Queue, actor: Actor, catalogue: dict[str, Any]) -> None:
    ticket = make_ticket(queue, actor)
    reader = User.objects.create_user("reader", email="r@example.org", password="x" * 12)
    provisioning.grant(queue.group, "ro", agent=reader)
    provisioning.grant(queue.group, "note", agent=reader)
    provisioning.grant(queue.group, "priority", agent=reader)
    for values in (
        {"title": "Neu"},
        {"ticket_type": ticket_type_by_name("Incident")},
        {"service": catalogue["mail"]},
        {"sla": catalogue["platinum"]},
        {"note_body": "nur eine Notiz"},
    ):
        with pytest.raises(PermissionDenied):
            actions.change_attributes(ticket, actor=Actor(user=reader), **values)
    assert current(ticket).title == "WLAN kaputt"
    assert not History.objects.filter(ticket=ticket, actor=reader).exists()
