"""Stale-tolerant reads go to the read replica named by ``DATABASE_REPLICA_URL``: a second
database (here a restored backup of the primary, so it lags behind it by construction)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.mail.messages import mail
from tests.ops.installation import Installation

pytestmark = pytest.mark.slow

FIGURES = """
from sportello.accounts.models import User
from sportello.tickets import overviews
from sportello.tickets.models import Ticket
agent = User.objects.get(username="stats")
result = {
    "primary": Ticket.objects.count(),
    "per_day": sum(day.created for day in overviews.per_day(agent)),
    "queue_counts": sum(sum(s.values()) for s in overviews.queue_state_counts(agent).values()),
}
"""

SETUP = """
from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.queues.models import Queue
agent = User.objects.create_user("stats", "stats@example.org", "x" * 12)
provisioning.grant(Queue.objects.get(full_name="Raw").group, "ro", agent=agent)
result = agent.pk
"""


@pytest.fixture
def installations() -> Iterator[list[Installation]]:
    made: list[Installation] = []
    yield made
    for installation in made:
        installation.drop()


def test_overview_counts_and_statistics_read_the_replica(
    tmp_path: Path, installations: list[Installation]
) -> None:
    primary = Installation.create(tmp_path / "primary")
    installations.append(primary)
    primary.run("migrate", "--no-input")
    primary.query(SETUP)
    for number in range(2):
        primary.run("ingest_mail", stdin=mail(subject=f"r{number}", message_id=f"<r{number}@x>"))
    primary.run("backup", str(tmp_path / "copy"))
    replica = Installation.create(tmp_path / "replica")
    installations.append(replica)
    replica.run("restore", str(tmp_path / "copy"))
    for number in range(2, 5):
        primary.run("ingest_mail", stdin=mail(subject=f"r{number}", message_id=f"<r{number}@x>"))

    alone = primary.query(FIGURES)
    assert alone == {"primary": 5, "per_day": 5, "queue_counts": 5}
    replica_url = replica.database_url or f"sqlite:///{replica.home / 'sportello.sqlite3'}"
    primary.extra["DATABASE_REPLICA_URL"] = replica_url
    with_replica = primary.query(FIGURES)
    # Counts and statistics from the replica (two tickets), the rest from the primary.
    assert with_replica == {"primary": 5, "per_day": 2, "queue_counts": 2}
