"""Browser tests in real Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright.

Playwright for Python drives the system Chromium through ``executable_path``; no browser
is ever downloaded. Without the binary (or the ``playwright`` package) the tests are
skipped with a visible reason, except under ``CI=true``, where that is a failure.
``SPORTELLO_CHROMIUM`` names another binary.

Fixtures for every browser test:

``browser`` (session)
    One headless Chromium for the whole run.
``live_server`` (pytest-django)
    The application in a thread on a loopback port. A test using it runs on the
    transactional test database: its data is committed (the server thread sees it) and
    flushed afterwards; the migrations' initial data (states, priorities, groups, the
    Raw queue …) is restored before each browser test (serialized rollback, autouse).
``new_context(**options)``
    A fresh browser context (own cookies, so one per agent) with a 10 s default
    timeout; ``options`` go to Playwright (``viewport``, ``color_scheme`` …). Every page
    of the application it visits is checked by axe-core with the WCAG 2.1 AA rules
    (``tests/browser/accessibility.py``); a violation fails the test. When the test
    fails, every page of every context is screenshotted to ``var/test-artifacts/<test
    name>/`` (with the page HTML), the folder a CI job publishes.
``make_agent(username, password=AGENT_PASSWORD, **fields)``
    An active agent with a known password.
``login(user, password=AGENT_PASSWORD)``
    A new context with ``user`` logged in through the real login form; returns the
    ``Page``, left on the agent home page.
``url(path)``
    The live server's absolute URL of ``path`` (``url("/ticket/…/")``).

A test of two agents competing for a ticket logs both in (``login(a)``, ``login(b)``)
and drives the two pages in turn.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.signals import request_finished, request_started

from sportello.accounts.models import Group, User
from tests.browser import accessibility
from tests.conftest import grant_rw_on_users

CHROMIUM = os.environ.get("SPORTELLO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AGENT_PASSWORD = "browser-pw-Kx81-long"
# How long a test's end waits for the live server to finish the requests its pages left.
SETTLE_SECONDS = 10.0
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Keep each phase's report on the test item so fixtures know whether it failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def _initial_snapshot(django_db_setup: None, django_db_blocker: Any) -> str:
    """The migrated database's initial data, serialized once before Chromium starts."""
    from django.db import connection

    with django_db_blocker.unblock():
        snapshot = getattr(connection, "_test_serialized_contents", None)
        return snapshot or connection.creation.serialize_db_to_string()


@pytest.fixture(autouse=True)
def _initial_data(
    django_db_serialized_rollback: None, _initial_snapshot: str, transactional_db: None
) -> None:
    """Transactional tests flush every table; this brings the initial data back.

    pytest-django's serialized rollback keeps the snapshot on the connection object;
    once Playwright runs, the test thread sees a fresh connection object without it, so
    the snapshot is put back (for the flush after this test and every later transactional
    test) and loaded now if pytest-django could not."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    if not getattr(connection, "_test_serialized_contents", None):
        connection._test_serialized_contents = _initial_snapshot  # type: ignore[attr-defined]
    if not Group.objects.exists():
        # The flush's post_migrate recreated these with other ids: take the snapshot's.
        Permission.objects.all().delete()
        ContentType.objects.all().delete()
        ContentType.objects.clear_cache()
        connection.creation.deserialize_db_from_string(_initial_snapshot)


@pytest.fixture(scope="module")  # closed per module: other suites start their own
def browser(_initial_snapshot: str) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (dev extra)")
    # Playwright's sync API runs an event loop in this thread; Django refuses database
    # access from a thread with a running loop unless told it is safe (it is: the loop
    # only runs while a Playwright call is waiting). Only while the browser is up.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class _Requests:
    """The live server's requests in flight, so that a test ends only after they are
    done: a request still running when the test database is flushed holds a table lock
    there (SQLite) or meets a blocked database. A request starts and finishes on its
    server thread, which remembers whether it counted. The event stream (``/events/``)
    is left out: it lasts as long as its page and ends on its own."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = threading.Condition()
        self._thread = threading.local()

    def started(self, environ: dict[str, Any] | None = None, **kwargs: Any) -> None:
        counted = not str((environ or {}).get("PATH_INFO", "")).startswith("/events/")
        self._thread.counted = counted
        if counted:
            with self._idle:
                self._count += 1

    def finished(self, **kwargs: Any) -> None:
        if getattr(self._thread, "counted", False):
            self._thread.counted = False
            with self._idle:
                self._count -= 1
                self._idle.notify_all()

    def settle(self, timeout: float) -> None:
        with self._idle:
            self._idle.wait_for(lambda: self._count <= 0, timeout=timeout)


_requests = _Requests()
# Should a receiver before these raise, a test's end waits SETTLE_SECONDS, no longer.
request_started.connect(_requests.started, dispatch_uid="browser-requests-started")
request_finished.connect(_requests.finished, dispatch_uid="browser-requests-finished")


@pytest.fixture
def new_context(
    browser: Any, request: pytest.FixtureRequest, live_server: Any
) -> Iterator[Callable[..., Any]]:
    if not accessibility.available():
        _unavailable(
            f"axe-core is not installed: npm ci --prefix {accessibility.AXE_JS.parents[2]}"
        )
    contexts: list[Any] = []
    audits: list[accessibility.Audit] = []

    def factory(**options: Any) -> Any:
        options.setdefault("locale", "en-GB")
        options.setdefault("timezone_id", "Europe/Berlin")
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        javascript = options.get("java_script_enabled", True)
        audits.append(accessibility.Audit(context, str(live_server.url), javascript=javascript))
        contexts.append(context)
        return context

    yield factory
    report = getattr(request.node, "report_call", None)
    if report is not None and report.passed:
        violations = [line for audit in audits for line in audit.finish()]
        if violations:
            for context in contexts:
                context.close()
            pytest.fail("axe-core (WCAG 2.1 AA) violations:\n" + "\n".join(violations))
    if report is not None and report.failed:
        folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        for c, context in enumerate(contexts):
            for p, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(folder / f"context{c}-page{p}.png"), full_page=True)
                    (folder / f"context{c}-page{p}.html").write_text(page.content())
                except Exception:  # a closed page has nothing to show
                    pass
    for context in contexts:
        context.close()
    _requests.settle(SETTLE_SECONDS)


@pytest.fixture
def url(live_server: Any) -> Callable[[str], str]:
    def absolute(path: str) -> str:
        return str(live_server.url) + path

    return absolute


@pytest.fixture
def make_agent(transactional_db: None) -> Callable[..., User]:
    def factory(username: str, password: str = AGENT_PASSWORD, **fields: Any) -> User:
        fields.setdefault("email", f"{username}@example.org")
        # Browser agents work on the default group's queues (Raw and the test queues).
        return grant_rw_on_users(User.objects.create_user(username, password=password, **fields))

    return factory


@pytest.fixture
def login(new_context: Callable[[], Any], url: Callable[[str], str]) -> Callable[..., Any]:
    def log_in(user: User, password: str = AGENT_PASSWORD) -> Any:
        page = new_context().new_page()
        page.goto(url("/login/"))
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(url("/"))
        return page

    return log_in
