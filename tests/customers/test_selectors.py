from __future__ import annotations

import pytest

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.customers.selectors import customer_record, other_tickets
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.selectors import state_by_name
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_customer_record_by_login_or_address() -> None:
    anna = CustomerUser.objects.create(login="anna", email="Anna@uni.example.org")
    assert customer_record("anna") == anna
    assert customer_record("anna@uni.example.org") == anna
    assert customer_record("") is None and customer_record("nobody") is None


def test_other_tickets_of_the_customer(queue: Queue, actor: Actor, agent: User) -> None:
    first = make_ticket(queue, actor, customer_user_id="anna")
    second = make_ticket(queue, actor, customer_user_id="anna")
    closed = make_ticket(queue, actor, customer_user_id="anna")
    actions.set_state(closed, state_by_name("closed successful"), actor=actor)
    make_ticket(queue, actor, customer_user_id="bruno")
    assert list(other_tickets(first, agent)) == [second]
    agent.is_active = False
    agent.save()
    assert list(other_tickets(first, agent)) == []
