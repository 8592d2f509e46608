from __future__ import annotations

import multiprocessing
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.models import History, Ticket
from sportello.tickets.numbers import (
    check_digit,
    format_number,
    is_valid_number,
    next_ticket_number,
)
from tests.conftest import postgres_only


def test_check_digit_matches_the_documented_example() -> None:
    # 2+0+2+0+1+2+1+2+1+0+0+0+0+0+1 weighted 1,2,1,2…: sum 27 -> 3
    assert check_digit("202611221000001") == 3
    assert format_number("20261122", "10", 1) == "2026112210000013"


def test_check_digit_ten_becomes_one() -> None:
    assert check_digit("00") == 1  # sum 0: 10 - 0 = 10 -> 1
    assert check_digit("55") == 5  # 5*1 + 5*2 = 15: 10 - 5
    assert check_digit("73") == 7  # 7*1 + 3*2 = 13: 10 - 3


@given(counter=st.integers(min_value=1, max_value=10_000_000))
def test_formatted_numbers_validate(counter: int) -> None:
    number = format_number("20261122", "10", counter)
    assert number.startswith("2026112210")
    assert len(number) >= 16
    assert is_valid_number(number)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not is_valid_number(wrong)


@pytest.mark.django_db
def test_counter_counts_per_day_and_restarts_next_day() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    day1 = datetime(2026, 11, 22, 12, tzinfo=berlin)
    day2 = datetime(2026, 11, 23, 0, 5, tzinfo=berlin)
    assert next_ticket_number(day1) == "2026112210000013"
    second = next_ticket_number(day1)
    assert second[:15] == "202611221000002" and is_valid_number(second)
    assert next_ticket_number(day2)[:15] == "202611231000001"


@pytest.mark.django_db
def test_the_day_is_the_systems_whatever_zone_the_agent_reads_in() -> None:
    # 23:30 in Berlin is already the next day in Tokyo, an agent's display zone.
    late = datetime(2026, 11, 22, 23, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        assert next_ticket_number(late)[:8] == "20261122"


def _create_many(queue_id: int, count: int) -> None:
    connections.close_all()
    actor = Actor.system(channel="job")
    queue = Queue.objects.get(pk=queue_id)
    for index in range(count):
        actions.create_ticket(title=f"parallel {index}", queue=queue, actor=actor)
    connections.close_all()


@postgres_only
@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_numbers_unique_under_concurrency(initial_data: None, queue: Queue) -> None:
    processes, per_process = 8, 500
    connections.close_all()
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_create_many, args=(queue.pk, per_process)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=600)
    assert [worker.exitcode for worker in workers] == [0] * processes
    total = processes * per_process
    numbers = list(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == total
    assert len(set(numbers)) == total
    assert all(is_valid_number(number) for number in numbers)
    assert History.objects.filter(type="NewTicket").count() == total
