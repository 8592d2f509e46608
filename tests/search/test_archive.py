"""The nightly archive job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sportello.accounts.models import User
from sportello.core import scheduler
from sportello.search.archive import flag_archived
from sportello.tickets.models import State, Ticket
from tests.search.board import Board

pytestmark = pytest.mark.django_db


def age(ticket: Ticket, days: int) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(changed=timezone.now() - timedelta(days=days))


def archived(board: Board) -> set[str]:
    return {t.title.split()[0] for t in Ticket.objects.filter(archived=True)}


def test_closed_and_unchanged_for_the_period(board: Board, settings: Any) -> None:
    settings.SPORTELLO_ARCHIVE_AFTER_DAYS = 100
    age(board.gamma, 101)  # closed, old: archived
    age(board.alpha, 300)  # open, old: stays
    assert flag_archived() == 1
    assert archived(board) == {"Gamma"}
    assert flag_archived() == 0  # idempotent
    # A closed ticket changed within the period stays out of the archive.
    closed = State.objects.get(name="closed unsuccessful")
    Ticket.objects.filter(pk=board.beta.pk).update(state=closed)
    age(board.beta, 99)
    assert flag_archived() == 0
    # The period is a setting, and "now" can be given (the job's clock).
    assert flag_archived(now=timezone.now() + timedelta(days=2)) == 1
    assert archived(board) == {"Beta", "Gamma"}


def test_a_ticket_that_changes_again_leaves_the_archive(board: Board, settings: Any) -> None:
    settings.SPORTELLO_ARCHIVE_AFTER_DAYS = 183
    age(board.gamma, 200)
    assert flag_archived() == 1
    Ticket.objects.filter(pk=board.gamma.pk).update(changed=timezone.now())
    assert flag_archived() == 0
    assert archived(board) == set()


def test_default_period_is_six_months(board: Board) -> None:
    age(board.gamma, 150)
    assert flag_archived() == 0
    age(board.gamma, 190)
    assert flag_archived() == 1


def test_the_scheduler_runs_the_archive_job_at_night(board: Board, agent: User) -> None:
    age(board.gamma, 400)
    job = scheduler.jobs()["search-archive"]
    noon = timezone.localtime().replace(hour=12, minute=0)
    assert not job.is_due(noon)
    assert scheduler.run(noon.replace(hour=2, minute=30), names=["search-archive"]) == {
        "search-archive": 1
    }
    assert archived(board) == {"Gamma"}
