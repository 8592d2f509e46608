from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sportello.customers.models import CustomerUser
from sportello.mail.models import OutboxMessage
from sportello.portal.forms import RequestSubmissionForm
from sportello.portal.models import PendingSubmission, RequestForm
from sportello.tickets.models import Ticket, TicketOrigin
from tests.portal.conftest import links_in_outbox

pytestmark = pytest.mark.django_db


def started(request_form: RequestForm) -> str:
    return str(RequestSubmissionForm(request_form, anonymous=True).fields["started"].initial)


def submission(request_form: RequestForm, **extra: Any) -> dict[str, Any]:
    return {
        "started": started(request_form),
        "website": "",
        "title": "Printer jams",
        "description": "Every second page jams.",
        **extra,
    }


def test_logged_in_customer_files_a_request(
    client_a: Client,
    customer_a: CustomerUser,
    request_form: RequestForm,
    django_capture_on_commit_callbacks: Any,
) -> None:
    page = client_a.get("/portal/forms/printing/")
    assert page.status_code == 200
    assert b"Printing problem" in page.content and b"Tell us what went wrong." in page.content
    assert b"Subject" in page.content and b"One line" in page.content
    data = submission(request_form, attachments=[SimpleUploadedFile("scan.pdf", b"%PDF-1.4")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_a.post("/portal/forms/printing/", data)
    ticket = Ticket.objects.get(customer_user_id="anna")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/forms/printing/done/{ticket.number}/"
    # Its origin for the channel mix: the web form, no FAQ suggestion opened.
    origin = TicketOrigin.objects.get(ticket=ticket)
    assert (origin.channel, origin.request_form_id, origin.request_form_name) == (
        "web",
        request_form.pk,
        request_form.name,
    )
    assert not origin.faq_suggestion_opened
    assert ticket.queue == request_form.queue and ticket.type == request_form.ticket_type
    assert ticket.priority.name == "4 high" and ticket.title == "Printer jams"
    assert ticket.customer_company_id == "FAC-PHYS"
    first = ticket.articles.get(number=1)
    assert first.channel == "web" and first.sender_type == "customer"
    assert first.visible_for_customer and first.body == "Every second page jams."
    assert [a.filename for a in first.attachments.all()] == ["scan.pdf"]
    assert ticket.history.get(type="WebRequestCustomer").actor_name == "anna@uni.example.org"
    # The receipt went out through the outbox.
    receipt = OutboxMessage.objects.get(ticket=ticket)
    assert receipt.primary_recipient == "anna@uni.example.org"
    assert f"Your request {ticket.number} was received." in bytes(receipt.raw).decode()
    done = client_a.get(response["Location"])
    assert ticket.number.encode() in done.content
    assert f"/portal/requests/{ticket.number}/".encode() in done.content
    assert ticket.number.encode() in client_a.get("/portal/").content


def test_required_fields_and_translated_labels(
    client_a: Client, customer_a: CustomerUser, request_form: RequestForm
) -> None:
    response = client_a.post("/portal/forms/printing/", submission(request_form, title=""))
    assert response.status_code == 400 and b"This field is required." in response.content
    assert not Ticket.objects.exists()
    customer_a.language = "de"
    customer_a.save()
    page = client_a.get("/portal/forms/printing/").content.decode()
    assert "Druckproblem" in page and "Betreff" in page


def test_spam_guards(client_a: Client, request_form: RequestForm, settings: Any) -> None:
    honeypot = client_a.post("/portal/forms/printing/", submission(request_form, website="x"))
    assert honeypot.status_code == 400
    forged = client_a.post("/portal/forms/printing/", submission(request_form, started="1"))
    assert forged.status_code == 400
    settings.SPORTELLO_PORTAL_MIN_FILL_SECONDS = 60
    fast = client_a.post("/portal/forms/printing/", submission(request_form))
    assert fast.status_code == 400 and b"very fast" in fast.content
    assert not Ticket.objects.exists()


def test_rate_limit_per_ip(client_a: Client, request_form: RequestForm, settings: Any) -> None:
    settings.SPORTELLO_PORTAL_FORMS_PER_IP_HOUR = 2
    for _ in range(2):
        assert client_a.post("/portal/forms/printing/", submission(request_form)).status_code == 302
    response = client_a.post("/portal/forms/printing/", submission(request_form))
    assert response.status_code == 429
    assert Ticket.objects.count() == 2


def test_upload_limit_has_a_clear_error(
    client_a: Client, request_form: RequestForm, settings: Any
) -> None:
    settings.SPORTELLO_PORTAL_MAX_UPLOAD_SIZE = 100
    data = submission(request_form, attachments=[SimpleUploadedFile("big.bin", b"x" * 101)])
    response = client_a.post("/portal/forms/printing/", data)
    assert response.status_code == 400 and b"The attachments are too large" in response.content
    assert not Ticket.objects.exists()


def test_anonymous_use_needs_the_form_flag(client: Client, request_form: RequestForm) -> None:
    response = client.get("/portal/forms/printing/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
    assert client.get("/portal/forms/").status_code == 200
    assert b"Printing problem" not in client.get("/portal/forms/").content
    assert client.get("/portal/forms/nope/").status_code == 404


def test_anonymous_request_is_filed_after_confirmation(
    client: Client, request_form: RequestForm, django_capture_on_commit_callbacks: Any
) -> None:
    request_form.allow_anonymous = True
    request_form.save()
    page = client.get("/portal/forms/printing/")
    assert page.status_code == 200 and b"Your email address" in page.content
    data = submission(
        request_form,
        name="Eva Extern",
        email="eva@example.net",
        attachments=[SimpleUploadedFile("photo.jpg", b"JPEG")],
    )
    response = client.post("/portal/forms/printing/", data)
    assert response.status_code == 200 and b"eva@example.net" in response.content
    assert not Ticket.objects.exists()
    [link] = links_in_outbox("eva@example.net")
    path = urlsplit(link).path
    assert client.get(path).status_code == 200 and not Ticket.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(path)
    ticket = Ticket.objects.get()
    assert done.status_code == 200 and ticket.number.encode() in done.content
    assert ticket.customer_user_id == "eva@example.net"
    first = ticket.articles.get(number=1)
    assert first.from_address == "Eva Extern <eva@example.net>"
    assert [(a.filename, a.file.read()) for a in first.attachments.all()] == [
        ("photo.jpg", b"JPEG")
    ]
    # Confirming twice files nothing more.
    again = client.post(path)
    assert again.status_code == 200 and Ticket.objects.count() == 1
    assert PendingSubmission.objects.get().ticket == ticket
    assert OutboxMessage.objects.filter(ticket=ticket, primary_recipient="eva@example.net").exists()


def test_anonymous_request_of_a_known_address_files_under_the_customer(
    client: Client, request_form: RequestForm, customer_a: CustomerUser
) -> None:
    request_form.allow_anonymous = True
    request_form.save()
    data = submission(request_form, name="Anna", email="ANNA@uni.example.org")
    client.post("/portal/forms/printing/", data)
    [link] = links_in_outbox("anna@uni.example.org")
    client.post(urlsplit(link).path)
    assert Ticket.objects.get().customer_user_id == "anna"


def test_expired_confirmation_link(
    client: Client, request_form: RequestForm, settings: Any
) -> None:
    request_form.allow_anonymous = True
    request_form.save()
    client.post("/portal/forms/printing/", submission(request_form, name="E", email="e@x.org"))
    [link] = links_in_outbox("e@x.org")
    settings.SPORTELLO_PORTAL_CONFIRM_HOURS = 0
    assert client.post(urlsplit(link).path).status_code == 400
    assert not Ticket.objects.exists()


def test_embedding_is_allowed_for_listed_origins_only(
    client: Client, request_form: RequestForm
) -> None:
    request_form.allow_anonymous = True
    request_form.save()
    response = client.get("/portal/forms/printing/embed/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://www.uni.example.org https://faq.uni.example.org" in policy
    assert "X-Frame-Options" not in response
    assert b'class="embed"' in response.content
    # The normal page stays unframeable.
    normal = client.get("/portal/forms/printing/")
    assert "frame-ancestors 'none'" in normal["Content-Security-Policy"]
    assert normal["X-Frame-Options"] == "DENY"
    request_form.frame_ancestors = ""
    request_form.save()
    closed = client.get("/portal/forms/printing/embed/")
    assert "frame-ancestors 'none'" in closed["Content-Security-Policy"]
    assert closed["X-Frame-Options"] == "DENY"


def test_embedded_form_is_anonymous_and_needs_no_csrf_cookie(
    client_a: Client, request_form: RequestForm
) -> None:
    request_form.allow_anonymous = True
    request_form.save()
    strict = Client(enforce_csrf_checks=True)
    data = submission(request_form, name="Eva", email="eva@example.net")
    response = strict.post("/portal/forms/printing/embed/", data)
    assert response.status_code == 200 and b"eva@example.net" in response.content
    # A logged-in customer's session gives the embedded form no authority.
    page = client_a.get("/portal/forms/printing/embed/")
    assert b"Your email address" in page.content
    request_form.allow_anonymous = False
    request_form.save()
    login_needed = client_a.get("/portal/forms/printing/embed/")
    assert b"Please log in to file this request." in login_needed.content


def test_normal_form_requires_csrf(customer_a: CustomerUser, request_form: RequestForm) -> None:
    from tests.portal.conftest import login

    strict = Client(enforce_csrf_checks=True)
    login(Client(), customer_a)
    response = strict.post("/portal/login/", {"login": "anna", "password": "x"})
    assert response.status_code == 403
    response = strict.post("/portal/forms/printing/", submission(request_form))
    assert response.status_code == 403


def test_stale_unconfirmed_requests_are_forgotten_with_their_files(
    client: Client, request_form: RequestForm
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from sportello.portal.models import PendingAttachment

    request_form.allow_anonymous = True
    request_form.save()
    data = submission(
        request_form, name="E", email="e@x.org", attachments=[SimpleUploadedFile("a.txt", b"a")]
    )
    client.post("/portal/forms/printing/", data)
    old = PendingSubmission.objects.get()
    path = PendingAttachment.objects.get().file.path
    PendingSubmission.objects.update(created=timezone.now() - timedelta(days=8))
    client.post("/portal/forms/printing/", submission(request_form, name="F", email="f@x.org"))
    assert not PendingSubmission.objects.filter(pk=old.pk).exists()
    assert not os.path.exists(path)


def test_only_real_origins_reach_the_policy(request_form: RequestForm) -> None:
    from django.core.exceptions import ValidationError

    request_form.frame_ancestors = (
        "https://www.uni.example.org/\nhttps://*.faq.example.org:8443\n"
        "https://a.org;script-src *\n'unsafe-inline'\nhttps://b.org x\n\n"
    )
    assert request_form.embedding_origins() == [
        "https://www.uni.example.org",
        "https://*.faq.example.org:8443",
    ]
    with pytest.raises(ValidationError, match="script-src"):
        request_form.full_clean()
