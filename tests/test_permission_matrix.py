"""Every URL of the agent interface, for an agent with no grant, ro, note and rw on the
ticket's queue: who gets in, who is refused (403), for whom the ticket does not exist
(404). A URL pattern without a rule here fails ``test_every_agent_url_has_a_rule``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.mail.ingest import ingest_message
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.search.models import SearchTemplate
from sportello.tickets.models import Ticket
from tests.mail.messages import mail

# Namespaces that are not the agent interface; they have their own access tests
# (tests/portal for customers, tests/test_admin.py for the admin site).
OTHER_AREAS = ("admin", "portal", "i18n", "set_language")

LEVELS = ("none", "ro", "note", "rw")


@dataclass
class World:
    ticket: Ticket
    agent: User
    attachment: int
    template: int


Kwargs = Callable[[World], dict[str, Any]]


def _ticket(w: World) -> dict[str, Any]:
    return {"number": w.ticket.number}


def _article(w: World) -> dict[str, Any]:
    return {"number": w.ticket.number, "article": 1}


def _dialog(name: str, article: bool = False) -> Kwargs:
    def kwargs(w: World) -> dict[str, Any]:
        values: dict[str, Any] = {"number": w.ticket.number, "name": name}
        if article:
            values["article_number"] = 1
        return values

    return kwargs


@dataclass(frozen=True)
class Rule:
    # "public": anyone; "agent": any agent, no ticket involved; "ro" / "note" / "rw": the
    # permission on the ticket's queue the URL needs.
    need: str
    kwargs: Kwargs = lambda w: {}
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    query: Callable[[World], str] = lambda w: ""
    # The page lists the ticket: it must appear for readers and only for them.
    lists_ticket: bool = False


RULES: dict[str, Rule] = {
    "web:home": Rule("agent", lists_ticket=True),
    "web:login": Rule("public"),
    "web:logout": Rule("public", method="post"),
    "web:password-change": Rule("agent"),
    "web:new-phone-ticket": Rule("agent"),
    "web:new-email-ticket": Rule("agent"),
    "web:customer-search": Rule("agent", query=lambda w: "q=max"),
    "web:dashboard-widget": Rule(
        "agent", lambda w: {"name": "tickets"}, query=lambda w: "tab=all", lists_ticket=True
    ),
    "web:dashboard-order": Rule("agent", method="post", data=lambda w: {"widget": ["tickets"]}),
    "web:dashboard-settings": Rule(
        "agent",
        lambda w: {"name": "new"},
        method="post",
        data=lambda w: {"per_page": "10", "columns": ["number", "title"]},
    ),
    "web:dashboard-remove": Rule("agent", lambda w: {"name": "stats"}, method="post"),
    "web:dashboard-restore": Rule("agent", lambda w: {"name": "stats"}, method="post"),
    "web:queue-view": Rule("agent", query=lambda w: "tab=all"),
    "web:queue-view-settings": Rule(
        "agent", method="post", data=lambda w: {"per_page": "25", "columns": ["number"]}
    ),
    "web:overview": Rule("agent", lambda w: {"name": "new"}, lists_ticket=True),
    "web:status": Rule("agent", query=lambda w: "type=new", lists_ticket=True),
    # Tickets the agent may not see are reported as not found, refusals per ticket.
    "web:bulk": Rule(
        "agent",
        method="post",
        data=lambda w: {"ticket": [w.ticket.pk], "action": "priority", "priority": "1"},
    ),
    "web:notifications": Rule("agent"),
    "web:notifications-read": Rule("agent", method="post"),
    "web:preferences": Rule("agent"),
    "web:skin": Rule("agent", method="post", data=lambda w: {"next": "/"}),
    "web:menu-order": Rule("agent", method="post", data=lambda w: {"order": ["search"]}),
    "web:ticket": Rule("ro", _ticket),
    "web:ticket-answer": Rule(
        "rw",
        _ticket,
        method="post",
        data=lambda w: {
            "to": "max@example.org",
            "text": "Hello",
            "changed": Ticket.objects.get(pk=w.ticket.pk).changed.isoformat(),
        },
    ),
    "web:ticket-print": Rule("ro", _ticket),
    "web:attachment": Rule("ro", lambda w: {"number": w.ticket.number, "pk": w.attachment}),
    "web:article-mark": Rule("ro", _article, method="post"),
    "web:article-raw": Rule("ro", _article),
    "web:article-eml": Rule("ro", _article),
    "web:article-print": Rule("ro", _article),
    "actions:history": Rule("ro", _ticket),
    "actions:simple": Rule("ro", _dialog("watch"), method="post"),
    "actions:undo": Rule("ro", _ticket, method="post"),
    "actions:dialog": Rule("note", _dialog("note")),
    "actions:open": Rule("rw", _dialog("close"), method="post"),
    "actions:article-pick": Rule(
        "rw", _ticket, method="post", data=lambda w: {"action": "reply", "article": "1"}
    ),
    "actions:article-dialog": Rule("rw", _dialog("reply", article=True)),
    "actions:article-open": Rule("rw", _dialog("forward", article=True), method="post"),
    "search:search": Rule(
        "agent", query=lambda w: f"run=1&attrs=number&number={w.ticket.number}", lists_ticket=True
    ),
    "search:export-csv": Rule(
        "agent", query=lambda w: f"attrs=number&number={w.ticket.number}", lists_ticket=True
    ),
    "search:export-xlsx": Rule("agent", query=lambda w: f"attrs=number&number={w.ticket.number}"),
    "search:template-save": Rule(
        "agent", method="post", data=lambda w: {"name": "mine", "query": "number=1"}
    ),
    "search:template-delete": Rule("agent", lambda w: {"pk": w.template}, method="post"),
}


# The dialogs behind ``actions:dialog`` and ``actions:article-dialog`` by name: the
# permission each needs on the ticket's queue (priority and owner, which neither ro nor
# note include, count as rw here). A dialog without a rule fails
# ``test_every_dialog_has_a_rule``.
DIALOG_NEEDS: dict[str, str] = {
    "note": "note",
    "phone-outbound": "note",
    "phone-inbound": "note",
    "pending": "rw",
    "close": "rw",
    "spam": "rw",
    "move": "rw",
    "priority": "rw",
    "owner": "rw",
    "responsible": "rw",
    "customer": "rw",
    "title": "rw",
    "type": "rw",
    "service": "rw",
    "sla": "rw",
    "link": "rw",
    "unlink": "rw",
    "merge": "rw",
    "master-slave": "rw",
    "free-fields": "rw",
    "reply": "rw",
    "reply-all": "rw",
    "forward": "rw",
    "bounce": "rw",
    "split": "ro",
}


def _agent_patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(qualified name, route) of every named URL pattern outside ``OTHER_AREAS``."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in OTHER_AREAS or str(entry.pattern).startswith(OTHER_AREAS):
                continue
            yield from _agent_patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield name, str(entry.pattern)


def test_every_agent_url_has_a_rule() -> None:
    names = {name for name, _route in _agent_patterns()}
    assert names, "no URL patterns found"
    missing = sorted(names - set(RULES))
    assert not missing, f"URL patterns without a permission rule: {missing}"
    stale = sorted(set(RULES) - names)
    assert not stale, f"rules for URL patterns that no longer exist: {stale}"


@pytest.fixture
def matrix_queue(db: None) -> Queue:
    group, _created = provisioning.add_group("matrix")
    queue = ensure_queue("Matrix", group=group)
    address = SystemAddress.objects.create(email="matrix@helpdesk.example.org", queue=queue)
    queue.system_address = address
    queue.save()
    return queue


def _world(queue: Queue, level: str) -> World:
    result = ingest_message(
        mail(
            to="matrix@helpdesk.example.org",
            attachments=[("report.pdf", "application/pdf", b"%PDF-1.4 test")],
        ),
        queue_name=queue.full_name,
    )
    assert result.result == "new", result
    ticket = Ticket.objects.get(number=result.ticket)
    agent = User.objects.create_user("matrix-agent", email="m@example.org", password="x" * 12)
    group = Group.objects.get(name="matrix")
    # As in practice, the note agent also reads (a note grant alone shows no ticket).
    for permission in {"none": [], "ro": ["ro"], "note": ["ro", "note"], "rw": ["rw"]}[level]:
        provisioning.grant(group, permission, agent=agent)
    attachment = ticket.articles.get(number=1).attachments.get(filename="report.pdf")
    template = SearchTemplate.objects.create(agent=agent, name="t", options={})
    return World(ticket=ticket, agent=agent, attachment=attachment.pk, template=template.pk)


def _allowed(need: str, level: str) -> bool:
    if need in ("public", "agent"):
        return True
    order = {"none": 0, "ro": 1, "note": 2, "rw": 3}
    required = {"ro": 1, "note": 2, "rw": 3}[need]
    return order[level] >= required


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name", sorted(RULES))
def test_access(name: str, level: str, matrix_queue: Queue) -> None:
    rule = RULES[name]
    world = _world(matrix_queue, level)
    client = Client()
    client.force_login(world.agent)
    url = reverse(name, kwargs=rule.kwargs(world))
    query = rule.query(world)
    if query:
        url += "?" + query
    response = client.post(url, rule.data(world)) if rule.method == "post" else client.get(url)
    if _allowed(rule.need, level):
        assert response.status_code < 400, (name, level, response.status_code)
    elif level == "none":
        # Without ro the ticket does not exist for the agent.
        assert response.status_code == 404, (name, level, response.status_code)
    else:
        assert response.status_code == 403, (name, level, response.status_code)
    if rule.lists_ticket:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        # An HTML page links the ticket; an export names it (the search form echoes the
        # number typed, so the bare number proves nothing on a page).
        html = response.get("Content-Type", "").startswith("text/html")
        marker = f"/ticket/{world.ticket.number}/" if html else world.ticket.number
        shown = marker.encode() in body
        assert shown == (level != "none"), (name, level, shown)


def test_every_dialog_has_a_rule() -> None:
    from sportello.web.dialogs import DIALOGS

    assert sorted(DIALOGS) == sorted(DIALOG_NEEDS)


@pytest.mark.parametrize("level", LEVELS)
def test_dialog_access(level: str, matrix_queue: Queue) -> None:
    from sportello.web.dialogs import DIALOGS

    world = _world(matrix_queue, level)
    client = Client()
    client.force_login(world.agent)
    for name, need in DIALOG_NEEDS.items():
        article = DIALOGS[name].article
        url = reverse(
            "actions:article-dialog" if article else "actions:dialog",
            kwargs=_dialog(name, article=article)(world),
        )
        status = client.get(url).status_code
        if _allowed(need, level):
            assert status == 200, (name, level, status)
        else:
            assert status == (404 if level == "none" else 403), (name, level, status)


@pytest.mark.django_db
def test_logged_out_visitors_reach_only_the_login() -> None:
    client = Client()
    for name, rule in RULES.items():
        if rule.need == "public":
            continue
        url = reverse(name, kwargs=_placeholder_kwargs(name))
        response = client.post(url) if rule.method == "post" else client.get(url)
        assert response.status_code == 302, (name, response.status_code)
        assert "/login/" in response["Location"], (name, response["Location"])


def _placeholder_kwargs(name: str) -> dict[str, Any]:
    routes = dict(_agent_patterns())
    route = routes[name]
    values: dict[str, Any] = {}
    for part in route.split("<")[1:]:
        converter_name = part.split(">", 1)[0]
        converter, _sep, key = converter_name.rpartition(":")
        values[key] = 1 if converter == "int" else ("note" if converter == "slug" else "1")
    return values
