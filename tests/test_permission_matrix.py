"""Every URL of the agent interface, for an agent with no grant, ro, note and rw on the
ticket's queue: who gets in, who is refused (403), for whom the ticket does not exist
(404). A URL pattern without a rule here fails ``test_every_agent_url_has_a_rule``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.api import tokens
from sportello.mail.ingest import ingest_message
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.search.models import SearchTemplate
from sportello.tickets.models import Ticket
from tests.mail.messages import mail

# Namespaces that are not the agent interface; they have their own access tests
# (tests/portal for customers, tests/test_admin.py for the admin site, the API's matrix
# at the end of this file).
OTHER_AREAS = ("admin", "portal", "i18n", "set_language", "api", "faq")

LEVELS = ("none", "ro", "note", "rw")


@dataclass
class World:
    ticket: Ticket
    agent: User
    attachment: int
    template: int
    token: int


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
    "web:api-tokens": Rule("agent", method="post", data=lambda w: {"name": "ci", "scope": "read"}),
    "web:api-token-revoke": Rule("agent", lambda w: {"pk": w.token}, method="post"),
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
    missing = sorted(names - set(RULES) - set(FAQ_RULES))
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
    token = tokens.create_token(agent, name="matrix").token
    return World(
        ticket=ticket,
        agent=agent,
        attachment=attachment.pk,
        template=template.pk,
        token=token.pk,
    )


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


# ---------------------------------------------------------------------------------------
# The REST API (/api/v1/): every route (method and path, from ninja's routers and the
# URLconf), called without a token and with a token of an agent with no grant, ro,
# ro+note and rw. Reads use a read token, writes a write token; a read token never
# writes. A route without a rule fails ``test_every_api_route_has_a_rule``.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiRule:
    # As ``Rule.need``; "public" routes need no token.
    need: str
    path: Callable[[World], str]
    body: Callable[[World], Any] = lambda w: None
    # The route acts on the matrix ticket: an agent who may not read it gets 404.
    about_ticket: bool = True
    # Text in the answer exactly when the agent reads the matrix queue.
    lists: Callable[[World], str] | None = None
    # The same answer for everybody (ninja's root only names the docs, with a 404).
    status: int | None = None


def _api_ticket(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/tickets/{w.ticket.number}{suffix}"


API_RULES: dict[str, ApiRule] = {
    "GET /": ApiRule("public", lambda w: "/", about_ticket=False, status=404),
    "GET /openapi.json": ApiRule("public", lambda w: "/openapi.json", about_ticket=False),
    "GET /docs": ApiRule("public", lambda w: "/docs", about_ticket=False),
    "GET /tickets": ApiRule(
        "agent",
        lambda w: f"/tickets?number={w.ticket.number}",
        about_ticket=False,
        lists=lambda w: w.ticket.number,
    ),
    "POST /tickets": ApiRule(
        "rw",
        lambda w: "/tickets",
        body=lambda w: {"title": "New", "queue": "Matrix", "article": {"body": "b"}},
        about_ticket=False,
    ),
    "GET /tickets/{number}": ApiRule("ro", _api_ticket()),
    "PATCH /tickets/{number}": ApiRule("rw", _api_ticket(), body=lambda w: {"priority": "4 high"}),
    "POST /tickets/{number}/articles": ApiRule(
        "note", _api_ticket("/articles"), body=lambda w: {"body": "a note"}
    ),
    "POST /tickets/{number}/lock": ApiRule("rw", _api_ticket("/lock")),
    "POST /tickets/{number}/unlock": ApiRule("rw", _api_ticket("/unlock")),
    "GET /tickets/{number}/attachments/{attachment_id}": ApiRule(
        "ro", lambda w: f"/tickets/{w.ticket.number}/attachments/{w.attachment}"
    ),
    "GET /queues": ApiRule(
        "agent", lambda w: "/queues", about_ticket=False, lists=lambda w: "Matrix"
    ),
    "GET /states": ApiRule("agent", lambda w: "/states", about_ticket=False),
    "GET /priorities": ApiRule("agent", lambda w: "/priorities", about_ticket=False),
    "GET /types": ApiRule("agent", lambda w: "/types", about_ticket=False),
    # FAQ reads: the article is in a category of the matrix group (no grant: 404).
    "GET /faq": ApiRule(
        "agent",
        lambda w: f"/faq?q=matrixfaq&n={_api_faq(w)}",
        about_ticket=False,
        lists=lambda w: "Matrixfaq api",
    ),
    "GET /faq/categories": ApiRule(
        "agent",
        lambda w: f"/faq/categories?n={_api_faq(w)}",
        about_ticket=False,
        lists=lambda w: "Matrix FAQ",
    ),
    "GET /faq/{number}": ApiRule("ro", lambda w: f"/faq/{_api_faq(w)}"),
}


def _api_faq(w: World) -> int:
    """The number of an internal FAQ article in a category of the matrix group (made on
    first use)."""
    from sportello.core.actor import Actor
    from sportello.kb import actions as kb_actions
    from sportello.kb.models import FaqItem

    found = FaqItem.objects.filter(title="Matrixfaq api").first()
    if found is not None:
        return found.number
    category = kb_actions.ensure_category_path("Matrix FAQ")
    category.groups.set([Group.objects.get(name="matrix")])
    data = kb_actions.ItemInput(title="Matrixfaq api", category=category, solution="matrixfaq")
    return kb_actions.create_item(data, actor=Actor.system(channel="cli")).number


def _api_routes() -> set[str]:
    """ "METHOD /path" of every operation of the API, and GET for the URL patterns of its
    namespace that are no operation (OpenAPI document, docs, root)."""
    from sportello.api.v1 import api

    routes: set[str] = set()
    operations: set[str] = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                operations.add(operation.view_func.__name__)
                routes.update(f"{method} {prefix}{path}" for method in operation.methods)
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api":
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name not in operations:
                    routes.add(f"GET /{pattern.pattern}")
    return routes


def test_every_api_route_has_a_rule() -> None:
    routes = _api_routes()
    assert "GET /tickets/{number}" in routes, routes
    missing = sorted(routes - set(API_RULES))
    assert not missing, f"API routes without a permission rule: {missing}"
    stale = sorted(set(API_RULES) - routes)
    assert not stale, f"rules for API routes that no longer exist: {stale}"


def _api_call(route: str, world: World, secret: str) -> Any:
    rule = API_RULES[route]
    method = route.split(" ", 1)[0].lower()
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    body = rule.body(world)
    return getattr(Client(), method)(
        "/api/v1" + rule.path(world),
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers,
        secure=True,
    )


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("route", sorted(API_RULES))
def test_api_access(route: str, level: str, matrix_queue: Queue) -> None:

    rule = API_RULES[route]
    world = _world(matrix_queue, level)
    writes = not route.startswith("GET ")
    secret = tokens.create_token(world.agent, name="m", scope="write" if writes else "read").secret
    response = _api_call(route, world, secret)
    status = response.status_code
    if rule.status:
        assert status == rule.status, (route, level, status)
    elif _allowed(rule.need, level):
        assert status < 400, (route, level, status, response.content[:300])
    elif level == "none" and rule.about_ticket:
        assert status == 404, (route, level, status)
    else:
        assert status == 403, (route, level, status)
    if rule.lists:
        shown = rule.lists(world).encode() in response.content
        assert shown == (level != "none"), (route, level, shown)


@pytest.mark.parametrize("route", sorted(API_RULES))
def test_api_without_token_or_with_a_read_token_for_writes(route: str, matrix_queue: Queue) -> None:

    rule = API_RULES[route]
    world = _world(matrix_queue, "rw")
    anonymous = _api_call(route, world, "")
    if rule.need == "public":
        expected = rule.status or 200
        assert anonymous.status_code == expected, (route, anonymous.status_code)
        return
    assert anonymous.status_code == 401, (route, anonymous.status_code)
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    if not route.startswith("GET "):
        secret = tokens.create_token(world.agent, name="r", scope="read").secret
        refused = _api_call(route, world, secret)
        assert refused.status_code == 403, (route, refused.status_code)
        assert refused.json()["error"]["code"] == "scope"


# ---------------------------------------------------------------------------------------
# The FAQ. Agent pages: an agent with no grant, ro, ro+note or rw on the group of the
# article's category (no grant: the article does not exist, 404). Customer and public
# pages: each URL for an internal, an external and a public article, anonymous and as
# a logged-in customer; what they may not read does not exist (404), a portal page
# without login sends to the login. A FAQ URL without a rule fails
# ``test_every_faq_url_has_a_rule``.
# ---------------------------------------------------------------------------------------


@dataclass
class FaqWorld:
    base: World
    item: Any
    attachment: int


def _faq_world(queue: Queue, level: str, visibility: str = "internal") -> FaqWorld:
    from sportello.core.actor import Actor
    from sportello.kb import actions as kb_actions
    from sportello.tickets.articles import AttachmentInput

    base = _world(queue, level)
    category = kb_actions.ensure_category_path("Matrix FAQ")
    category.groups.set([Group.objects.get(name="matrix")])
    item = kb_actions.create_item(
        kb_actions.ItemInput(
            title="Matrixfaq article",
            category=category,
            visibility=visibility,
            solution="<p>matrixfaq</p>",
            attachments=[AttachmentInput("shot.png", "image/png", b"\x89PNG", "shot.png", True)],
        ),
        actor=Actor.system(channel="cli"),
    )
    return FaqWorld(base=base, item=item, attachment=item.attachments.get().pk)


def _faq(w: FaqWorld) -> dict[str, Any]:
    return {"number": w.item.number}


@dataclass(frozen=True)
class FaqRule:
    # "agent": any agent (``lists``: the article shows for readers only); "ro" / "rw":
    # the permission on the category's group; "write": rw on some category (403
    # without); "approver": the approval group only (no agent of the matrix has it).
    need: str
    kwargs: Callable[[FaqWorld], dict[str, Any]] = lambda w: {}
    method: str = "get"
    data: Callable[[FaqWorld], dict[str, Any]] = lambda w: {}
    query: str = ""
    lists: bool = False


FAQ_RULES: dict[str, FaqRule] = {
    "web:faq-explorer": FaqRule("agent", lists=True),
    "web:faq-search": FaqRule("agent", query="q=matrixfaq", lists=True),
    "web:faq-picker": FaqRule("agent", query="q=matrixfaq", lists=True),
    "web:faq-journal": FaqRule("agent", lists=True),
    "web:faq-approval": FaqRule("agent"),
    "web:faq-create": FaqRule("write"),
    "web:faq-zoom": FaqRule("ro", _faq),
    "web:faq-print": FaqRule("ro", _faq),
    "web:faq-pdf": FaqRule("ro", _faq),
    "web:faq-attachment": FaqRule("ro", lambda w: {"number": w.item.number, "pk": w.attachment}),
    "web:faq-rate": FaqRule("ro", _faq, method="post", data=lambda w: {"rating": "3"}),
    "web:faq-edit": FaqRule("rw", _faq),
    "web:faq-duplicate": FaqRule("rw", _faq, method="post"),
    "web:faq-attachment-delete": FaqRule(
        "rw", lambda w: {"number": w.item.number, "pk": w.attachment}, method="post"
    ),
    # Linking needs rw on the ticket too (the ticket is in the matrix queue).
    "web:faq-link": FaqRule(
        "rw", _faq, method="post", data=lambda w: {"ticket": w.base.ticket.number}
    ),
    "web:faq-approve": FaqRule("approver", _faq, method="post"),
    "web:ticket-faq": FaqRule("ro", lambda w: {"number": w.base.ticket.number}),
}


def test_every_faq_url_has_a_rule() -> None:
    names = {name for name, _route in _agent_patterns() if "faq" in name}
    assert names <= set(FAQ_RULES), sorted(names - set(FAQ_RULES))
    assert set(FAQ_RULES) <= names, sorted(set(FAQ_RULES) - names)
    public = {name for name, _route in _faq_public_patterns()}
    assert public == set(PUBLIC_FAQ_RULES), sorted(public ^ set(PUBLIC_FAQ_RULES))


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name", sorted(FAQ_RULES))
def test_faq_access(name: str, level: str, matrix_queue: Queue) -> None:
    rule = FAQ_RULES[name]
    world = _faq_world(matrix_queue, level)
    client = Client()
    client.force_login(world.base.agent)
    url = reverse(name, kwargs=rule.kwargs(world)) + (f"?{rule.query}" if rule.query else "")
    response = client.post(url, rule.data(world)) if rule.method == "post" else client.get(url)
    status = response.status_code
    if rule.need == "agent":
        assert status == 200, (name, level, status)
    elif rule.need == "write":
        assert status == (200 if level == "rw" else 403), (name, level, status)
    elif level == "none":
        assert status == 404, (name, level, status)
    elif rule.need == "ro" or (rule.need == "rw" and level == "rw"):
        assert status < 400, (name, level, status)
    else:
        assert status == 403, (name, level, status)
    if rule.lists:
        shown = f"FAQ#{world.item.number}" in response.content.decode() or (
            f'data-faq="{world.item.number}"' in response.content.decode()
        )
        assert shown == (level != "none"), (name, level, shown)


@pytest.mark.django_db
def test_logged_out_visitors_reach_no_agent_faq_page() -> None:
    client = Client()
    routes = dict(_agent_patterns())
    for name, rule in FAQ_RULES.items():
        kwargs = {
            key: 1 if key in ("number", "pk") and "ticket" not in routes[name] else "1"
            for key in ("number", "pk")
            if f"{key}>" in routes[name]
        }
        url = reverse(name, kwargs=kwargs)
        response = client.post(url) if rule.method == "post" else client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], name


def _faq_public_patterns() -> Iterator[tuple[str, str]]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in ("faq", "portal"):
            for pattern in entry.url_patterns:
                name = f"{entry.namespace}:{pattern.name}"
                if entry.namespace == "faq" or "faq" in name or "suggestions" in name:
                    yield name, str(pattern.pattern)


@dataclass(frozen=True)
class PublicFaqRule:
    # "public": /faq/ (public articles); "portal": logged-in customers (external and
    # public articles). ``lists``: a page of many articles (200 for all, the article
    # shown only to who may read it).
    area: str
    kwargs: Callable[[FaqWorld], dict[str, Any]] = lambda w: {}
    method: str = "get"
    data: Callable[[FaqWorld], dict[str, Any]] = lambda w: {}
    query: str = ""
    lists: bool = False


def _slugged(w: FaqWorld) -> dict[str, Any]:
    return {"number": w.item.number, "slug": w.item.slug}


def _with_attachment(w: FaqWorld) -> dict[str, Any]:
    return {"number": w.item.number, "pk": w.attachment}


PUBLIC_FAQ_RULES: dict[str, PublicFaqRule] = {
    "faq:index": PublicFaqRule("public", query="q=matrixfaq", lists=True),
    "faq:feed": PublicFaqRule("public", lists=True),
    "faq:sitemap": PublicFaqRule("public", lists=True),
    "faq:short": PublicFaqRule("public", _faq),
    "faq:article": PublicFaqRule("public", _slugged),
    "faq:rate": PublicFaqRule("public", _faq, method="post", data=lambda w: {"rating": "2"}),
    "faq:attachment": PublicFaqRule("public", _with_attachment),
    "portal:faq": PublicFaqRule("portal", query="q=matrixfaq", lists=True),
    "portal:faq-article": PublicFaqRule("portal", _faq),
    "portal:faq-rate": PublicFaqRule("portal", _faq, method="post", data=lambda w: {"rating": "2"}),
    "portal:faq-attachment": PublicFaqRule("portal", _with_attachment),
    # Suggestions: customers get external and public articles, everyone else public.
    "portal:form-suggestions": PublicFaqRule(
        "suggest", lambda w: {"slug": "matrix-form"}, query="title=matrixfaq", lists=True
    ),
    # A suggested article opened: recorded for who may be suggested it, 404 otherwise.
    "portal:form-suggestions-opened": PublicFaqRule(
        "suggest",
        lambda w: {"slug": "matrix-form"},
        method="post",
        data=lambda w: {"number": str(w.item.number), "visit": "ab" * 16},
    ),
}


@pytest.mark.parametrize("who", ["anonymous", "customer"])
@pytest.mark.parametrize("visibility", ["internal", "external", "public"])
@pytest.mark.parametrize("name", sorted(PUBLIC_FAQ_RULES))
def test_public_and_portal_faq_access(
    name: str, visibility: str, who: str, matrix_queue: Queue, settings: Any
) -> None:
    from sportello.portal.models import RequestForm
    from sportello.tickets.selectors import ticket_type_by_name
    from tests.portal.conftest import login, make_customer

    rule = PUBLIC_FAQ_RULES[name]
    world = _faq_world(matrix_queue, "none", visibility)
    RequestForm.objects.create(
        name="Matrix", slug="matrix-form", ticket_type=ticket_type_by_name("Unclassified"),
        queue=matrix_queue, allow_anonymous=True,
    )  # fmt: skip
    client = Client()
    if who == "customer":
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        login(client, make_customer("matrix-customer", "mc@example.org"))
    url = reverse(name, kwargs=rule.kwargs(world)) + (f"?{rule.query}" if rule.query else "")
    response = client.post(url, rule.data(world)) if rule.method == "post" else client.get(url)
    status = response.status_code
    customer_reads = visibility in ("external", "public")
    if rule.area == "public":
        readable = visibility == "public"
    elif rule.area == "suggest":
        readable = customer_reads if who == "customer" else visibility == "public"
    else:
        readable = who == "customer" and customer_reads
    if rule.area == "portal" and who == "anonymous":
        assert status == 302 and "/portal/login/" in response["Location"], (name, status)
    elif rule.lists:
        assert status == 200, (name, visibility, who, status)
        shown = f'data-faq="{world.item.number}"' in response.content.decode() or (
            f"/{world.item.number}-" in response.content.decode()
        )
        assert shown == readable, (name, visibility, who, shown)
    elif readable:
        assert status < 400, (name, visibility, who, status)
    else:
        assert status == 404, (name, visibility, who, status)
