"""The action dialogs over HTTP: every dialog renders, submits through the actions layer
and leaves history; stale submits, locks, permissions and bad input get clear answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.mail.models import StandardTemplate
from sportello.queues.models import Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.models import DynamicField, History, Priority, Ticket, TicketLink
from sportello.tickets.selectors import state_by_name
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


@pytest.fixture
def ticket(queue: Queue, actor: Actor) -> Ticket:
    queue.system_address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue.save()
    return make_ticket(queue, actor, customer_user_id="max@example.org")


def version(ticket: Ticket) -> str:
    return Ticket.objects.get(pk=ticket.pk).changed.isoformat()


def post(client: Client, url: str, ticket: Ticket, **data: Any) -> Any:
    return client.post(url, {"changed": version(ticket), **data})


def last_type(ticket: Ticket) -> str:
    row = History.objects.filter(ticket=ticket).order_by("-id").first()
    return row.type if row else ""


DIALOGS = [
    "note", "phone-outbound", "phone-inbound", "pending", "close", "spam", "move",
    "priority", "owner", "responsible", "customer", "link", "unlink", "merge",
    "master-slave", "free-fields",
]  # fmt: skip
ARTICLE_DIALOGS = ["reply", "reply-all", "forward", "bounce", "split"]


@pytest.mark.parametrize("name", DIALOGS)
def test_every_ticket_dialog_renders(logged_in: Client, ticket: Ticket, name: str) -> None:
    response = logged_in.get(f"/ticket/{ticket.number}/action/{name}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="changed"' in content and "Undo and finish" in content
    assert "<script>" not in content.replace("<script src", "")  # no inline script


@pytest.mark.parametrize("name", ARTICLE_DIALOGS)
def test_every_article_dialog_renders(logged_in: Client, ticket: Ticket, name: str) -> None:
    response = logged_in.get(f"/ticket/{ticket.number}/article/1/action/{name}/")
    assert response.status_code == 200
    assert logged_in.get(f"/ticket/{ticket.number}/article/9/action/{name}/").status_code == 404


def test_unknown_dialog_and_unreadable_ticket_are_404(
    logged_in: Client, ticket: Ticket, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sportello.accounts import permissions

    assert logged_in.get(f"/ticket/{ticket.number}/action/nope/").status_code == 404
    assert logged_in.get("/ticket/123/action/note/").status_code == 404
    monkeypatch.setattr(permissions, "may", lambda user, permission, queue: False)
    for url in ("action/note/", "history/", "article/1/action/reply/"):
        assert logged_in.get(f"/ticket/{ticket.number}/{url}").status_code == 404
    assert (
        post(logged_in, f"/ticket/{ticket.number}/action/note/", ticket, body="x").status_code
        == 404
    )
    assert ticket.articles.count() == 1


def test_login_and_csrf_are_required(client: Client, agent: User, ticket: Ticket) -> None:
    url = f"/ticket/{ticket.number}/action/note/"
    assert client.get(url).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent)
    assert post(strict, url, ticket, body="x").status_code == 403
    assert ticket.articles.count() == 1


def test_note_dialog(logged_in: Client, ticket: Ticket, other_agent: User) -> None:
    response = post(
        logged_in, f"/ticket/{ticket.number}/action/note/", ticket,
        subject="Zwischenstand", body="Router getauscht", notify=[other_agent.pk],
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/ticket/{ticket.number}/"
    note = ticket.articles.get(number=2)
    assert note.body == "Router getauscht" and not note.visible_for_customer
    assert last_type(ticket) == "AddNote"


def test_htmx_submit_redirects_by_header(logged_in: Client, ticket: Ticket) -> None:
    response = logged_in.post(
        f"/ticket/{ticket.number}/action/note/",
        {"changed": version(ticket), "body": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204 and response["HX-Redirect"] == f"/ticket/{ticket.number}/"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("phone-outbound", {"body": "angerufen"}, "PhoneCallAgent"),
        ("phone-inbound", {"body": "rief an"}, "PhoneCallCustomer"),
        ("close", {"state": "closed successful", "body": "gelöst"}, "Unlock"),
        ("spam", {}, "Unlock"),
        ("priority", {"priority": "5 very high"}, "PriorityUpdate"),
        ("responsible", {"responsible": "agent2"}, "ResponsibleUpdate"),
        ("owner", {"owner": "agent2"}, "Lock"),
        ("customer", {"customer_user_id": "eva@example.org"}, "CustomerUpdate"),
        ("master-slave", {"role": "master"}, "MasterSlave"),
    ],
)
def test_dialogs_submit_through_the_actions(
    logged_in: Client,
    ticket: Ticket,
    other_agent: User,
    name: str,
    data: dict[str, str],
    expected: str,
) -> None:
    from sportello.tickets.models import State

    lookups = {
        "state": lambda v: State.objects.get(name=v).pk,
        "priority": lambda v: Priority.objects.get(name=v).pk,
        "owner": lambda v: User.objects.get(username=v).pk,
        "responsible": lambda v: User.objects.get(username=v).pk,
    }
    values = {k: lookups[k](v) if k in lookups else v for k, v in data.items()}
    response = post(logged_in, f"/ticket/{ticket.number}/action/{name}/", ticket, **values)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert last_type(ticket) == expected


def test_pending_dialog(logged_in: Client, ticket: Ticket) -> None:
    until = timezone.localtime() + timedelta(days=1)
    response = post(
        logged_in, f"/ticket/{ticket.number}/action/pending/", ticket,
        state=state_by_name("pending reminder").pk, pending_until=until.strftime("%Y-%m-%dT%H:%M"),
    )  # fmt: skip
    assert response.status_code == 302
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.state.name == "pending reminder" and fresh.pending_until is not None
    assert last_type(ticket) == "SetPendingTime"
    past = post(
        logged_in, f"/ticket/{ticket.number}/action/pending/", ticket,
        state=state_by_name("pending reminder").pk, pending_until="2020-01-01T10:00",
    )  # fmt: skip
    assert past.status_code == 400 and b"future" in past.content


def test_move_link_unlink_merge_split(
    logged_in: Client, ticket: Ticket, queue: Queue, actor: Actor
) -> None:
    web = ensure_queue("IT::Web", group=queue.group)
    other = make_ticket(queue, actor)
    base = f"/ticket/{ticket.number}"
    assert (
        post(logged_in, f"{base}/action/move/", ticket, queue=web.pk, body="falsch").status_code
        == 302
    )
    assert Ticket.objects.get(pk=ticket.pk).queue == web
    assert (
        post(
            logged_in, f"{base}/action/link/", ticket, number=other.number, type="normal"
        ).status_code
        == 302
    )
    assert TicketLink.objects.count() == 1
    missing = post(logged_in, f"{base}/action/link/", ticket, number="999", type="normal")
    assert missing.status_code == 404 and b"No ticket with number 999" in missing.content
    assert post(logged_in, f"{base}/action/unlink/", ticket, number=other.number).status_code == 302
    assert not TicketLink.objects.exists()
    split = post(
        logged_in,
        f"{base}/article/1/action/split/",
        ticket,
        title="Zweites Problem",
        queue=queue.pk,
    )
    assert split.status_code == 302
    child = Ticket.objects.get(title="Zweites Problem")
    assert split["Location"] == f"/ticket/{child.number}/"
    itself = post(logged_in, f"{base}/action/merge/", ticket, number=ticket.number)
    assert itself.status_code == 400 and b"merged into itself" in itself.content
    merged = post(logged_in, f"{base}/action/merge/", ticket, number=f"Ticket#{other.number}")
    assert merged.status_code == 302 and merged["Location"] == f"/ticket/{other.number}/"
    assert Ticket.objects.get(pk=ticket.pk).state.name == "merged"


def test_stale_submit_is_refused_and_shows_the_change(
    logged_in: Client, ticket: Ticket, other_agent: User
) -> None:
    stale = version(ticket)
    actions.set_priority(ticket, Priority.objects.get(name="4 high"), actor=Actor(user=other_agent))
    response = logged_in.post(
        f"/ticket/{ticket.number}/action/note/", {"changed": stale, "body": "Mein Text"}
    )
    content = response.content.decode()
    assert response.status_code == 409
    assert "was changed by Paolo Verdi" in content and "Priority changed" in content
    assert "Mein Text" in content and version(ticket) in content  # input kept, new version
    assert ticket.articles.count() == 1
    again = logged_in.post(
        f"/ticket/{ticket.number}/action/note/", {"changed": version(ticket), "body": "Mein Text"}
    )
    assert again.status_code == 302 and ticket.articles.count() == 2


def test_locked_by_another_agent_is_explained(
    logged_in: Client, ticket: Ticket, other_agent: User
) -> None:
    actions.lock(ticket, actor=Actor(user=other_agent))
    response = logged_in.post(f"/ticket/{ticket.number}/open/close/", follow=True)
    assert b"locked by Paolo Verdi" in response.content
    refused = post(
        logged_in, f"/ticket/{ticket.number}/action/close/", ticket,
        state=state_by_name("closed successful").pk, body="x",
    )  # fmt: skip
    assert refused.status_code == 409 and b"only the owner" in refused.content
    assert Ticket.objects.get(pk=ticket.pk).state.name == "new"


def test_opening_takes_the_lock_and_undo_releases_it(
    logged_in: Client, ticket: Ticket, agent: User, other_agent: User
) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(owner=other_agent)
    opened = logged_in.post(f"/ticket/{ticket.number}/open/close/")
    assert opened.status_code == 302 and opened["Location"].endswith("?took_lock=1")
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.is_locked and fresh.owner == agent
    page = logged_in.get(opened["Location"])
    assert b'name="took_lock" value="True"' in page.content
    undone = logged_in.post(f"/ticket/{ticket.number}/undo/", {"took_lock": "True"})
    assert undone.status_code == 302
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert not fresh.is_locked and fresh.owner == agent
    assert logged_in.get(f"/ticket/{ticket.number}/open/close/").status_code == 405


def test_simple_actions(logged_in: Client, ticket: Ticket, agent: User) -> None:
    zoom = f"/ticket/{ticket.number}/"
    for name, expected in [
        ("lock", "OwnerUpdate"),
        ("unlock", "Unlock"),
        ("watch", "Subscribe"),
        ("unwatch", "Unsubscribe"),
    ]:
        response = logged_in.post(f"/ticket/{ticket.number}/do/{name}/")
        assert response.status_code == 302
        assert last_type(ticket) in (expected, "Lock")
        if name in ("watch", "unwatch"):  # the menu offers the other one, the sidebar agrees
            page = logged_in.get(zoom).content.decode()
            other = "unwatch" if name == "watch" else "watch"
            assert f'action="/ticket/{ticket.number}/do/{other}/"' in page
            assert f'class="watch-status">{"yes" if name == "watch" else "no"}<' in page
    assert logged_in.post(f"/ticket/{ticket.number}/do/delete/").status_code == 404


def test_reply_dialog_with_template(
    logged_in: Client,
    ticket: Ticket,
    queue: Queue,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    template = StandardTemplate.objects.create(
        name="Neustart", type="answer", text="Bitte starten Sie {{ customer.email }} neu."
    )
    template.queues.add(queue)
    url = f"/ticket/{ticket.number}/article/1/action/reply/"
    page = logged_in.get(url, {"template": template.pk}).content.decode()
    # Filled when inserted: the agent edits, and sends, what the customer will read.
    assert "Bitte starten Sie max@example.org neu." in page and "{{" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            logged_in, url, ticket, to="max@example.org",
            text="Bitte starten Sie max@example.org neu.", template=str(template.pk),
        )  # fmt: skip
    assert response.status_code == 302
    answer = ticket.articles.get(number=2)
    assert "Bitte starten Sie max@example.org neu." in answer.body
    assert "> Das WLAN geht nicht." in answer.body
    assert last_type(ticket) == "StateUpdate"
    assert ticket.history.filter(type="SendAnswer").count() == 1


def test_bad_input_is_a_clear_400(logged_in: Client, ticket: Ticket) -> None:
    base = f"/ticket/{ticket.number}"
    assert logged_in.post(f"{base}/action/note/", {"body": "x"}).status_code == 400
    assert (
        logged_in.post(f"{base}/action/note/", {"changed": "yesterday", "body": "x"}).status_code
        == 400
    )
    assert post(logged_in, f"{base}/action/priority/", ticket, priority="abc").status_code == 400
    assert (
        post(logged_in, f"{base}/article/1/action/forward/", ticket, to="nobody").status_code == 400
    )
    assert (
        post(logged_in, f"{base}/article/1/action/bounce/", ticket, to="a@example.org").status_code
        == 400
    )


def test_free_fields_dialog_and_sidebar(
    logged_in: Client, ticket: Ticket, rf: RequestFactory, agent: User
) -> None:
    DynamicField.objects.create(
        name="room", object_type="ticket", field_type="text", labels={"en": "Room", "de": "Raum"}
    )
    DynamicField.objects.create(
        name="network", object_type="ticket", field_type="dropdown", labels={"en": "Network"},
        choices=[{"key": "wlan", "labels": {"en": "Wireless"}}], default="wlan",
    )  # fmt: skip
    page = logged_in.get(f"/ticket/{ticket.number}/action/free-fields/").content.decode()
    assert "Room" in page and '<option value="wlan" selected>' in page
    response = post(
        logged_in, f"/ticket/{ticket.number}/action/free-fields/", ticket,
        df_room="H4", df_network="wlan", state=state_by_name("open").pk,
    )  # fmt: skip
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).state.name == "open"
    html = render_to_string("web/actions/dynamic_fields.html", {"ticket": ticket})
    assert "Room" in html and "H4" in html and "Wireless" in html
    request = rf.get("/")
    request.user = agent
    menu = render_to_string(
        "web/actions/menu.html", {"ticket": ticket, "user": agent}, request=request
    )
    assert f"/ticket/{ticket.number}/action/note/" in menu and "Locked by" not in menu


def test_menu_tells_others_about_the_lock(
    ticket: Ticket, agent: User, other_agent: User, rf: RequestFactory
) -> None:
    actions.lock(ticket, actor=Actor(user=other_agent))
    request = rf.get("/")
    request.user = agent
    fresh = Ticket.objects.get(pk=ticket.pk)
    menu = render_to_string(
        "web/actions/menu.html", {"ticket": fresh, "user": agent}, request=request
    )
    assert "Locked by Paolo Verdi" in menu and "disabled" in menu


def test_history_page_lists_and_filters(logged_in: Client, ticket: Ticket, actor: Actor) -> None:
    actions.note(ticket, actor=actor, body="x")
    actions.set_priority(ticket, Priority.objects.get(name="5 very high"), actor=actor)
    page = logged_in.get(f"/ticket/{ticket.number}/history/").content.decode()
    rows = [
        page.index(t)
        for t in ('data-type="PriorityUpdate"', 'data-type="AddNote"', 'data-type="NewTicket"')
    ]
    assert rows == sorted(rows)  # newest first
    only = logged_in.get(f"/ticket/{ticket.number}/history/", {"type": "AddNote"}).content.decode()
    assert 'data-type="AddNote"' in only and 'data-type="NewTicket"' not in only
    found = logged_in.get(f"/ticket/{ticket.number}/history/", {"q": "very high"}).content.decode()
    assert 'data-type="PriorityUpdate"' in found and 'data-type="AddNote"' not in found
    assert logged_in.get(f"/ticket/{ticket.number}/history/", {"type": "bogus"}).status_code == 200


def test_article_pick_opens_the_dialog_with_the_lock(
    logged_in: Client, ticket: Ticket, agent: User
) -> None:
    url = f"/ticket/{ticket.number}/article-action/"
    response = logged_in.post(url, {"action": "forward", "article": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/ticket/{ticket.number}/article/1/action/forward/?took_lock=1"
    assert Ticket.objects.get(pk=ticket.pk).is_locked
    split = logged_in.post(url, {"action": "split", "article": "1"})
    assert split["Location"] == f"/ticket/{ticket.number}/article/1/action/split/"
    for bad in ({"action": "note", "article": "1"}, {"action": "reply", "article": "7"}, {}):
        assert logged_in.post(url, bad).status_code == 404
    assert logged_in.get(url).status_code == 405


def test_menu_offers_only_what_the_permission_module_allows(
    ticket: Ticket, agent: User, rf: RequestFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sportello.accounts import permissions

    request = rf.get("/")
    request.user = agent
    monkeypatch.setattr(permissions, "may", lambda user, permission, queue: permission == "ro")
    menu = render_to_string(
        "web/actions/menu.html", {"ticket": ticket, "user": agent}, request=request
    )
    assert "/history/" in menu and "/action/note/" not in menu and "/open/close/" not in menu


def test_note_dialog_sets_article_fields(logged_in: Client, ticket: Ticket) -> None:
    from sportello.tickets import dynamic_fields as df

    DynamicField.objects.create(
        name="minutes", object_type="article", field_type="integer", labels={"en": "Minutes"},
        min_value=0, default=5,
    )  # fmt: skip
    page = logged_in.get(f"/ticket/{ticket.number}/action/note/").content.decode()
    assert "Minutes" in page and 'value="5"' in page
    bad = post(
        logged_in, f"/ticket/{ticket.number}/action/note/", ticket, body="x", adf_minutes="-3"
    )
    assert bad.status_code == 400 and ticket.articles.count() == 1
    response = post(
        logged_in, f"/ticket/{ticket.number}/action/note/", ticket, body="x", adf_minutes="15"
    )
    assert response.status_code == 302
    assert df.current_values(ticket.articles.get(number=2)) == {"minutes": 15}
    row = History.objects.get(ticket=ticket, type="DynamicFieldUpdate")
    assert (row.article, row.comment, row.new_value) == (
        ticket.articles.get(number=2),
        "minutes",
        "15",
    )
    # An answer carries the same article fields.
    reply = f"/ticket/{ticket.number}/article/1/action/reply/"
    assert 'name="adf_minutes"' in logged_in.get(reply).content.decode()
    bad = post(logged_in, reply, ticket, to="max@example.org", text="Hallo", adf_minutes="-1")
    assert bad.status_code == 400 and ticket.articles.count() == 2
    response = post(logged_in, reply, ticket, to="max@example.org", text="Hallo", adf_minutes="7")
    assert response.status_code == 302
    assert df.current_values(ticket.articles.get(number=3)) == {"minutes": 7}
    # And so does a phone call.
    phone = f"/ticket/{ticket.number}/action/phone-inbound/"
    assert 'name="adf_minutes"' in logged_in.get(phone).content.decode()
    response = post(logged_in, phone, ticket, body="Anruf", adf_minutes="3")
    assert response.status_code == 302
    assert df.current_values(ticket.articles.get(number=4)) == {"minutes": 3}


def test_customer_dialog_searches_customers_and_takes_their_company(
    logged_in: Client, ticket: Ticket
) -> None:
    from sportello.customers.models import CustomerCompany, CustomerUser

    company = CustomerCompany.objects.create(customer_id="fau", name="FAU")
    CustomerUser.objects.create(
        login="eva", email="eva@example.org", first_name="Eva", last_name="Rossi", company=company
    )
    url = f"/ticket/{ticket.number}/action/customer/"
    page = logged_in.get(url).content.decode()
    assert 'list="customer-results"' in page and '<datalist id="customer-results">' in page
    options = logged_in.get("/customers/search/", {"customer_user_id": "Ros"}).content.decode()
    assert '<option value="eva">' in options
    assert post(logged_in, url, ticket, customer_user_id="eva").status_code == 302
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.customer_user_id, fresh.customer_company_id) == ("eva", "fau")
    row = History.objects.filter(ticket=ticket, type="CustomerUpdate").get()
    assert row.new_value == "eva / fau"
    # A company given explicitly is kept.
    post(logged_in, url, ticket, customer_user_id="eva", customer_company_id="other")
    assert Ticket.objects.get(pk=ticket.pk).customer_company_id == "other"


def test_forward_and_bounce_dialogs_send_through_the_outbox(
    logged_in: Client, queue: Queue, actor: Actor
) -> None:
    from sportello.mail.models import OutboxMessage
    from tests.web.helpers import html_mail

    queue.system_address = SystemAddress.objects.create(email="wlan@helpdesk.example.org")
    queue.save()
    ticket = make_ticket(
        queue, actor, customer_user_id="max@example.org", article=html_mail("<p>x</p>")
    )
    base = f"/ticket/{ticket.number}/article/1/action"
    opened = logged_in.post(f"{base}/forward/open/")
    assert opened["Location"] == f"{base}/forward/?took_lock=1"
    response = post(logged_in, f"{base}/forward/", ticket, to="chef@example.org", text="FYI")
    assert response.status_code == 302 and last_type(ticket) == "Forward"
    forward = ticket.articles.get(number=2)
    assert forward.to_address == "chef@example.org" and "FYI" in forward.body
    response = post(logged_in, f"{base}/bounce/", ticket, to="zweite@example.net")
    assert response.status_code == 302 and last_type(ticket) == "Bounce"
    recipients = sorted(r for m in OutboxMessage.objects.all() for r in m.recipients)
    assert recipients == ["chef@example.org", "zweite@example.net"]


def test_note_dialog_takes_the_editor_s_html_and_plain_text_without_it(
    logged_in: Client, ticket: Ticket, settings: Any
) -> None:
    url = f"/ticket/{ticket.number}/action/note/"
    page = logged_in.get(url).content.decode()
    assert 'name="content_type" value="text/plain"' in page and "data-rich-text" in page
    assert "web/editor.js" in page
    html = '<p><em>Router</em> getauscht</p><script>x()</script><p onclick="x()">ok</p>'
    assert post(logged_in, url, ticket, body=html, content_type="text/html").status_code == 302
    note = ticket.articles.get(number=2)
    assert note.body_html == "<p><em>Router</em> getauscht</p><p>ok</p>"
    assert note.body == "Router getauscht\n\nok"
    # Without script the textarea is plain text, stored as typed.
    assert post(logged_in, url, ticket, body="<b>as typed</b>").status_code == 302
    plain = ticket.articles.get(number=3)
    assert (plain.body, plain.body_html) == ("<b>as typed</b>", "")
    settings.SPORTELLO_INLINE_IMAGE_MAX_SIZE = 1
    big = '<p><img src="data:image/png;base64,iVBORw0KGgo="></p>'
    refused = post(logged_in, url, ticket, body=big, content_type="text/html")
    assert refused.status_code == 400 and "too large" in refused.content.decode()
