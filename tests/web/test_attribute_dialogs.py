"""The dialogs changing type, title, service and SLA, and their bulk actions: rw gets
in, ro is refused (403), an agent without a grant does not see the ticket (404); each
change leaves its history row, with the optional note."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue
from sportello.sla.models import SLA, Service
from sportello.tickets.models import History, Ticket, TicketType
from tests.tickets.factories import make_ticket
from tests.web.test_queue_view import bulk

pytestmark = pytest.mark.django_db

NAMES = ("type", "title", "service", "sla")


@pytest.fixture
def catalogue(db: None) -> dict[str, Any]:
    gold = SLA.objects.create(name="Gold", first_response_minutes=60)
    silver = SLA.objects.create(name="Silver", first_response_minutes=120)
    bronze = SLA.objects.create(name="Bronze", first_response_minutes=480)
    wlan = Service.objects.create(name="WLAN", sla=gold)
    wlan.slas.add(silver)
    mail = Service.objects.create(name="Mail", sla=bronze)
    return {"gold": gold, "silver": silver, "bronze": bronze, "wlan": wlan, "mail": mail}


@pytest.fixture
def ticket(queue: Queue, actor: Actor) -> Ticket:
    return make_ticket(queue, actor)


def login(client: Client, username: str, queue: Queue, *grants: str) -> Client:
    user = User.objects.create_user(username, email=f"{username}@example.org", password="x" * 12)
    for permission in grants:
        provisioning.grant(queue.group, permission, agent=user)
    client.force_login(user)
    return client


def version(ticket: Ticket) -> str:
    return Ticket.objects.get(pk=ticket.pk).changed.isoformat()


def submit(client: Client, ticket: Ticket, name: str, **data: Any) -> Any:
    return client.post(
        f"/ticket/{ticket.number}/action/{name}/", {"changed": version(ticket), **data}
    )


def values(catalogue: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        "type": {"ticket_type": TicketType.objects.get(name="Incident").pk},
        "title": {"title": "Drucker {{ name }} im Raum %s"},
        "service": {"service": catalogue["wlan"].pk},
        "sla": {"sla": catalogue["gold"].pk},
    }


def history(ticket: Ticket, *types: str) -> list[tuple[str, str, str]]:
    rows = History.objects.filter(ticket=ticket, type__in=types).order_by("id")
    return [(r.type, r.old_value, r.new_value) for r in rows]


@pytest.mark.parametrize("name", NAMES)
def test_rw_opens_and_submits_each_dialog_with_a_note(
    client: Client, queue: Queue, ticket: Ticket, catalogue: dict[str, Any], name: str
) -> None:
    login(client, "rw-agent", queue, "rw")
    page = client.get(f"/ticket/{ticket.number}/action/{name}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="changed"' in content and 'name="body"' in content
    response = submit(client, ticket, name, body="Laut Anruf.", **values(catalogue)[name])
    assert response.status_code == 302, response.content.decode()[:2000]
    expected = {
        "type": ("TypeUpdate", "Unclassified", "Incident"),
        "title": ("TitleUpdate", "WLAN kaputt", "Drucker {{ name }} im Raum %s"),
        "service": ("ServiceUpdate", "", "WLAN"),
        "sla": ("SLAUpdate", "", "Gold"),
    }[name]
    assert history(ticket, expected[0]) == [expected]
    note = ticket.articles.order_by("-number").first()
    assert note is not None and note.body == "Laut Anruf." and not note.visible_for_customer
    # Opened again: the dialog shows the value it has now.
    again = client.get(f"/ticket/{ticket.number}/action/{name}/").content.decode()
    shown = {
        "type": "selected>Incident<",
        "title": 'value="Drucker {{ name }} im Raum %s"',
        "service": "selected>WLAN<",
        "sla": "selected>Gold<",
    }[name]
    assert shown in again
    # Submitting the same value changes nothing.
    data = values(catalogue)[name]
    assert submit(client, ticket, name, **data).status_code == 302
    assert len(history(ticket, expected[0])) == 1


@pytest.mark.parametrize("name", NAMES)
def test_ro_is_refused_and_no_grant_sees_no_ticket(
    client: Client, queue: Queue, ticket: Ticket, catalogue: dict[str, Any], name: str
) -> None:
    reader = login(client, "reader", queue, "ro", "note", "priority")
    url = f"/ticket/{ticket.number}/action/{name}/"
    assert reader.get(url).status_code == 403
    assert submit(reader, ticket, name, **values(catalogue)[name]).status_code == 403
    stranger = login(Client(), "stranger", queue)
    assert stranger.get(url).status_code == 404
    assert submit(stranger, ticket, name, **values(catalogue)[name]).status_code == 404
    fresh = Ticket.objects.select_related("type").get(pk=ticket.pk)
    assert (fresh.type.name, fresh.title, fresh.service_id, fresh.sla_id) == (
        "Unclassified", "WLAN kaputt", None, None,
    )  # fmt: skip


def test_the_menu_offers_the_dialogs_only_with_rw(
    client: Client, queue: Queue, ticket: Ticket
) -> None:
    links = [f'/ticket/{ticket.number}/action/{name}/"' for name in NAMES]
    page = login(client, "rw-agent", queue, "rw").get(f"/ticket/{ticket.number}/")
    assert all(link in page.content.decode() for link in links)
    page = login(Client(), "reader", queue, "ro").get(f"/ticket/{ticket.number}/")
    assert page.status_code == 200
    assert not any(link in page.content.decode() for link in links)


def test_the_sla_dialog_offers_what_the_service_offers(
    client: Client, queue: Queue, ticket: Ticket, actor: Actor, catalogue: dict[str, Any]
) -> None:
    from sportello.tickets import actions

    login(client, "rw-agent", queue, "rw")
    actions.set_service(ticket, catalogue["wlan"], actor=actor)
    content = client.get(f"/ticket/{ticket.number}/action/sla/").content.decode()
    assert ">Gold<" in content and ">Silver<" in content and ">Bronze<" not in content
    refused = submit(client, ticket, "sla", sla=catalogue["bronze"].pk)
    assert refused.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).sla_id is None
    assert submit(client, ticket, "sla", sla=catalogue["silver"].pk).status_code == 302
    # A service that does not offer Silver removes it again.
    assert submit(client, ticket, "service", service=catalogue["mail"].pk).status_code == 302
    assert history(ticket, "SLAUpdate") == [
        ("SLAUpdate", "", "Silver"),
        ("SLAUpdate", "Silver", ""),
    ]


def test_bad_input_and_a_stale_form_get_clear_answers(
    client: Client, queue: Queue, ticket: Ticket, actor: Actor
) -> None:
    from sportello.tickets import actions

    login(client, "rw-agent", queue, "rw")
    long = submit(client, ticket, "title", title="x" * 256)
    assert long.status_code == 400
    empty = submit(client, ticket, "title", title="   ")
    assert empty.status_code == 400
    stale = Ticket.objects.get(pk=ticket.pk).changed.isoformat()
    actions.set_title(ticket, "Inzwischen geändert", actor=actor)
    conflict = client.post(
        f"/ticket/{ticket.number}/action/title/", {"changed": stale, "title": "Meins"}
    )
    assert conflict.status_code == 409
    assert Ticket.objects.get(pk=ticket.pk).title == "Inzwischen geändert"


def test_bulk_type_service_and_sla_with_refusals_per_ticket(
    client: Client, queue: Queue, actor: Actor, catalogue: dict[str, Any]
) -> None:
    readonly = ensure_queue("Library", group=provisioning.add_group("library")[0])
    mine = [make_ticket(queue, actor), make_ticket(queue, actor)]
    theirs = make_ticket(readonly, Actor.system("mail"))
    agent = login(client, "bulk-agent", queue, "rw")
    provisioning.grant(readonly.group, "ro", agent=User.objects.get(username="bulk-agent"))
    everything = [*mine, theirs]
    incident = TicketType.objects.get(name="Incident")
    content = bulk(agent, everything, action="type", ticket_type=incident.pk)
    assert "Done for 2 tickets." in content and theirs.number in content
    content = bulk(agent, everything, action="service", service=catalogue["wlan"].pk)
    assert "Done for 2 tickets." in content
    # One of mine moves to a service that does not offer Silver: refused for it alone.
    from sportello.tickets import actions

    actions.set_service(mine[1], catalogue["mail"], actor=actor)
    content = bulk(agent, everything, action="sla", sla=catalogue["silver"].pk)
    assert "Done for 1 tickets." in content
    assert "SLA Silver is not offered for service Mail" in content
    for ticket, expected in ((mine[0], "Silver"), (mine[1], None), (theirs, None)):
        fresh = Ticket.objects.select_related("type", "sla").get(pk=ticket.pk)
        assert (fresh.sla.name if fresh.sla else None) == expected
        assert fresh.type.name == ("Unclassified" if ticket is theirs else "Incident")
    assert history(mine[0], "TypeUpdate", "ServiceUpdate", "SLAUpdate") == [
        ("TypeUpdate", "Unclassified", "Incident"),
        ("ServiceUpdate", "", "WLAN"),
        ("SLAUpdate", "", "Silver"),
    ]
    missing = bulk(agent, mine, action="sla")
    assert "This bulk action needs a value for sla." in missing


def test_bulk_from_the_search_results_comes_back_to_them(
    client: Client, queue: Queue, actor: Actor, catalogue: dict[str, Any]
) -> None:
    ticket = make_ticket(queue, actor)
    agent = login(client, "searcher", queue, "rw")
    search = f"/search/?attrs=number&number={ticket.number}&run=1"
    page = agent.get(search).content.decode()
    assert f'name="ticket" value="{ticket.pk}"' in page
    assert 'action="/tickets/bulk/"' in page and 'name="service"' in page
    response = agent.post(
        "/tickets/bulk/",
        {
            "ticket": [ticket.pk],
            "action": "service",
            "service": catalogue["mail"].pk,
            "next": search,
        },
    )
    assert response.status_code == 302 and response["Location"] == search
    assert history(ticket, "ServiceUpdate") == [("ServiceUpdate", "", "Mail")]
