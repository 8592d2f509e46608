"""Follow-up by number: numbers without the check digit (OTRS's AutoIncrement form, kept
by an import from Znuny) match only after the ticket hook, only with this system's id and
only exactly; no other number in a subject finds a ticket."""

from __future__ import annotations

import pytest
from django.test import override_settings

from sportello.accounts.models import Group
from sportello.mail.followup import numbers_in_subject
from sportello.mail.ingest import ingest_message
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Ticket
from sportello.tickets.numbers import format_number
from tests.mail.messages import mail

IMPORTED = "1000042"  # SystemID 10 + counter 00042, as Znuny's AutoIncrement writes it


@pytest.fixture
def wlan(group: Group) -> Queue:
    queue = ensure_queue("IT::Network::WLAN", group=group)
    SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=queue)
    return queue


@pytest.fixture
def imported(wlan: Queue) -> Ticket:
    # A ticket as the import leaves it: its Znuny number, not one of Sportello's form.
    number = ingest_message(mail(subject="Drucker")).ticket
    Ticket.objects.filter(number=number).update(number=IMPORTED)
    return Ticket.objects.get(number=IMPORTED)


@override_settings(SPORTELLO_SYSTEM_ID="10", SPORTELLO_TICKET_HOOK="Ticket#")
def test_numbers_in_subject_filters_by_form() -> None:
    native = format_number("20261207", "10", 1)  # DateChecksum with its check digit
    assert numbers_in_subject(f"Re: [Ticket#{IMPORTED}] [Ticket#{native}]") == [native, IMPORTED]
    assert numbers_in_subject(f"Bestellung {IMPORTED}") == []  # no hook
    assert numbers_in_subject("Re: [Ticket#1100042]") == []  # another system id
    assert numbers_in_subject("Re: [Ticket#1042]") == []  # too short for any form
    with override_settings(SPORTELLO_TICKET_HOOK=""):
        assert numbers_in_subject(f"Re: {native} {IMPORTED}") == []


@override_settings(SPORTELLO_SYSTEM_ID="10")
def test_imported_auto_increment_number_after_the_hook_is_a_follow_up(imported: Ticket) -> None:
    result = ingest_message(mail(subject=f"AW: [Ticket#{IMPORTED}] Drucker"))
    assert (result.result, result.ticket) == ("followup", IMPORTED)


@override_settings(SPORTELLO_SYSTEM_ID="10")
@pytest.mark.parametrize(
    "subject",
    [
        f"Bestellung {IMPORTED} geliefert",  # the number without the hook
        f"Rechnung #{IMPORTED}",
        f"Re: [Ticket#{IMPORTED}0]",  # a longer number that starts with it
        f"Re: [Ticket#{IMPORTED[:-1]}]",  # a shorter one
    ],
)
def test_plain_or_near_numbers_are_not_follow_ups(imported: Ticket, subject: str) -> None:
    assert ingest_message(mail(subject=subject)).result == "new"


@override_settings(SPORTELLO_SYSTEM_ID="11")
def test_number_of_another_system_id_is_not_a_follow_up(imported: Ticket) -> None:
    # Znuny's CheckSystemID: an AutoIncrement number belongs to the system id it starts with.
    assert ingest_message(mail(subject=f"Re: [Ticket#{IMPORTED}]")).result == "new"
