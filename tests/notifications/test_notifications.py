from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.mail.models import OutboxKind, OutboxMessage
from sportello.notifications.models import CustomerNotification, Notification
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import TicketWatch
from sportello.tickets.selectors import state_by_name
from tests.conftest import grant_rw_on_users
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def wlan(group: Group) -> Queue:
    address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    return ensure_queue("IT::Network::WLAN", group=group, system_address=address)


@pytest.fixture
def subscriber(wlan: Queue) -> User:
    user = grant_rw_on_users(
        User.objects.create_user("subscriber", email="sub@example.org", password="x" * 12)
    )
    user.my_queues.add(wlan)
    return user


def kinds(agent: User) -> list[str]:
    return list(
        Notification.objects.filter(agent=agent).order_by("id").values_list("type", flat=True)
    )


def test_new_ticket_tells_my_queues_subscribers_in_app_and_by_mail(
    wlan: Queue, subscriber: User, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    assert kinds(subscriber) == ["new_ticket"]
    assert kinds(agent) == []  # not subscribed
    mail = OutboxMessage.objects.get(kind=OutboxKind.NOTIFICATION)
    assert mail.recipients == ["sub@example.org"] and ticket.number.encode() in bytes(mail.raw)


def test_nobody_is_told_of_their_own_action_out_of_office_or_off(
    wlan: Queue, subscriber: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(wlan, Actor(user=subscriber))
    assert kinds(subscriber) == []
    subscriber.out_of_office_start = timezone.localdate() - timedelta(days=1)
    subscriber.out_of_office_end = timezone.localdate() + timedelta(days=1)
    subscriber.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(wlan, Actor.system("mail"))
    assert kinds(subscriber) == []
    subscriber.out_of_office_end = timezone.localdate() - timedelta(days=1)
    subscriber.notification_settings = {"new_ticket": {"app": False, "email": False}}
    subscriber.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(wlan, Actor.system("mail"))
    assert kinds(subscriber) == []


def test_follow_up_goes_to_owner_when_locked_else_to_the_queue(
    wlan: Queue,
    subscriber: User,
    agent: User,
    actor: Actor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(wlan, Actor.system("mail"))
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(ticket, customer_mail(), actor=Actor.system("mail"))
    assert kinds(subscriber) == ["follow_up"]
    ticket = actions.lock(ticket, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(ticket, customer_mail(), actor=Actor.system("mail"))
    assert kinds(agent) == ["follow_up"]
    assert kinds(subscriber) == ["follow_up"]


def test_owner_responsible_and_watchers(
    wlan: Queue,
    agent: User,
    other_agent: User,
    actor: Actor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = make_ticket(wlan, actor)
    watcher = grant_rw_on_users(
        User.objects.create_user("watcher", email="w@example.org", password="x" * 12)
    )
    actions.watch(ticket, actor=Actor(user=watcher))
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_owner(ticket, other_agent, actor=actor)
        actions.set_responsible(ticket, other_agent, actor=actor)
        actions.add_article(
            ticket, ArticleInput(channel="internal", sender_type="agent", body="Notiz"), actor=actor
        )
    assert kinds(other_agent) == ["owner_update", "responsible_update", "new_note"]
    assert "watched" in kinds(watcher) and "new_note" in kinds(watcher)
    assert kinds(agent) == []


def test_customer_is_told_when_taken_in_charge_once_and_when_closed(
    wlan: Queue, actor: Actor, other_agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    CustomerUser.objects.create(login="max", email="max@example.org", first_name="Max")
    for kind, subject, text in [
        (
            "taken_in_charge",
            "In Bearbeitung",
            "Hallo {{ customer.first_name }}, {{ agent.first_name }} kümmert sich.",
        ),
        ("closed", "Erledigt", "Ihre Anfrage ist erledigt."),
    ]:
        CustomerNotification.objects.create(
            name=kind, type=kind, subject=subject, text=text
        ).queues.add(wlan)
    ticket = make_ticket(wlan, Actor.system("mail"), customer_user_id="max")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = actions.lock(ticket, actor=actor)
        ticket = actions.set_owner(ticket, other_agent, actor=actor)
        actions.set_state(ticket, state_by_name("closed successful"), actor=actor)
    sent = ticket.history.filter(type="SendCustomerNotification").order_by("id")
    assert [row.comment for row in sent] == ["taken_in_charge", "closed"]
    notice = ticket.articles.get(number=2)
    assert notice.body == "Hallo Max, Erika kümmert sich."
    assert notice.sender_type == "system" and notice.visible_for_customer


def test_no_notification_about_invisible_tickets(
    wlan: Queue, subscriber: User, django_capture_on_commit_callbacks: Any
) -> None:
    subscriber.is_active = False
    subscriber.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(wlan, Actor.system("mail"))
    assert kinds(subscriber) == []


def test_no_notification_without_read_permission_on_the_queue(
    wlan: Queue, subscriber: User, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    from sportello.accounts import provisioning

    # Subscribed to the queue and watching, but the grant on its group was withdrawn.
    provisioning.revoke(wlan.group, "rw", agent=subscriber)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"), responsible=agent)
    assert kinds(subscriber) == []
    TicketWatch.objects.create(ticket=ticket, agent=subscriber)  # watched before the revoke
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(ticket, customer_mail(), actor=Actor.system("mail"))
    assert kinds(subscriber) == []
    provisioning.grant(wlan.group, "ro", agent=subscriber)
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(ticket, customer_mail(), actor=Actor.system("mail"))
    assert kinds(subscriber) == ["follow_up"]
