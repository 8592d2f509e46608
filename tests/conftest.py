from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from sportello.accounts.models import Group, User
from sportello.core import events
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.queues.services import ensure_queue

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

postgres_only = pytest.mark.skipif(
    not IS_POSTGRES,
    reason="needs PostgreSQL: runs in the PostgreSQL pass (SPORTELLO_TEST_DATABASE_URL)",
)


def pytest_report_header() -> str:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"sportello database: {engine}"


def pytest_configure(config: pytest.Config) -> None:
    # File order unless asked to shuffle (see scripts/test); the random seeds that
    # pytest-randomly resets per test stay on either way.
    if os.environ.get("SPORTELLO_TEST_RANDOM_ORDER") != "1" and config.pluginmanager.has_plugin(
        "randomly"
    ):
        config.option.randomly_reorganize = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test restores the migrated initial data (serialized rollback).
    A transactional test without it ends in a flush whose post_migrate signal recreates
    content types and permissions with new ids; a later test restoring the snapshot would
    then insert them twice. With it, the flush leaves no row behind, in any order."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        names = getattr(item, "fixturenames", None)
        if names is None:
            continue
        transactional = (
            (
                marker is not None
                and bool(marker.kwargs.get("transaction") or marker.args[:1] == (True,))
            )
            or "transactional_db" in names
            or "live_server" in names
        )
        if transactional and "django_db_serialized_rollback" not in names:
            names.append("django_db_serialized_rollback")


def pytest_sessionstart(session: pytest.Session) -> None:
    # In CI a PostgreSQL pass that silently fell back to SQLite would prove nothing.
    if os.environ.get("SPORTELLO_EXPECT_POSTGRES") == "1" and not IS_POSTGRES:
        raise pytest.UsageError("PostgreSQL pass requested but DATABASE_URL is not PostgreSQL")


@pytest.fixture(autouse=True)
def _isolated_storage(settings: Any, tmp_path: Path) -> None:
    """Attachments, raw mails and the file spool of each test live in its own folder."""
    settings.SPORTELLO_HOME = tmp_path / "home"
    settings.MEDIA_ROOT = tmp_path / "home" / "media"


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> Iterator[None]:
    """Every test starts with empty per-process caches (configuration, calendars, Django's
    cache: login throttles, the dashboard chart), so nothing a previous test filled, with
    rows since rolled back, decides what this one reads or how many statements it makes."""
    from django.core.cache import cache
    from django.utils import translation

    from sportello.core import cache as configuration_cache
    from sportello.sla import services as sla_services

    configuration_cache.clear()
    sla_services.clear_caches()
    cache.clear()
    # A test that switched the language (a page in German, a customer's mail) must not
    # leave it switched for the next one.
    translation.activate(settings.LANGUAGE_CODE)
    yield


@pytest.fixture
def keep_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands close every connection when they finish (``run_from_argv``); inside a
    test that would close the connection holding the test's transaction."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


@pytest.fixture
def group(db: None) -> Group:
    return Group.objects.get(name="users")


def grant_rw_on_users(user: User) -> User:
    """Give ``user`` rw on the default group ``users`` (the Raw queue and the test
    queues), the access the test agents work with."""
    from sportello.accounts import provisioning

    provisioning.grant(Group.objects.get(name="users"), "rw", agent=user)
    return user


@pytest.fixture
def agent(db: None) -> User:
    return grant_rw_on_users(
        User.objects.create_user(
            "agent1",
            email="agent1@example.org",
            password="pw-agent1-long",
            first_name="Erika",
            last_name="Muster",
        )
    )


@pytest.fixture
def other_agent(db: None) -> User:
    return grant_rw_on_users(
        User.objects.create_user(
            "agent2",
            email="agent2@example.org",
            password="pw-agent2-long",
            first_name="Paolo",
            last_name="Verdi",
        )
    )


@pytest.fixture
def actor(agent: User) -> Actor:
    return Actor(user=agent, channel="web")


@pytest.fixture
def queue(group: Group) -> Queue:
    return ensure_queue("IT::Network::WLAN", group=group)


@pytest.fixture
def raw_queue(db: None) -> Queue:
    return Queue.objects.get(full_name="Raw")


@pytest.fixture
def published() -> Iterator[list[events.DomainEvent]]:
    """Every domain event dispatched during the test, in order."""
    seen: list[events.DomainEvent] = []

    def handler(event: events.DomainEvent) -> None:
        seen.append(event)

    events.subscribe(events.DomainEvent)(handler)
    yield seen
    events.unsubscribe(events.DomainEvent, handler)


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on loopback, configured as Sportello's mail server."""
    from tests.mail.smtp import SmtpSink

    sink = SmtpSink()
    sink.start()
    sink.configure(settings)
    yield sink
    sink.stop()
