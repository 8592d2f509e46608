"""Attachments in every form that writes an article: several files at once, kept in the
form's upload cache when the form comes back with an error, removable one by one, the
queue's or the system's size limit as a clear 413 form error; stored on the article and,
for mail, sent as MIME parts to the SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from sportello.accounts.models import User
from sportello.customers.models import CustomerUser
from sportello.queues.models import Queue
from sportello.tickets.models import Article, State, Ticket, TicketType
from sportello.web.jobs import form_uploads
from sportello.web.models import FormUpload
from tests.mail.smtp import SmtpSink
from tests.web.test_actions import logged_in, ticket
from tests.web.test_actions import version as changed

__all__ = ["logged_in", "ticket"]  # the dialog tests' fixtures, shared

pytestmark = pytest.mark.django_db

ALPHA, BETA = b"alpha attachment\n", b"%PDF-1.4 beta attachment"


def two_files() -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile("alpha.txt", ALPHA, "text/plain"),
        SimpleUploadedFile("beta.pdf", BETA, "application/pdf"),
    ]


def future() -> str:
    return (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


def state(name: str) -> int:
    return State.objects.get(name=name).pk


# Dialog -> (path below /ticket/<n>/, its fields, whether it sends mail).
DIALOGS: dict[str, tuple[str, Any, bool]] = {
    "note": ("action/note/", lambda: {"body": "Notiz"}, False),
    "phone-outbound": ("action/phone-outbound/", lambda: {"body": "Angerufen"}, False),
    "phone-inbound": ("action/phone-inbound/", lambda: {"body": "Kunde rief an"}, False),
    "pending": (
        "action/pending/",
        lambda: {"state": state("pending reminder"), "pending_until": future(), "body": "Warten"},
        False,
    ),
    "close": (
        "action/close/",
        lambda: {"state": state("closed successful"), "body": "Erledigt"},
        False,
    ),
    "reply": ("article/1/action/reply/", lambda: {"to": "max@example.org", "text": "Hier"}, True),
    "reply-all": (
        "article/1/action/reply-all/",
        lambda: {"to": "max@example.org", "text": "An alle"},
        True,
    ),
    "forward": (
        "article/1/action/forward/",
        lambda: {"to": "dritte@example.org", "text": "Zur Info"},
        True,
    ),
}


def newest(ticket: Ticket) -> Article:
    return ticket.articles.order_by("-number")[0]


def stored(article: Article) -> dict[str, bytes]:
    result = {}
    for item in article.attachments.all():
        with item.file.open("rb") as handle:
            result[item.filename] = handle.read()
    return result


def mime_parts(sink: SmtpSink) -> dict[str, bytes]:
    [received] = sink.received
    return {
        part.get_filename(): part.get_payload(decode=True)
        for part in received.message.iter_attachments()
    }


@pytest.mark.parametrize("name", list(DIALOGS))
def test_dialog_stores_and_sends_two_attachments(
    logged_in: Client,
    ticket: Ticket,
    name: str,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    path, fields, mails = DIALOGS[name]
    url = f"/ticket/{ticket.number}/{path}"
    page = logged_in.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input type="file" name="attachments" id="id_attachments" multiple>', page)
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            url, {"changed": changed(ticket), **fields(), "attachments": two_files()}
        )
    assert response.status_code == 302, response.content.decode()[-2000:]
    article = newest(ticket)
    assert article.number == 2
    assert stored(article) == {"alpha.txt": ALPHA, "beta.pdf": BETA}
    if mails:
        assert mime_parts(smtp_sink) == {"alpha.txt": ALPHA, "beta.pdf": BETA}
    else:
        assert smtp_sink.received == []
    assert not FormUpload.objects.exists()  # the cache is emptied once the article is stored


def test_zoom_answer_sends_two_attachments(
    logged_in: Client,
    ticket: Ticket,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    page = logged_in.get(f"/ticket/{ticket.number}/").content.decode()
    assert 'name="attachments"' in page and 'name="upload_id"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            f"/ticket/{ticket.number}/answer/",
            {
                "to": "max@example.org",
                "text": "Anbei",
                "changed": changed(ticket),
                "attachments": two_files(),
            },
        )
    assert response.status_code == 302
    assert stored(newest(ticket)) == {"alpha.txt": ALPHA, "beta.pdf": BETA}
    assert mime_parts(smtp_sink) == {"alpha.txt": ALPHA, "beta.pdf": BETA}


def new_ticket_data(queue: Queue, **extra: Any) -> dict[str, Any]:
    from sportello.tickets.models import Priority

    return {
        "priority": Priority.objects.get(name="3 normal").pk,
        "customer": "mmuster",
        "queue": queue.pk,
        "title": "Drucker",
        "text": "Druckt nicht.",
        "type": TicketType.objects.get(name="Unclassified").pk,
        "next_state": state("open"),
        **extra,
    }


@pytest.mark.parametrize("kind", ["phone", "email"])
def test_new_tickets_take_two_attachments(
    logged_in: Client,
    ticket: Ticket,
    queue: Queue,
    kind: str,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    CustomerUser.objects.create(login="mmuster", email="max@example.org", first_name="Max")
    data = new_ticket_data(queue)
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(f"/tickets/new/{kind}/", {**data, "attachments": two_files()})
    assert response.status_code == 302, response.content.decode()[-2000:]
    created = Ticket.objects.exclude(pk=ticket.pk).get()
    assert stored(created.articles.get()) == {"alpha.txt": ALPHA, "beta.pdf": BETA}
    if kind == "email":
        assert mime_parts(smtp_sink) == {"alpha.txt": ALPHA, "beta.pdf": BETA}
    assert not FormUpload.objects.exists()


def uploads_listed(page: str) -> list[str]:
    return re.findall(r'<li data-upload="([^"]+)">', page)


def test_uploads_survive_an_error_and_one_can_be_removed(logged_in: Client, ticket: Ticket) -> None:
    url = f"/ticket/{ticket.number}/action/note/"
    # The note is empty: the form comes back (400), the files stay in its cache.
    response = logged_in.post(url, {"changed": changed(ticket), "attachments": two_files()})
    assert response.status_code == 400
    page = response.content.decode()
    assert uploads_listed(page) == ["alpha.txt", "beta.pdf"]
    form_id = re.search(r'name="upload_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    alpha = FormUpload.objects.get(form_id=form_id, filename="alpha.txt")
    # Its remove button: the form again (200), without that file, nothing written.
    response = logged_in.post(
        url,
        {"changed": changed(ticket), "upload_id": form_id, "remove_upload": alpha.pk,
         "body": "Noch nicht fertig"},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert uploads_listed(page) == ["beta.pdf"] and "Noch nicht fertig" in page
    assert ticket.articles.count() == 1
    # Sending: only the remaining file is attached.
    response = logged_in.post(
        url, {"changed": changed(ticket), "upload_id": form_id, "body": "Mit Anhang"}
    )
    assert response.status_code == 302
    assert stored(newest(ticket)) == {"beta.pdf": BETA}


def test_size_limit_of_the_queue_is_a_clear_413(
    logged_in: Client, ticket: Ticket, queue: Queue
) -> None:
    queue.max_attachment_mb = 1
    queue.save()
    url = f"/ticket/{ticket.number}/article/1/action/reply/"
    big = SimpleUploadedFile("big.bin", b"x" * (1024 * 1024), "application/octet-stream")
    small = SimpleUploadedFile("small.txt", b"y", "text/plain")
    data = {"changed": changed(ticket), "to": "max@example.org", "text": "Mein {{ Text }}"}
    response = logged_in.post(url, {**data, "attachments": [big, small]})
    assert response.status_code == 413
    page = response.content.decode()
    assert "The attachments are too large: at most 1.0\xa0MB together" in page
    assert "Mein {{ Text }}" in page  # the agent's input is kept
    assert not FormUpload.objects.exists() and ticket.articles.count() == 1


def test_system_size_limit_counts_the_files_already_uploaded(
    logged_in: Client, ticket: Ticket, settings: Any
) -> None:
    settings.SPORTELLO_MAX_ATTACHMENT_SIZE = 40
    url = f"/ticket/{ticket.number}/action/note/"
    first = logged_in.post(url, {"changed": changed(ticket), "attachments": two_files()[:1]})
    assert first.status_code == 400  # no text yet; alpha.txt (17 bytes) is cached
    form_id = re.search(r'name="upload_id" value="([^"]+)"', first.content.decode()).group(1)  # type: ignore[union-attr]
    response = logged_in.post(
        url,
        {"changed": changed(ticket), "upload_id": form_id, "body": "x",
         "attachments": two_files()[1:]},
    )  # fmt: skip
    assert response.status_code == 413
    assert uploads_listed(response.content.decode()) == ["alpha.txt"]
    assert ticket.articles.count() == 1


def test_another_agents_form_id_brings_none_of_their_files(
    logged_in: Client, ticket: Ticket, other_agent: User
) -> None:
    url = f"/ticket/{ticket.number}/action/note/"
    first = logged_in.post(url, {"changed": changed(ticket), "attachments": two_files()})
    form_id = re.search(r'name="upload_id" value="([^"]+)"', first.content.decode()).group(1)  # type: ignore[union-attr]
    other = Client()
    other.force_login(other_agent)
    page = other.post(url, {"changed": changed(ticket), "upload_id": form_id}).content.decode()
    assert uploads_listed(page) == []
    response = other.post(url, {"changed": changed(ticket), "upload_id": form_id, "body": "x"})
    assert response.status_code == 302
    assert stored(newest(ticket)) == {}
    assert FormUpload.objects.filter(form_id=form_id).count() == 2


def test_stale_uploads_are_purged_by_the_job(logged_in: Client, ticket: Ticket) -> None:
    url = f"/ticket/{ticket.number}/action/note/"
    logged_in.post(url, {"changed": changed(ticket), "attachments": two_files()})
    files = [item.file.name for item in FormUpload.objects.all()]
    assert len(files) == 2
    assert form_uploads(timezone.now()) == 0
    assert form_uploads(timezone.now() + timedelta(hours=25)) == 2
    assert not FormUpload.objects.exists()
    from django.core.files.storage import default_storage

    assert not any(default_storage.exists(name) for name in files)


def test_pending_refuses_attachments_without_a_note(logged_in: Client, ticket: Ticket) -> None:
    response = logged_in.post(
        f"/ticket/{ticket.number}/action/pending/",
        {"changed": changed(ticket), "state": state("pending reminder"),
         "pending_until": future(), "attachments": two_files()},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Attachments need a note to go with." in response.content.decode()
    assert uploads_listed(response.content.decode()) == ["alpha.txt", "beta.pdf"]


def test_uploads_survive_a_refused_action(
    logged_in: Client, ticket: Ticket, other_agent: User
) -> None:
    from sportello.core.actor import Actor
    from sportello.tickets import actions

    actions.lock(ticket, actor=Actor(user=other_agent))
    url = f"/ticket/{ticket.number}/article/1/action/reply/"
    response = logged_in.post(
        url,
        {"changed": changed(ticket), "to": "max@example.org", "text": "Antwort",
         "attachments": two_files()},
    )  # fmt: skip
    assert response.status_code == 409
    page = response.content.decode()
    assert "locked by Paolo Verdi" in page
    assert uploads_listed(page) == ["alpha.txt", "beta.pdf"]
    assert ticket.articles.count() == 1
