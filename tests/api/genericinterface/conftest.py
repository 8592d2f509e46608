"""GenericInterface tests: the application on a loopback port (pytest-django's
``live_server``) on the transactional test database with the migrations' initial data
restored (the browser tests' fixtures), an agent and a customer with passwords, and a
ticket dynamic field ``ExternalRef``."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts.models import User
from sportello.customers.models import CustomerUser
from sportello.tickets.models import DynamicField
from tests.browser.conftest import _initial_data, _initial_snapshot  # noqa: F401
from tests.conftest import grant_rw_on_users

AGENT_PASSWORD = "gi-agent-pw-Zx81"
CUSTOMER_PASSWORD = "gi-customer-pw-Qy72"
WEBSERVICE = "/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"


@pytest.fixture
def gi_agent(transactional_db: None) -> User:
    return grant_rw_on_users(
        User.objects.create_user(
            "gi-agent", email="gi-agent@example.org", password=AGENT_PASSWORD, first_name="Gina"
        )
    )


def make_customer(login: str, email: str) -> CustomerUser:
    customer = CustomerUser(login=login, email=email, first_name="Jo", last_name=login.title())
    customer.set_password(CUSTOMER_PASSWORD)
    customer.save()
    return customer


@pytest.fixture
def customer_a(transactional_db: None) -> CustomerUser:
    return make_customer("jdoe", "jdoe@example.com")


@pytest.fixture
def customer_b(transactional_db: None) -> CustomerUser:
    return make_customer("mrossi", "mrossi@example.com")


@pytest.fixture
def external_ref(transactional_db: None) -> DynamicField:
    return DynamicField.objects.create(
        name="ExternalRef", object_type="ticket", field_type="text", labels={"en": "Ref"}
    )


@pytest.fixture
def base(live_server: Any) -> str:
    return str(live_server.url)
