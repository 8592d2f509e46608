"""Every URL of the agent interface, for an agent with no grant, ro, note and rw on the
ticket's queue: who gets in, who is refused (403), for whom the ticket does not exist
(404). A URL pattern without a rule here fails ``test_every_agent_url_has_a_rule``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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
# (tests/portal for customers, tests/test_admin.py for the admin site, the API's, the
# GenericInterface's and the FAQ's matrices at the end of this file).
OTHER_AREAS = ("admin", "portal", "i18n", "set_language", "api", "genericinterface", "faq")

LEVELS = ("none", "ro", "note", "rw")


@dataclass
class World:
    ticket: Ticket
    agent: User
    attachment: int
    template: int
    token: int
    statistic: int
    run: int
    schedule: int


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
    # permission on the ticket's queue the URL needs; "operator": a full administrator or
    # the metrics token (sportello.ops.access), refused to every other agent with 403.
    need: str
    kwargs: Kwargs = lambda w: {}
    method: str = "get"
    data: Callable[[World], dict[str, Any]] = lambda w: {}
    query: Callable[[World], str] = lambda w: ""
    # The page lists the ticket: it must appear for readers and only for them.
    lists_ticket: bool = False
    # Asked the way htmx asks (a fragment; the plain request redirects to the page).
    htmx: bool = False


_STATISTIC_FORM = {
    "name": "n",
    "kind": "matrix",
    "x": "queue",
    "granularity": "month",
    "time_field": "created",
    "period": "this_year",
    "chart": "bar",
}

_SCHEDULE_FORM = {
    "frequency": "daily",
    "time": "07:00",
    "weekday": "0",
    "day": "1",
    "time_zone": "Europe/Rome",
    "addresses": "boss@example.org",
    "formats": "xlsx",
}

RULES: dict[str, Rule] = {
    "ops:healthz": Rule("public"),
    "ops:readyz": Rule("public"),
    "ops:metrics": Rule("operator"),
    "web:home": Rule("agent", lists_ticket=True),
    "web:events": Rule("agent"),
    "web:login": Rule("public"),
    # Single sign-on (tests/sso): off here, so both lead back to the log-in page.
    "web:oidc-begin": Rule("public"),
    "web:oidc-callback": Rule("public"),
    "web:oidc-logged-out": Rule("public"),
    "web:saml-begin": Rule("public"),
    "web:saml-acs": Rule("public", method="post"),
    "web:saml-metadata": Rule("public"),
    "web:saml-sls": Rule("public"),
    "web:logout": Rule("public", method="post"),
    "web:password-change": Rule("agent"),
    "web:new-phone-ticket": Rule("agent"),
    "web:new-email-ticket": Rule("agent"),
    "web:customer-search": Rule("agent", query=lambda w: "q=max"),
    "web:dashboard-widget": Rule(
        "agent",
        lambda w: {"name": "tickets"},
        query=lambda w: "tab=all",
        lists_ticket=True,
        htmx=True,
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
    "web:ticket-presence": Rule("ro", _ticket),
    # Announcing a note needs what the note dialog needs (an answer would need rw).
    "web:ticket-presence-announce": Rule(
        "note", _ticket, method="post", data=lambda w: {"activity": "note"}
    ),
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
    # Statistics: the levels are grants on the reporting group (the matrix group here).
    "web:reports": Rule("ro"),
    "web:report-new": Rule(
        "rw",
        method="post",
        data=lambda w: _STATISTIC_FORM,
    ),
    "web:report-preview": Rule(
        "rw",
        method="post",
        data=lambda w: _STATISTIC_FORM,
    ),
    "web:report-run": Rule("ro", lambda w: {"pk": w.statistic}),
    "web:report-edit": Rule("rw", lambda w: {"pk": w.statistic}),
    "web:report-delete": Rule("rw", lambda w: {"pk": w.statistic}, method="post"),
    "web:report-export": Rule("ro", lambda w: {"pk": w.statistic}, query=lambda w: "format=csv"),
    "web:report-status": Rule("ro", lambda w: {"pk": w.statistic, "run": w.run}),
    # Mail schedules are managed with rw only.
    "web:report-schedules": Rule("rw", lambda w: {"pk": w.statistic}),
    "web:report-schedule-new": Rule(
        "rw",
        lambda w: {"pk": w.statistic},
        method="post",
        data=lambda w: _SCHEDULE_FORM,
    ),
    "web:report-schedule-edit": Rule("rw", lambda w: {"pk": w.statistic, "sid": w.schedule}),
    "web:report-schedule-delete": Rule(
        "rw", lambda w: {"pk": w.statistic, "sid": w.schedule}, method="post"
    ),
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


@pytest.fixture(autouse=True)
def _reporting_group_is_the_matrix_group(settings: Any) -> None:
    settings.SPORTELLO_REPORTS_GROUP = "matrix"


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
    statistic, run, schedule = _statistic(agent)
    return World(
        ticket=ticket,
        agent=agent,
        attachment=attachment.pk,
        template=template.pk,
        token=token.pk,
        statistic=statistic,
        run=run,
        schedule=schedule,
    )


def _statistic(agent: User) -> tuple[int, int, int]:
    """A matrix statistic, a finished run of it by ``agent`` and a mail schedule."""
    import datetime

    from sportello.reports.models import ReportSchedule, RunStatus, Statistic, StatisticRun

    system = User.objects.get(is_system=True)
    statistic = Statistic.objects.create(
        name="Per queue", kind="matrix", config={"x": {"attribute": "queue"}},
        created_by=system, changed_by=system,
    )  # fmt: skip
    run = StatisticRun.objects.create(
        statistic=statistic, key="k", definition_changed=statistic.changed, agent=agent,
        status=RunStatus.DONE, result=None,
    )  # fmt: skip
    schedule = ReportSchedule.objects.create(
        statistic=statistic, frequency="daily", time=datetime.time(7), run_as=system,
        addresses=["boss@example.org"], formats=["xlsx"],
    )  # fmt: skip
    return statistic.pk, run.pk, schedule.pk


def _allowed(need: str, level: str) -> bool:
    if need == "operator":
        return False
    if need in ("public", "agent"):
        return True
    if need in ("admin", "customer"):  # full administrators; customer tokens only
        return False
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
    headers = {"HTTP_HX_REQUEST": "true"} if rule.htmx else {}
    response = (
        client.post(url, rule.data(world), **headers)
        if rule.method == "post"
        else client.get(url, **headers)
    )
    if _allowed(rule.need, level):
        assert response.status_code < 400, (name, level, response.status_code)
    elif rule.need == "operator":
        assert response.status_code == 403, (name, level, response.status_code)
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
        if rule.need == "operator":
            assert response.status_code == 403, (name, response.status_code)
            continue
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
    # The body goes as multipart/form-data: its JSON in ``data`` and one file part.
    multipart: bool = False


def _api_ticket(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/tickets/{w.ticket.number}{suffix}"


def _second(w: World) -> str:
    """Another ticket in the matrix queue (for merge, links, master/slave)."""
    from sportello.core.actor import Actor
    from sportello.tickets import actions

    found = Ticket.objects.filter(queue=w.ticket.queue).exclude(pk=w.ticket.pk).first()
    if found is None:
        found = actions.create_ticket(title="Second", queue=w.ticket.queue, actor=Actor.system())
    return found.number


def _linked(w: World) -> str:
    from sportello.core.actor import Actor
    from sportello.tickets import actions

    other = Ticket.objects.get(number=_second(w))
    actions.link(w.ticket, other, actor=Actor.system())
    return f"/tickets/{w.ticket.number}/links/{other.number}"


def _number(w: World) -> str:
    return w.ticket.number


def _customer_ticket(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/customer/tickets/{w.ticket.number}{suffix}"


def _request(w: World) -> dict[str, str]:
    from sportello.portal.models import RequestForm
    from sportello.tickets.selectors import ticket_type_by_name

    RequestForm.objects.get_or_create(
        slug="matrix",
        defaults={
            "name": "M",
            "queue": w.ticket.queue,
            "ticket_type": ticket_type_by_name("Incident"),
        },
    )
    return {"form": "matrix", "title": "New", "body": "b"}


def _spam(w: World) -> str:
    # Marking as spam moves into Junk and closes there: the agent may, whatever their level.
    junk = Queue.objects.get(full_name="Junk")
    provisioning.grant(junk.group, "rw", agent=w.agent)
    return f"/tickets/{w.ticket.number}/spam"


def _customer(w: World) -> str:
    from sportello.customers.models import CustomerUser

    CustomerUser.objects.get_or_create(login="matrix-customer", email="mc@example.org")
    return "/customers/matrix-customer"


API_RULES: dict[str, ApiRule] = {
    "GET /": ApiRule("public", lambda w: "/", about_ticket=False, status=404),
    # Every other path: the error envelope's 404, for everybody.
    "GET /^(?P<rest>.*)$": ApiRule(
        "public", lambda w: "/no/such/route", about_ticket=False, status=404
    ),
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
    "POST /tickets/{number}/articles/multipart": ApiRule(
        "note", _api_ticket("/articles/multipart"), body=lambda w: {"body": "n"}, multipart=True
    ),
    "POST /tickets/multipart": ApiRule(
        "rw",
        lambda w: "/tickets/multipart",
        body=lambda w: {"title": "New", "queue": "Matrix", "article": {"body": "b"}},
        about_ticket=False,
        multipart=True,
    ),
    "POST /tickets/{number}/lock": ApiRule("rw", _api_ticket("/lock")),
    "POST /tickets/{number}/unlock": ApiRule("rw", _api_ticket("/unlock")),
    "GET /tickets/{number}/attachments/{attachment_id}": ApiRule(
        "ro", lambda w: f"/tickets/{w.ticket.number}/attachments/{w.attachment}"
    ),
    "POST /tickets/{number}/close": ApiRule(
        "rw", _api_ticket("/close"), body=lambda w: {"body": "done"}
    ),
    "POST /tickets/{number}/pending": ApiRule(
        "rw", _api_ticket("/pending"), body=lambda w: {"until": "2099-01-01T09:00:00Z"}
    ),
    "POST /tickets/{number}/spam": ApiRule("rw", _spam),
    "POST /tickets/{number}/move": ApiRule(
        "rw", _api_ticket("/move"), body=lambda w: {"queue": "Matrix", "body": "moved"}
    ),
    "POST /tickets/{number}/merge": ApiRule(
        "rw", _api_ticket("/merge"), body=lambda w: {"into": _second(w)}
    ),
    "POST /tickets/{number}/split": ApiRule(
        "rw",
        _api_ticket("/split"),
        body=lambda w: {"article": 1, "title": "Part", "queue": "Matrix"},
    ),
    "POST /tickets/{number}/links": ApiRule(
        "rw", _api_ticket("/links"), body=lambda w: {"number": _second(w)}
    ),
    "DELETE /tickets/{number}/links/{other}": ApiRule("rw", _linked),
    "PUT /tickets/{number}/master-slave": ApiRule(
        "rw", _api_ticket("/master-slave"), body=lambda w: {"role": "master"}
    ),
    "POST /tickets/{number}/watch": ApiRule("ro", _api_ticket("/watch")),
    "DELETE /tickets/{number}/watch": ApiRule("ro", _api_ticket("/watch")),
    "PUT /tickets/{number}/dynamic-fields": ApiRule(
        "rw", _api_ticket("/dynamic-fields"), body=lambda w: {"values": {}}
    ),
    "GET /dynamic-fields": ApiRule("agent", lambda w: "/dynamic-fields", about_ticket=False),
    "GET /agents": ApiRule("agent", lambda w: "/agents", about_ticket=False),
    "GET /agents/{login}": ApiRule("agent", lambda w: "/agents/matrix-agent", about_ticket=False),
    "GET /customers": ApiRule("agent", lambda w: "/customers", about_ticket=False),
    "GET /customers/{login}": ApiRule("agent", _customer, about_ticket=False),
    "PUT /customers/{login}": ApiRule(
        "admin",
        lambda w: "/customers/matrix-customer",
        body=lambda w: {"login": "matrix-customer", "email": "mc@example.org"},
        about_ticket=False,
    ),
    "GET /customer-companies": ApiRule(
        "agent", lambda w: "/customer-companies", about_ticket=False
    ),
    "GET /customer-companies/{customer_id}": ApiRule(
        "agent", lambda w: "/customer-companies/ACME", about_ticket=False, status=404
    ),
    # The customer routes: for customer tokens only (customer A owns the matrix ticket).
    "GET /customer/tickets": ApiRule(
        "customer", lambda w: "/customer/tickets", about_ticket=False, lists=_number
    ),
    "GET /customer/tickets/{number}": ApiRule("customer", _customer_ticket()),
    "POST /customer/tickets": ApiRule(
        "customer", lambda w: "/customer/tickets", body=_request, about_ticket=False
    ),
    "POST /customer/tickets/{number}/articles": ApiRule(
        "customer", _customer_ticket("/articles"), body=lambda w: {"body": "more"}
    ),
    "GET /customer/tickets/{number}/attachments/{attachment_id}": ApiRule(
        "customer", lambda w: f"/customer/tickets/{w.ticket.number}/attachments/{w.attachment}"
    ),
    "GET /customer/forms": ApiRule("customer", lambda w: "/customer/forms", about_ticket=False),
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
    if rule.multipart:
        upload = SimpleUploadedFile("matrix.txt", b"m", "text/plain")
        return Client().post(
            "/api/v1" + rule.path(world),
            {"data": json.dumps(body), "files": [upload]},
            headers=headers,
            secure=True,
        )
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
    elif level == "none" and rule.about_ticket and rule.need != "customer":
        assert status == 404, (route, level, status)
    else:  # customer routes refuse every agent token alike
        assert status == 403, (route, level, status)
    if rule.lists and rule.need != "customer":
        shown = rule.lists(world).encode() in response.content
        assert shown == (level != "none"), (route, level, shown)


@pytest.mark.parametrize("route", sorted(API_RULES))
def test_api_customer_a_and_b(route: str, matrix_queue: Queue) -> None:
    """Customer A owns the matrix ticket, customer B does not: the customer routes show A
    the ticket and B nothing (404 for it); every other route refuses customer tokens."""
    from sportello.customers.models import CustomerUser

    rule = API_RULES[route]
    world = _world(matrix_queue, "none")
    owner = CustomerUser.objects.create(login="customer-a", email="max@example.org")
    stranger = CustomerUser.objects.create(login="customer-b", email="b@example.org")
    for customer in (owner, stranger):
        secret = tokens.create_customer_token(customer, name="c").secret
        response = _api_call(route, world, secret)
        status = response.status_code
        if rule.need == "public":
            assert status == (rule.status or 200), (route, status)
        elif rule.need != "customer":
            assert status == 403, (route, customer.login, status)
            assert response.json()["error"]["code"] == "scope"
        elif customer == owner or not rule.about_ticket:
            assert status < 400, (route, customer.login, status, response.content[:300])
        else:
            assert status == 404, (route, customer.login, status)
        if rule.lists and rule.need == "customer":
            shown = rule.lists(world).encode() in response.content
            assert shown == (customer == owner), (route, customer.login, shown)


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


# -- the operator's endpoints (sportello.ops.access) -------------------------------------


@pytest.mark.django_db
def test_metrics_for_a_full_administrator_or_the_token_only(settings: Any) -> None:
    settings.SPORTELLO_METRICS_TOKEN = "scrape-secret-0123456789"
    url = reverse("ops:metrics")
    admin = User.objects.create_superuser("ops-admin", "ops@example.org", "x" * 12)
    client = Client()
    client.force_login(admin)
    assert client.get(url).status_code == 200
    anonymous = Client()
    assert anonymous.get(url).status_code == 403
    assert anonymous.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert (
        anonymous.get(url, HTTP_AUTHORIZATION="Basic scrape-secret-0123456789").status_code == 403
    )
    allowed = anonymous.get(url, HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")
    assert allowed.status_code == 200
    assert b"sportello_outbox_depth" in allowed.content
    # Without a configured token no bearer value opens it.
    settings.SPORTELLO_METRICS_TOKEN = ""
    assert anonymous.get(url, HTTP_AUTHORIZATION="Bearer ").status_code == 403


@pytest.mark.django_db
def test_operator_address_allow_list(settings: Any) -> None:
    settings.SPORTELLO_METRICS_TOKEN = "scrape-secret-0123456789"
    settings.SPORTELLO_OPERATOR_ALLOWED_IPS = ["10.1.0.0/16", "127.0.0.2"]
    url = reverse("ops:metrics")
    auth = {"HTTP_AUTHORIZATION": "Bearer scrape-secret-0123456789"}
    client = Client()
    assert client.get(url, REMOTE_ADDR="10.1.2.3", **auth).status_code == 200
    assert client.get(url, REMOTE_ADDR="127.0.0.2", **auth).status_code == 200
    assert client.get(url, REMOTE_ADDR="10.2.0.1", **auth).status_code == 403
    assert client.get(url, REMOTE_ADDR="not-an-address", **auth).status_code == 403
    admin = User.objects.create_superuser("ops-admin", "ops@example.org", "x" * 12)
    client.force_login(admin)
    assert client.get(url, REMOTE_ADDR="192.0.2.1").status_code == 403


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


# ---------------------------------------------------------------------------------------
# The GenericInterface (/otrs/nph-genericinterface.pl/…): every route of the built-in
# connector, called with UserLogin/Password as an agent with no grant, ro, ro+note and
# rw, and as the ticket's customer (A) and another customer (B). A refusal is Znuny's
# HTTP 200 ``{"Error": …}``. A route without a rule fails ``test_every_gi_route_has_a_rule``.
# ---------------------------------------------------------------------------------------

GI_PREFIX = "/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
GI_NOTE = {"Subject": "n", "Body": "a note", "ContentType": "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class GiRule:
    # As ``Rule.need``; "agent": any agent (the answer is narrowed, see ``lists``).
    need: str
    path: Callable[[World], str]
    body: Callable[[World], Any] = lambda w: {}
    # The matrix ticket's id in the answer exactly when the caller may read it.
    lists: bool = False
    # What the ticket's customer (A) may do; another customer (B) never reaches the ticket.
    customer_a: bool = False
    # The route does not concern the matrix ticket (sessions, create): B as A.
    about_ticket: bool = True


def _gi_ticket(suffix: str) -> Callable[[World], str]:
    return lambda w: f"{suffix}/{w.ticket.pk}"


def _gi_new(w: World) -> dict[str, Any]:
    return {
        "Ticket": {"Title": "t", "Queue": "Matrix", "State": "new", "Priority": "3 normal",
                   "CustomerUser": "customer@example.org"},
        "Article": GI_NOTE,
    }  # fmt: skip


GI_RULES: dict[str, GiRule] = {
    "SessionCreate POST /Session": GiRule(
        "agent", lambda w: "/Session", about_ticket=False, customer_a=True
    ),
    "SessionDelete DELETE /Session/:SessionID": GiRule(
        "agent", lambda w: "/Session/unknown", about_ticket=False
    ),
    "SessionGet GET /Session/:SessionID": GiRule(
        "agent", lambda w: "/Session/unknown", about_ticket=False
    ),
    "TicketCreate POST /Ticket": GiRule(
        "rw", lambda w: "/Ticket", _gi_new, about_ticket=False, customer_a=True
    ),
    "TicketGet GET /Ticket/:TicketID": GiRule("ro", _gi_ticket("/Ticket"), customer_a=True),
    "TicketGetList GET /TicketList": GiRule(
        "ro", lambda w: f"/TicketList?TicketID={w.ticket.pk}", customer_a=True
    ),
    "TicketHistoryGet GET /Ticket/History/:TicketID": GiRule("ro", _gi_ticket("/Ticket/History")),
    "TicketHistoryGet GET /TicketHistory/:TicketID": GiRule("ro", _gi_ticket("/TicketHistory")),
    "TicketSearch GET /Ticket": GiRule(
        "agent", lambda w: "/Ticket?Queues=Matrix", lists=True, customer_a=True
    ),
    "TicketSearch POST /Ticket/Search": GiRule(
        "agent",
        lambda w: "/Ticket/Search",
        lambda w: {"Queues": ["Matrix"]},
        lists=True,
        customer_a=True,
    ),
    "TicketUpdate PATCH /Ticket/:TicketID": GiRule(
        "note", _gi_ticket("/Ticket"), lambda w: {"Article": GI_NOTE}, customer_a=True
    ),
}


def test_every_gi_route_has_a_rule() -> None:
    from sportello.api.genericinterface.routes import BUILTIN

    routes = {f"{r.name} {' '.join(r.methods)} {r.template}" for r in BUILTIN}
    assert sorted(routes) == sorted(GI_RULES)
    # Both URL patterns lead to the one dispatcher, which the rules above exercise.
    patterns = {
        pattern.name
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and entry.namespace == "genericinterface"
        for pattern in entry.url_patterns
    }
    assert patterns == {"webservice", "webservice-id"}


def _gi_call(route: str, world: World, credentials: dict[str, str]) -> dict[str, Any]:
    rule = GI_RULES[route]
    method = route.split(" ")[1]
    path = GI_PREFIX + rule.path(world)
    client = Client()
    if method == "GET":
        joiner = "&" if "?" in path else "?"
        response = client.get(path + joiner + urlencode(credentials))
    else:
        body = {**rule.body(world), **credentials}
        response = client.generic(method, path, json.dumps(body), "application/json")
    assert response.status_code == 200, (route, response.status_code, response.content[:300])
    data: dict[str, Any] = response.json()
    return data


def _gi_outcome(route: str, world: World, data: dict[str, Any], allowed: bool) -> None:
    rule = GI_RULES[route]
    if route.startswith("Session") and "/:SessionID" in route:
        # An unknown SessionID is refused alike for everybody.
        assert "Error" in data, (route, data)
    elif rule.lists:
        shown = str(world.ticket.pk) in data.get("TicketID", [])
        assert shown == allowed, (route, data)
    elif allowed:
        assert "Error" not in data, (route, data)
    else:
        assert data["Error"]["ErrorCode"].endswith(".AccessDenied"), (route, data)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("route", sorted(GI_RULES))
def test_gi_access(route: str, level: str, matrix_queue: Queue) -> None:
    world = _world(matrix_queue, level)
    data = _gi_call(route, world, {"UserLogin": world.agent.username, "Password": "x" * 12})
    rule = GI_RULES[route]
    allowed = _allowed(rule.need, level) and not (rule.lists and level == "none")
    _gi_outcome(route, world, data, allowed)


@pytest.mark.parametrize("customer", ["A", "B"])
@pytest.mark.parametrize("route", sorted(GI_RULES))
def test_gi_customer_access(route: str, customer: str, matrix_queue: Queue) -> None:
    from sportello.customers.models import CustomerUser

    world = _world(matrix_queue, "rw")
    email = world.ticket.customer_user_id if customer == "A" else "other@example.org"
    person = CustomerUser(login=f"customer-{customer}", email=email)
    person.set_password("y" * 12)
    person.save()
    if customer == "A":
        Ticket.objects.filter(pk=world.ticket.pk).update(customer_user_id=person.login)
    data = _gi_call(route, world, {"CustomerUserLogin": person.login, "Password": "y" * 12})
    rule = GI_RULES[route]
    allowed = rule.customer_a and (customer == "A" or not rule.about_ticket)
    _gi_outcome(route, world, data, allowed)
