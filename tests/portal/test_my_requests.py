from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sportello.core.actor import Actor
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.mail.actions import send_answer
from sportello.queues.models import FollowUpPolicy, Queue
from sportello.tickets import actions
from sportello.tickets.models import Ticket, TicketLink
from sportello.tickets.selectors import state_by_name
from tests.portal.conftest import Case, login, make_case, make_customer

pytestmark = pytest.mark.django_db


def test_my_requests_lists_only_my_tickets(client_a: Client, case_a: Case, case_b: Case) -> None:
    response = client_a.get("/portal/")
    assert response.status_code == 200
    assert case_a.ticket.number.encode() in response.content
    assert b"Printer on fire" in response.content
    assert case_b.ticket.number.encode() not in response.content
    assert b"Bruno" not in response.content
    assert b"received" in response.content  # state "new" in the customer's words


def test_state_words_and_open_closed_filter(
    client_a: Client, case_a: Case, helpdesk: Queue, actor: Actor, customer_a: CustomerUser
) -> None:
    done = make_case(helpdesk, actor, customer_a, "Old request")
    actions.set_state(done.ticket, state_by_name("closed successful"), actor=actor)
    actions.set_state(case_a.ticket, state_by_name("open"), actor=actor)
    page = client_a.get("/portal/").content
    assert b"in progress" in page and b"resolved" in page
    open_page = client_a.get("/portal/?status=open").content
    assert (
        case_a.ticket.number.encode() in open_page and done.ticket.number.encode() not in open_page
    )
    closed_page = client_a.get("/portal/?status=closed").content
    assert done.ticket.number.encode() in closed_page
    assert case_a.ticket.number.encode() not in closed_page
    # An unknown filter shows everything rather than failing.
    assert client_a.get("/portal/?status=bogus&page=x").status_code == 200


def test_search_covers_title_number_and_visible_text_only(
    client_a: Client, case_a: Case, helpdesk: Queue, actor: Actor, customer_a: CustomerUser
) -> None:
    other = make_case(helpdesk, actor, customer_a, "Mouse broken")
    by_title = client_a.get("/portal/?q=printer").content
    assert (
        case_a.ticket.number.encode() in by_title and other.ticket.number.encode() not in by_title
    )
    by_number = client_a.get(f"/portal/?q={other.ticket.number}").content
    assert other.ticket.number.encode() in by_number
    assert case_a.ticket.number.encode() not in by_number
    by_body = client_a.get("/portal/?q=Body of Mouse").content
    assert other.ticket.number.encode() in by_body
    # Internal notes are not searchable for the customer.
    secret = client_a.get("/portal/?q=Internal secret").content
    assert b"No requests found" in secret


def test_company_flag_shows_colleagues_requests(
    client: Client, company: CustomerCompany, helpdesk: Queue, actor: Actor
) -> None:
    anna = make_customer("anna", "anna@uni.example.org", company=company)
    carl = make_customer("carl", "carl@uni.example.org", company=company)
    carl_case = make_case(helpdesk, actor, carl, "Carl's beamer")
    login(client, anna)
    assert carl_case.ticket.number.encode() not in client.get("/portal/").content
    assert client.get(f"/portal/requests/{carl_case.ticket.number}/").status_code == 404
    company.portal_shows_company_tickets = True
    company.save()
    assert carl_case.ticket.number.encode() in client.get("/portal/").content
    assert client.get(f"/portal/requests/{carl_case.ticket.number}/").status_code == 200


def test_ticket_view_shows_only_customer_visible_articles(
    client_a: Client, case_a: Case, actor: Actor
) -> None:
    send_answer(
        case_a.ticket, actor=actor, text="We replaced the toner.", to=["anna@uni.example.org"]
    )
    response = client_a.get(f"/portal/requests/{case_a.ticket.number}/")
    assert response.status_code == 200
    assert b"Body of Printer on fire" in response.content
    assert b"We replaced the toner." in response.content
    assert b"Internal secret" not in response.content
    assert b"anna-visible.txt" in response.content
    assert b"anna-internal.txt" not in response.content


def test_attachment_download_is_safe(client_a: Client, case_a: Case, actor: Actor) -> None:
    url = f"/portal/requests/{case_a.ticket.number}/attachments/{case_a.visible.pk}/"
    response = client_a.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"v"  # type: ignore[attr-defined]
    assert response["Content-Disposition"] == 'attachment; filename="anna-visible.txt"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]
    internal = f"/portal/requests/{case_a.ticket.number}/attachments/{case_a.internal.pk}/"
    assert client_a.get(internal).status_code == 404


def test_reply_with_attachment_reopens_closed_ticket(
    client_a: Client, case_a: Case, actor: Actor, published: list[Any]
) -> None:
    ticket = case_a.ticket
    actions.set_state(ticket, state_by_name("closed successful"), actor=actor)
    response = client_a.post(
        f"/portal/requests/{ticket.number}/reply/",
        {"text": "Still broken!", "attachments": [SimpleUploadedFile("../../etc/x.png", b"PNG")]},
    )
    assert (
        response.status_code == 302 and response["Location"] == f"/portal/requests/{ticket.number}/"
    )
    ticket.refresh_from_db()
    assert ticket.state.name == "open"
    article = ticket.articles.order_by("-number").first()
    assert article is not None
    assert article.channel == "web" and article.sender_type == "customer"
    assert article.visible_for_customer and article.body == "Still broken!"
    assert [a.filename for a in article.attachments.all()] == ["x.png"]
    follow_up = ticket.history.get(type="FollowUp")
    assert follow_up.actor_name == "anna@uni.example.org" and follow_up.channel == "web"
    assert ticket.history.filter(type="StateUpdate", new_value="open").exists()


def test_reply_needs_text(client_a: Client, case_a: Case) -> None:
    response = client_a.post(f"/portal/requests/{case_a.ticket.number}/reply/", {"text": ""})
    assert response.status_code == 400
    assert case_a.ticket.articles.count() == 2


def test_reply_on_closed_ticket_under_reject_policy(
    client_a: Client, case_a: Case, actor: Actor, helpdesk: Queue
) -> None:
    helpdesk.follow_up_policy = FollowUpPolicy.REJECT
    helpdesk.save()
    actions.set_state(case_a.ticket, state_by_name("closed successful"), actor=actor)
    response = client_a.post(f"/portal/requests/{case_a.ticket.number}/reply/", {"text": "Hi"})
    assert response.status_code == 409 and b"Please file a new request" in response.content
    assert case_a.ticket.articles.count() == 2


def test_reply_on_closed_ticket_under_new_ticket_policy(
    client_a: Client, case_a: Case, actor: Actor, helpdesk: Queue
) -> None:
    helpdesk.follow_up_policy = FollowUpPolicy.NEW_TICKET
    helpdesk.save()
    actions.set_state(case_a.ticket, state_by_name("closed successful"), actor=actor)
    response = client_a.post(f"/portal/requests/{case_a.ticket.number}/reply/", {"text": "Again"})
    new = Ticket.objects.exclude(pk=case_a.ticket.pk).get(customer_user_id="anna")
    assert response["Location"] == f"/portal/requests/{new.number}/"
    assert TicketLink.objects.filter(source=case_a.ticket, target=new).exists()
    assert case_a.ticket.articles.count() == 2


def test_close_my_request_per_queue(client_a: Client, case_a: Case, helpdesk: Queue) -> None:
    url = f"/portal/requests/{case_a.ticket.number}/"
    assert b"Close my request" in client_a.get(url).content
    helpdesk.customer_may_close = False
    helpdesk.save()
    assert b"Close my request" not in client_a.get(url).content
    assert client_a.post(url + "close/").status_code == 409
    helpdesk.customer_may_close = True
    helpdesk.save()
    assert client_a.post(url + "close/").status_code == 302
    case_a.ticket.refresh_from_db()
    assert case_a.ticket.state.name == "closed successful"
    assert case_a.ticket.history.get(type="StateUpdate").actor_name == "anna@uni.example.org"
    assert b"resolved" in client_a.get(url).content


def test_upload_size_limit(client_a: Client, case_a: Case, settings: Any) -> None:
    settings.SPORTELLO_PORTAL_MAX_UPLOAD_SIZE = 1000
    url = f"/portal/requests/{case_a.ticket.number}/reply/"
    response = client_a.post(
        url, {"text": "x", "attachments": [SimpleUploadedFile("a", b"a" * 1001)]}
    )
    assert response.status_code == 400 and b"too large" in response.content
    big = [SimpleUploadedFile("b", b"b" * (2 * 1024 * 1024))]
    response = client_a.post(url, {"text": "x", "attachments": big})
    assert response.status_code == 413 and b"too large" in response.content
    assert case_a.ticket.articles.count() == 2


def test_portal_in_german(client_a: Client, case_a: Case, customer_a: CustomerUser) -> None:
    customer_a.language = "de"
    customer_a.save()
    page = client_a.get("/portal/").content.decode()
    assert '<html lang="de">' in page


def test_reply_reopens_a_pending_ticket(client_a: Client, case_a: Case, actor: Actor) -> None:
    from datetime import timedelta

    from django.utils import timezone

    pending = state_by_name("pending reminder")
    actions.set_state(
        case_a.ticket, pending, actor=actor, pending_until=timezone.now() + timedelta(days=1)
    )
    page = client_a.get(f"/portal/requests/{case_a.ticket.number}/").content
    assert b"waiting for you" in page
    client_a.post(f"/portal/requests/{case_a.ticket.number}/reply/", {"text": "Here it is"})
    case_a.ticket.refresh_from_db()
    assert case_a.ticket.state.name == "open" and case_a.ticket.pending_until is None


def test_customer_text_is_escaped(
    client_a: Client, helpdesk: Queue, actor: Actor, customer_a: CustomerUser
) -> None:
    case = make_case(helpdesk, actor, customer_a, "<script>alert(1)</script>")
    client_a.post(
        f"/portal/requests/{case.ticket.number}/reply/", {"text": "<img src=x onerror=alert(2)>"}
    )
    for path in ["/portal/", f"/portal/requests/{case.ticket.number}/"]:
        page = client_a.get(path).content
        assert b"<script>alert(1)" not in page and b"<img src=x" not in page
        assert b"&lt;script&gt;alert(1)" in page


def test_customer_pages_are_not_cached(client_a: Client, case_a: Case) -> None:
    for path in ["/portal/", f"/portal/requests/{case_a.ticket.number}/"]:
        cache_control = client_a.get(path)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control


def test_logged_out_post_goes_to_login_without_a_post_target(client: Client, case_a: Case) -> None:
    response = client.post(f"/portal/requests/{case_a.ticket.number}/reply/", {"text": "x"})
    assert response.status_code == 302 and response["Location"] == "/portal/login/"
    assert case_a.ticket.articles.count() == 2


def _queries_for(client: Client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_data(
    client_a: Client,
    case_a: Case,
    helpdesk: Queue,
    actor: Actor,
    customer_a: CustomerUser,
) -> None:
    ticket_page = f"/portal/requests/{case_a.ticket.number}/"
    few_list = _queries_for(client_a, "/portal/")
    few_ticket = _queries_for(client_a, ticket_page)
    for index in range(8):
        make_case(helpdesk, actor, customer_a, f"More {index}")
        client_a.post(f"{ticket_page}reply/", {"text": f"reply {index}"})
    assert _queries_for(client_a, "/portal/") == few_list
    assert _queries_for(client_a, ticket_page) == few_ticket
    # Session, customer, count, page; session, customer, ticket, visibility, articles
    # with their attachments (prefetched), close permission.
    assert (few_list, few_ticket) == (4, 7)
