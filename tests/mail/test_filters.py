"""Postmaster filters and trusted headers set what OTRS's do, on new tickets and, where
chosen, on follow-ups: real messages (RFC 5322 bytes) through ``ingest_message``."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from sportello.accounts.models import Group, User
from sportello.mail.filters import validate_filter
from sportello.mail.ingest import ingest_message
from sportello.mail.models import PostmasterFilter
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.sla.models import SLA, Service
from sportello.tickets.dynamic_fields import current_values
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import DynamicField, History, Lock, Ticket
from tests.mail.messages import mail

pytestmark = pytest.mark.django_db

OPTIONS = [{"key": "eduroam", "labels": {"en": "Eduroam"}}, {"key": "vpn", "labels": {"en": "VPN"}}]


@pytest.fixture
def wlan(group: Group) -> Queue:
    queue = ensure_queue("IT::Network::WLAN", group=group)
    SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=queue)
    return queue


@pytest.fixture
def fields(db: None) -> dict[str, DynamicField]:
    def define(name: str, kind: str, **extra: object) -> DynamicField:
        return DynamicField.objects.create(
            name=name, object_type="ticket", field_type=kind, labels={"en": name}, **extra
        )

    return {
        "room": define("room", "text", regex=r"[A-Z]\d+"),
        "networks": define("networks", "multiselect", choices=OPTIONS),
        "seen": define("seen", "date"),
    }


@pytest.fixture
def levels(db: None) -> tuple[Service, SLA]:
    gold = SLA.objects.create(name="Gold", first_response_minutes=60)
    return Service.objects.create(name="Wifi", sla=gold), gold


def ticket_of(raw: bytes, **kwargs: object) -> Ticket:
    result = ingest_message(raw, **kwargs)  # type: ignore[arg-type]
    assert result.result in ("new", "followup"), result
    return Ticket.objects.get(number=result.ticket)


def follow_up(ticket: Ticket, **kwargs: object) -> bytes:
    subject = f"Re: [Ticket#{ticket.number}] {ticket.title}"
    return mail(subject=subject, body="Noch eine Frage.", **kwargs)  # type: ignore[arg-type]


def types(ticket: Ticket) -> list[str]:
    return list(History.objects.filter(ticket=ticket).order_by("id").values_list("type", flat=True))


def test_a_filter_sets_owner_responsible_service_sla_and_fields(
    wlan: Queue,
    agent: User,
    other_agent: User,
    fields: dict[str, DynamicField],
    levels: tuple[Service, SLA],
) -> None:
    PostmasterFilter.objects.create(
        name="eduroam",
        matches=[{"header": "Subject", "pattern": "eduroam"}],
        sets={
            "owner": agent.username,
            "responsible": other_agent.username,
            "service": "Wifi",
            "sla": "Gold",
            "title": "Eduroam: Verbindung",
            "dynamic_fields": {"room": "H4", "networks": ["eduroam", "vpn"], "seen": "2026-11-30"},
        },
    )
    ticket = ticket_of(mail(subject="eduroam geht nicht"))
    assert ticket.title == "Eduroam: Verbindung"
    assert (ticket.owner, ticket.responsible, ticket.lock) == (agent, other_agent, Lock.UNLOCK)
    assert (ticket.service, ticket.sla) == levels
    # The SLA took effect at once: a first response is due.
    assert ticket.first_response_due is not None
    assert current_values(ticket) == {
        "room": "H4",
        "networks": ["eduroam", "vpn"],
        "seen": date(2026, 11, 30),
    }
    history = types(ticket)
    for kind in (
        HistoryType.OWNER_UPDATE,
        HistoryType.RESPONSIBLE_UPDATE,
        HistoryType.SERVICE_UPDATE,
        HistoryType.SLA_UPDATE,
    ):
        assert history.count(kind) == 1, kind
    assert history.count(HistoryType.DYNAMIC_FIELD_UPDATE) == 3
    # A mail the filter does not match gets none of it.
    other = ticket_of(mail(subject="Drucker"))
    assert other.service is None and current_values(other)["room"] is None


def test_follow_up_changes_apply_only_to_follow_ups(
    wlan: Queue, agent: User, fields: dict[str, DynamicField], group: Group
) -> None:
    ensure_queue("IT::Second", group=group)
    PostmasterFilter.objects.create(
        name="urgent",
        matches=[{"header": "X-Priority", "pattern": "^1"}],
        sets={
            "priority": "4 high",
            "follow_up": {
                "priority": "5 very high",
                "queue": "IT::Second",
                "state": "open",
                "owner": agent.username,
                "dynamic_fields": {"room": "K2"},
            },
        },
    )
    urgent = {"X-Priority": "1 (Highest)"}
    ticket = ticket_of(mail(headers=urgent))
    assert ticket.priority.name == "4 high" and ticket.queue == wlan
    assert ticket.state.name == "new" and current_values(ticket)["room"] is None
    # A follow-up without the header: the ticket stays as it is.
    plain = ticket_of(follow_up(ticket))
    assert plain.pk == ticket.pk and plain.priority.name == "4 high"
    again = ticket_of(follow_up(ticket, headers=urgent))
    assert again.pk == ticket.pk
    assert again.priority.name == "5 very high" and again.queue.full_name == "IT::Second"
    assert again.state.name == "open" and again.owner == agent and again.lock == Lock.UNLOCK
    assert current_values(again)["room"] == "K2"
    assert again.articles.count() == 3


def test_trusted_headers_new_and_follow_up(
    wlan: Queue, agent: User, fields: dict[str, DynamicField], levels: tuple[Service, SLA]
) -> None:
    headers = {
        "X-Sportello-Owner": agent.username,
        "X-Sportello-Service": "Wifi",
        "X-Sportello-DynamicField-room": "B7",
        "X-Sportello-DynamicField-networks": "eduroam, vpn",
        "X-Sportello-FollowUp-State": "closed successful",
        "X-Sportello-FollowUp-DynamicField-room": "C9",
    }
    untrusted = ticket_of(mail(headers=headers))
    assert untrusted.owner != agent and untrusted.service is None
    assert current_values(untrusted)["room"] is None
    ticket = ticket_of(mail(headers=headers), trusted=True)
    assert ticket.owner == agent and ticket.service == levels[0]
    values = current_values(ticket)
    assert values["room"] == "B7" and values["networks"] == ["eduroam", "vpn"]
    assert ticket.state.name == "new"  # the follow-up state is for follow-ups
    closed = ticket_of(follow_up(ticket, headers=headers), trusted=True)
    assert closed.state.name == "closed successful"
    assert current_values(closed)["room"] == "C9"


def test_values_that_do_not_fit_are_logged_and_the_mail_is_filed(
    wlan: Queue,
    agent: User,
    fields: dict[str, DynamicField],
    caplog: pytest.LogCaptureFixture,
) -> None:
    outsider = User.objects.create_user("outsider", password="pw-outsider-long")
    headers = {
        "X-Sportello-Owner": outsider.username,  # no permission on the queue
        "X-Sportello-Responsible": "nobody-here",
        "X-Sportello-SLA": "Platinum",
        "X-Sportello-DynamicField-room": "lowercase",  # refused by the field's pattern
        "X-Sportello-DynamicField-nofield": "x",
        "X-Sportello-DynamicField-networks": "vpn",
    }
    with caplog.at_level(logging.WARNING, logger="sportello.mail.filters"):
        ticket = ticket_of(mail(headers=headers), trusted=True)
    assert ticket.owner != outsider and ticket.responsible is None and ticket.sla is None
    assert current_values(ticket)["room"] is None
    assert current_values(ticket)["networks"] == ["vpn"]  # what fits is set
    logged = caplog.text
    for word in ("owner", "responsible", "Platinum", "room", "nofield"):
        assert word in logged, word


def test_filters_are_checked_when_saved(
    wlan: Queue, agent: User, fields: dict[str, DynamicField]
) -> None:
    match = [{"header": "Subject", "pattern": "x"}]
    validate_filter(match, {"owner": agent.username, "follow_up": {"state": "open"}})
    validate_filter(match, {"dynamic_fields": {"networks": ["vpn"], "room": "A1"}})
    bad: list[dict[str, object]] = [
        {"owner": "nobody-here"},
        {"service": "No such service"},
        {"sla": "Platinum"},
        {"queue": "No::Such"},
        {"dynamic_fields": {"room": "lowercase"}},
        {"dynamic_fields": {"nofield": "x"}},
        {"dynamic_fields": "room=A1"},
        {"follow_up": {"customer_user": "x"}},
        {"follow_up": {"state": "no such state"}},
        {"follow_up": "open"},
    ]
    for sets in bad:
        with pytest.raises(ValidationError):
            validate_filter(match, sets)
