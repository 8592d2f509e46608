from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sportello.accounts.models import Group, User
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.sla import services
from sportello.sla.models import SLA
from tests.conftest import grant_rw_on_users

BERLIN = ZoneInfo("Europe/Berlin")
# A Monday, 09:00 in Berlin; the default calendar works Monday-Friday 08:00-17:00.
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    services.clear_caches()
    yield
    services.clear_caches()


@pytest.fixture
def clock() -> Iterator[Any]:
    """Time stands at MONDAY_9 until the test moves it (``clock.move_to(...)``)."""
    with time_machine.travel(MONDAY_9, tick=False) as traveller:
        yield traveller


@pytest.fixture
def gold(db: None) -> SLA:
    return SLA.objects.create(
        name="Gold",
        first_response_minutes=60,
        update_minutes=120,
        solution_minutes=480,
        warning_percent=50,
    )


@pytest.fixture
def wlan(group: Group, gold: SLA) -> Queue:
    address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue = ensure_queue("IT::Network::WLAN", group=group, system_address=address)
    queue.default_sla = gold
    queue.unlock_timeout = 4 * 540  # four working days
    queue.save()
    return queue


@pytest.fixture
def subscriber(wlan: Queue) -> User:
    user = grant_rw_on_users(
        User.objects.create_user("subscriber", email="sub@example.org", password="x" * 12)
    )
    user.my_queues.add(wlan)
    return user
