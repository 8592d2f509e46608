"""The configuration cache: changes made here are seen at once, changes made by another
process (a new token in ConfigVersion) at the next message, and only then."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts import selectors as accounts_selectors
from sportello.accounts.models import Group, User
from sportello.core import cache, events
from sportello.core.models import ConfigVersion
from sportello.customers.models import CustomerUser
from sportello.mail import selectors as mail_selectors
from sportello.mail.ingest import ingest_message
from sportello.mail.models import AutoResponse, PostmasterFilter
from sportello.notifications import selectors as notifications_selectors
from sportello.notifications.models import CustomerNotification
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import selectors as tickets_selectors
from sportello.tickets.models import Priority, State, Ticket
from tests.mail.messages import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def wlan(group: Group) -> Queue:
    queue = ensure_queue("IT::Network::WLAN", group=group)
    SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=queue)
    return queue


def queue_of(raw: bytes) -> str:
    return Ticket.objects.get(number=ingest_message(raw).ticket).queue.full_name


def another_process_changes_the_configuration() -> None:
    """What ``cache.bump`` does in another process: only the token row changes here."""
    ConfigVersion.objects.filter(pk=ConfigVersion.SINGLETON).update(token="from-elsewhere")


def test_a_filter_saved_here_applies_to_the_next_message(wlan: Queue) -> None:
    assert queue_of(mail(subject="VPN kaputt")) == "IT::Network::WLAN"
    PostmasterFilter.objects.create(
        name="vpn", matches=[{"header": "Subject", "pattern": "VPN"}], sets={"queue": "Junk"}
    )
    assert queue_of(mail(subject="VPN kaputt")) == "Junk"
    PostmasterFilter.objects.filter(name="vpn").delete()
    assert queue_of(mail(subject="VPN kaputt")) == "IT::Network::WLAN"


def test_a_change_by_another_process_is_seen_at_the_next_message(wlan: Queue, group: Group) -> None:
    printing = ensure_queue("IT::Printing", group=group)
    assert queue_of(mail()) == "IT::Network::WLAN"
    # Another process moves the address (no signal here) and writes a new token.
    SystemAddress.objects.filter(email="wlan@helpdesk.example.org").update(queue=printing)
    assert queue_of(mail()) == "IT::Network::WLAN"  # this process has not been told yet
    another_process_changes_the_configuration()
    assert queue_of(mail()) == "IT::Printing"


def test_subscribers_check_the_token_at_most_once_a_second(monkeypatch: Any) -> None:
    reads: list[str] = []
    original = cache._read_token

    def counting() -> str:
        reads.append("read")
        return original()

    monkeypatch.setattr(cache, "_read_token", counting)
    cache.refresh()
    for _ in range(5):
        events.dispatch(events.DomainEvent(ticket_id=None, actor_id=None, channel="job"))
    assert len(reads) == 1
    monkeypatch.setattr(cache, "_checked_at", cache._checked_at - 2)
    events.dispatch(events.DomainEvent(ticket_id=None, actor_id=None, channel="job"))
    assert len(reads) == 2


def test_states_priorities_and_the_system_user_follow_saves() -> None:
    state = tickets_selectors.state_by_name("open")
    state.comment = "changed"
    state.save()
    assert tickets_selectors.state_by_name("open").comment == "changed"
    Priority.objects.create(name="6 urgent")
    assert tickets_selectors.priority_by_name("6 urgent").name == "6 urgent"
    State.objects.create(name="waiting", type="open")
    assert tickets_selectors.state_by_name("waiting").type == "open"
    system = accounts_selectors.system_user()
    system.first_name = "Sportello"
    system.save()
    assert accounts_selectors.system_user().first_name == "Sportello"


def test_many_to_many_changes_count(wlan: Queue, agent: User) -> None:
    response = AutoResponse.objects.create(
        name="ack", type="follow_up", subject="Re", text="Thanks"
    )
    assert not mail_selectors.offers_auto_response(wlan.pk, "follow_up")
    response.queues.add(wlan)
    assert mail_selectors.offers_auto_response(wlan.pk, "follow_up")
    response.valid = False
    response.save()
    assert not mail_selectors.offers_auto_response(wlan.pk, "follow_up")

    assert not accounts_selectors.may_have_subscribers(wlan.pk)
    agent.my_queues.add(wlan)
    assert accounts_selectors.may_have_subscribers(wlan.pk)
    agent.my_queues.remove(wlan)
    assert not accounts_selectors.may_have_subscribers(wlan.pk)

    text = CustomerNotification.objects.create(
        name="closed", type="closed", subject="Closed", text="Closed"
    )
    assert not notifications_selectors.offers_customer_notification_type("closed")
    text.queues.set([wlan])
    assert notifications_selectors.offers_customer_notification(wlan.pk, "closed")


def test_logins_of_agents_do_not_clear_the_cache(agent: User) -> None:
    tickets_selectors.state_by_name("open")
    filled = dict(cache._values)
    agent.first_name = "Erika Maria"
    agent.save()
    assert cache._values == filled


def test_a_missing_token_row_still_works(wlan: Queue) -> None:
    ConfigVersion.objects.all().delete()  # e.g. a database emptied by ``flush``
    CustomerUser.objects.create(login="mmuster", email="MAX@example.org")
    raw = mail()
    first = ingest_message(raw)
    assert Ticket.objects.get(number=first.ticket).queue.full_name == "IT::Network::WLAN"
    # The lookups that come with the token row are made one by one.
    assert Ticket.objects.get(number=first.ticket).customer_user_id == "mmuster"
    again = ingest_message(raw)
    assert (again.result, again.ticket, again.article) == ("duplicate", first.ticket, 1)
    SystemAddress.objects.create(email="print@helpdesk.example.org", queue=wlan)
    assert ConfigVersion.objects.get().token  # recreated by the change
    assert queue_of(mail(to="print@helpdesk.example.org")) == "IT::Network::WLAN"


def test_collect_returns_the_events_of_the_block(
    wlan: Queue, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), events.collect() as seen:
        ingest_message(mail())
    names = [type(e).__name__ for e in seen]
    assert names == ["TicketCreated", "ArticleAdded", "MailFiled"]
