"""The system as it runs on several machines, all on loopback: PostgreSQL, Redis, two web
processes (gunicorn), two job consumers (``run_huey`` with ``REDIS_URL``), mail filed by
two processes at once, agents acting on the same ticket through both web processes.

Checked: every message filed once (also one delivered to both), every outgoing message
sent once, each periodic job once per minute with two consumers, a lock taken through
one web process refused through the other, a configuration change made by one process
seen by the others at once."""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import postgres_only
from tests.mail.messages import mail
from tests.mail.smtp import SmtpSink
from tests.ops.installation import SPORTELLO, Installation
from tests.ops.postfix import free_port

pytestmark = [pytest.mark.slow, postgres_only]

GUNICORN = SPORTELLO.with_name("gunicorn")
MESSAGES = 10
BOTH = 2  # delivered by both filing processes

SETUP = """
from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.api import tokens
from sportello.queues.models import Queue
from datetime import time as clock
from sportello.sla.models import SLA, Calendar, WorkingHours
raw = Queue.objects.get(full_name="Raw")
group = raw.group
# Every ticket escalates one minute after it arrives (a round-the-clock calendar).
calendar = Calendar.objects.create(name="24/7", time_zone="UTC")
for weekday in range(7):
    WorkingHours.objects.create(calendar=calendar, weekday=weekday, start=clock(0), end=clock(0))
raw.default_sla = SLA.objects.create(
    name="fast", calendar=calendar, first_response_minutes=1, warning_percent=0
)
raw.save()
result = {}
for login in ("alice", "bob"):
    agent = User.objects.create_user(login, f"{login}@example.org", "x" * 16)
    provisioning.grant(group, "rw", agent=agent)
    agent.my_queues.add(raw)  # told of escalations in the queue
    result[login] = tokens.create_token(agent, name="nodes", scope="write").secret
"""

ESCALATIONS = """
from django.db.models import Count
from sportello.notifications.models import Notification
from sportello.sla.models import EscalationNotice
from sportello.tickets.models import Ticket
result = {
    "tickets": Ticket.objects.count(),
    "notices": list(
        EscalationNotice.objects.values("ticket_id", "kind").annotate(n=Count("id"))
        .values_list("ticket_id", "kind", "n")
    ),
    "undelivered": EscalationNotice.objects.filter(delivered__isnull=True).count(),
    "notified": list(
        Notification.objects.filter(type__startswith="escalation")
        .values("agent_id", "ticket_id", "type").annotate(n=Count("id"))
        .values_list("agent_id", "ticket_id", "type", "n")
    ),
}
"""

STATE = """
from sportello.mail.models import OutboxMessage
from sportello.tickets.models import Article, Ticket
result = {
    "tickets": sorted(Ticket.objects.values_list("number", flat=True)),
    "incoming": sorted(
        Article.objects.filter(message_id__startswith="<node-").values_list(
            "message_id", flat=True
        )
    ),
    "outbox": sorted(OutboxMessage.objects.values_list("message_id", "status")),
}
"""


def _until(condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


class Nodes:
    def __init__(self, installation: Installation, logs: Path) -> None:
        self.installation = installation
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self.ports: list[int] = []

    def start(self, name: str, command: list[str]) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.processes.append(
            subprocess.Popen(command, env=self.installation.env(), stdout=log, stderr=log)
        )

    def web(self) -> None:
        for number in (1, 2):
            port = free_port()
            self.ports.append(port)
            self.start(
                f"web{number}",
                [str(GUNICORN), "sportello.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2"],
            )

    def consumers(self) -> None:
        for number in (1, 2):
            self.start(f"consumer{number}", [str(SPORTELLO), "run_huey"])

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


def _call(
    port: int, path: str, token: str = "", data: Any = None, method: str = "POST"
) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=None if data is None else json.dumps(data).encode(),
        method="GET" if data is None else method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Nodes, SmtpSink]]:
    sink = SmtpSink()
    sink.start()
    installation = Installation.create(
        tmp_path / "home",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SPORTELLO_REDIS_NAME=f"sportello-nodes-{uuid.uuid4().hex[:8]}",
        SPORTELLO_SMTP_HOST="127.0.0.1",
        SPORTELLO_SMTP_PORT=str(sink.port),
        SPORTELLO_ALLOWED_HOSTS="127.0.0.1",
        SPORTELLO_LOG_LEVEL="INFO",
    )
    installation.run("migrate", "--no-input")
    installation.run("collectstatic", "--no-input")  # pages name the hashed files
    nodes = Nodes(installation, tmp_path)
    try:
        yield nodes, sink
    finally:
        nodes.stop()
        sink.stop()
        installation.drop()


def test_two_web_processes_two_consumers_two_mail_processes(
    cluster: tuple[Nodes, SmtpSink],
) -> None:
    nodes, sink = cluster
    installation = nodes.installation
    secrets = installation.query(SETUP)
    nodes.consumers()
    nodes.web()
    for port in nodes.ports:
        _until(lambda port=port: _ready(port), f"web process on {port}", timeout=60)

    # Mail filed by two processes at once; the last messages reach both of them.
    messages = [
        mail(subject=f"node {n}", message_id=f"<node-{n}@example.org>") for n in range(MESSAGES)
    ]
    failures: list[str] = []

    def file(share: list[bytes]) -> None:
        for raw in share:
            done = installation.run("ingest_mail", stdin=raw, check=False)
            if done.returncode != 0:
                failures.append(done.stderr.decode())

    shared = messages[-BOTH:]
    filers = [
        threading.Thread(target=file, args=(messages[0 : MESSAGES - BOTH : 2] + shared,)),
        threading.Thread(target=file, args=(messages[1 : MESSAGES - BOTH : 2] + shared,)),
    ]
    for filer in filers:
        filer.start()
    for filer in filers:
        filer.join(timeout=600)
    assert not failures, failures
    state = installation.query(STATE)
    assert len(state["tickets"]) == MESSAGES
    assert state["incoming"] == sorted(f"<node-{n}@example.org>" for n in range(MESSAGES))

    # The same ticket through both web processes: a lock taken on one holds on the other.
    number = state["tickets"][0]
    first, second = nodes.ports
    status, body = _call(first, f"/api/v1/tickets/{number}/lock", secrets["alice"], {})
    assert status == 200, body
    status, body = _call(second, f"/api/v1/tickets/{number}/lock", secrets["bob"], {})
    assert status == 409 and body["error"]["code"] == "conflict", body

    # A dialog rendered by the first process, the ticket changed through the second: the
    # first refuses the stale submit.
    browser = _Browser(first)
    browser.login("bob", "x" * 16)
    form = browser.get(f"/ticket/{number}/action/note/")
    changed = _hidden(form, "changed")
    patch = {"priority": "4 high"}
    status, body = _call(second, f"/api/v1/tickets/{number}", secrets["alice"], patch, "PATCH")
    assert status == 200, body
    refused = browser.post(
        f"/ticket/{number}/action/note/",
        {
            "changed": changed,
            "body": "A note.",
            "csrfmiddlewaretoken": _hidden(form, "csrfmiddlewaretoken"),
        },
    )
    assert refused[0] == 409, refused

    # An answer through the second process, then the queue's signature changed by another
    # process: the next answer through the second process carries the new one at once.
    answer = {"kind": "email", "body": "First answer.", "to": ["max@example.org"]}
    status, body = _call(second, f"/api/v1/tickets/{number}/articles", secrets["alice"], answer)
    assert status == 201, body
    marker = f"Signature {uuid.uuid4().hex}"
    installation.query(
        "from sportello.queues.models import Queue, Signature\n"
        "queue = Queue.objects.get(full_name='Raw')\n"
        f"queue.signature = Signature.objects.create(name='new', text={marker!r})\n"
        "queue.save()\nresult = queue.signature_id"
    )
    answer = {"kind": "email", "body": "Second answer.", "to": ["max@example.org"]}
    status, body = _call(second, f"/api/v1/tickets/{number}/articles", secrets["alice"], answer)
    assert status == 201, body

    # Every outgoing message (auto-responses sent by the minute job, the two answers)
    # leaves once, whichever consumer sent it; each periodic job ran once per minute.
    def all_sent() -> bool:
        outbox = installation.query(STATE)["outbox"]
        return bool(outbox) and all(status == "sent" for _id, status in outbox)

    _until(all_sent, "the outbox to be sent")
    outbox = installation.query(STATE)["outbox"]
    assert len(outbox) >= 2
    received = Counter(str(item.message["Message-ID"]) for item in sink.received)
    assert sorted(received) == sorted(message_id for message_id, _status in outbox)
    assert set(received.values()) == {1}, received
    answers = [item.message for item in sink.received if "answer." in _text(item.message)]
    assert len(answers) == 2
    second_answer = next(m for m in answers if "Second answer." in _text(m))
    assert marker in _text(second_answer)

    # Each ticket escalated once, each agent told once, whichever consumer swept.
    def escalated() -> bool:
        found = installation.query(ESCALATIONS)
        # (the answered ticket may have had its first response in time)
        return (
            len({row[0] for row in found["notices"]}) >= found["tickets"] - 1
            and not found["undelivered"]
        )

    _until(escalated, "every ticket to escalate")
    found = installation.query(ESCALATIONS)
    assert {row[2] for row in found["notices"]} == {1}, found["notices"]
    assert found["notified"], "no agent was told of an escalation"
    assert {row[3] for row in found["notified"]} == {1}, found["notified"]

    runs = _periodic_runs(nodes.log("consumer1") + nodes.log("consumer2"))
    assert runs, "no periodic job ran"
    assert {count for count in runs.values()} == {1}, runs
    assert {logfile for logfile in ("consumer1", "consumer2") if "ran for" in nodes.log(logfile)}


class _Browser:
    """An agent's browser session on one web process (cookies, CSRF)."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return str(response.read().decode())

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        request = urllib.request.Request(
            self.base + path,
            data=urllib.parse.urlencode(data).encode(),
            headers={"Referer": self.base + path},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, str(response.read().decode())
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, login: str, password: str) -> None:
        page = self.get("/login/")
        token = _hidden(page, "csrfmiddlewaretoken")
        status, body = self.post(
            "/login/", {"username": login, "password": password, "csrfmiddlewaretoken": token}
        )
        assert status == 200 and "logout" in body.lower(), (status, body[:500])


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)" name="{name}"', page
    )
    assert match, f"no {name} in the page"
    return html.unescape(match.group(1))


def _ready(port: int) -> bool:
    try:
        return _call(port, "/readyz")[0] == 200
    except OSError:
        return False


def _text(message: Any) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


def _periodic_runs(log: str) -> Counter[tuple[str, str]]:
    return Counter(re.findall(r"periodic job (\S+) ran for (\d\d:\d\d)", log))
