"""Standard templates in the dialogs: each dialog offers the templates of its type
assigned to the ticket's queue; inserting one fills its placeholders (customer name,
ticket number, agent, queue) and puts its attachments into the form's uploads, which
then go out with the article (and with the mail, at the SMTP sink)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from sportello.customers.models import CustomerUser
from sportello.mail.models import StandardTemplate, TemplateAttachment, TemplateType
from sportello.queues.models import Queue
from sportello.tickets.models import State, Ticket
from tests.mail.smtp import SmtpSink
from tests.web.test_actions import logged_in, ticket
from tests.web.test_actions import version as changed

__all__ = ["logged_in", "ticket"]  # the dialog tests' fixtures, shared

pytestmark = pytest.mark.django_db

TEXT = (
    "Hallo {{ customer.full_name }}, Ticket {{ ticket.number }}, {{ agent.full_name }}, {{ queue }}"
)
GUIDE = b"1. Stecker ziehen.\n"


def _state(name: str) -> int:
    return State.objects.get(name=name).pk


def _future() -> str:
    return (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


# Dialog -> (template type, path below /ticket/<n>/, text field, other fields, sends mail).
DIALOGS: dict[str, tuple[str, str, str, Any, bool]] = {
    "reply": (TemplateType.ANSWER, "article/1/action/reply/", "text",
              lambda: {"to": "max@example.org"}, True),
    "reply-all": (TemplateType.ANSWER, "article/1/action/reply-all/", "text",
                  lambda: {"to": "max@example.org"}, True),
    "forward": (TemplateType.FORWARD, "article/1/action/forward/", "text",
                lambda: {"to": "dritte@example.org"}, True),
    "note": (TemplateType.NOTE, "action/note/", "body", dict, False),
    "pending": (TemplateType.NOTE, "action/pending/", "body",
                lambda: {"state": _state("pending reminder"), "pending_until": _future()}, False),
    "close": (TemplateType.NOTE, "action/close/", "body",
              lambda: {"state": _state("closed successful")}, False),
    "phone-outbound": (TemplateType.PHONE_CALL, "action/phone-outbound/", "body", dict, False),
    "phone-inbound": (TemplateType.PHONE_CALL, "action/phone-inbound/", "body", dict, False),
}  # fmt: skip


def make_template(name: str, kind: str, *queues: Queue, text: str = TEXT) -> StandardTemplate:
    template = StandardTemplate.objects.create(name=name, type=kind, text=text)
    template.queues.set(queues)
    item = TemplateAttachment(
        template=template, filename="anleitung.txt", content_type="text/plain"
    )
    item.file.save("anleitung.txt", ContentFile(GUIDE), save=False)
    item.save()
    return template


def options(page: str) -> list[str]:
    select = page.split('id="id_template_choice"')[1].split("</select>")[0]
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)


@pytest.mark.parametrize("name", list(DIALOGS))
def test_template_of_the_dialogs_type_is_inserted_and_sent(
    logged_in: Client,
    ticket: Ticket,
    queue: Queue,
    name: str,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    kind, path, field, fields, mails = DIALOGS[name]
    CustomerUser.objects.create(
        login="max", email="max@example.org", first_name="Max", last_name="Muster"
    )
    template = make_template("Passend", kind, queue)
    make_template("Andere Queue", kind)  # assigned to no queue of this ticket
    other_kind = TemplateType.CREATE
    wrong = make_template("Anderer Typ", other_kind, queue)
    url = f"/ticket/{ticket.number}/{path}"
    assert options(logged_in.get(url).content.decode()) == ["Passend"]

    page = logged_in.get(url, {"template": template.pk}).content.decode()
    filled = f"Hallo Max Muster, Ticket {ticket.number}, Erika Muster, IT::Network::WLAN"
    assert re.search(rf'<textarea name="{field}"[^>]*>\s*{re.escape(filled)}</textarea>', page)
    assert re.findall(r'<li data-upload="([^"]+)">', page) == ["anleitung.txt"]
    form_id = re.search(r'name="upload_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    # Inserting it again adds no second copy; a template of another type inserts nothing.
    again = logged_in.get(url, {"template": template.pk, "upload_id": form_id}).content.decode()
    assert re.findall(r'<li data-upload="([^"]+)">', again) == ["anleitung.txt"]
    refused = logged_in.get(url, {"template": wrong.pk}).content.decode()
    assert "Hallo Max" not in refused and "data-upload" not in refused

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            url,
            {"changed": changed(ticket), "upload_id": form_id, field: filled,
             **fields()},
        )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[-1500:]
    article = ticket.articles.order_by("-number")[0]
    assert filled in article.body
    [attachment] = article.attachments.all()
    assert attachment.filename == "anleitung.txt" and attachment.file.read() == GUIDE
    if mails:
        [received] = smtp_sink.received
        message = received.message
        parts = {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}
        assert parts == {"anleitung.txt": GUIDE}
        assert filled in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_broken_template_is_a_clear_error(
    logged_in: Client, ticket: Ticket, queue: Queue
) -> None:
    template = make_template("Kaputt", TemplateType.NOTE, queue, text="{% if %}")
    page = logged_in.get(f"/ticket/{ticket.number}/action/note/", {"template": template.pk})
    assert page.status_code == 200
    assert "The text cannot be rendered" in page.content.decode()


def test_template_types_in_the_admin(admin_client: Client) -> None:
    page = admin_client.get("/admin/mail/standardtemplate/add/").content.decode()
    for value in ("answer", "forward", "create", "note", "phone_call"):
        assert f'<option value="{value}"' in page


def new_ticket_data(queue: Queue, **extra: Any) -> dict[str, Any]:
    from sportello.tickets.models import Priority, TicketType

    return {
        "customer": "max",
        "queue": queue.pk,
        "title": "Drucker",
        "type": TicketType.objects.get(name="Unclassified").pk,
        "priority": Priority.objects.get(name="3 normal").pk,
        "next_state": _state("open"),
        **extra,
    }


def test_phone_ticket_inserts_a_create_template(
    logged_in: Client, ticket: Ticket, queue: Queue
) -> None:
    CustomerUser.objects.create(
        login="max", email="max@example.org", first_name="Max", last_name="Muster"
    )
    text = "Hallo {{ customer.full_name }} ({{ agent.full_name }}, {{ queue }})"
    template = make_template("Neu", TemplateType.CREATE, queue, text=text)
    make_template("Notiz", TemplateType.NOTE, queue)
    page = logged_in.get("/tickets/new/phone/").content.decode()
    assert options(page) == ["Neu"]
    response = logged_in.post(
        "/tickets/new/phone/",
        new_ticket_data(queue, template=template.pk, insert="1", text="Getippt {{ x }}"),
    )
    assert response.status_code == 200 and Ticket.objects.count() == 1  # nothing created yet
    page = response.content.decode()
    filled = "Hallo Max Muster (Erika Muster, IT::Network::WLAN)"
    assert re.search(
        rf"<textarea[^>]*>\s*{re.escape(filled)}\s+Getippt {{{{ x }}}}</textarea>", page
    )
    assert re.findall(r'<li data-upload="([^"]+)">', page) == ["anleitung.txt"]
    form_id = re.search(r'name="upload_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = logged_in.post(
        "/tickets/new/phone/",
        new_ticket_data(queue, upload_id=form_id, text=f"{filled}\n\nGetippt {{{{ x }}}}"),
    )
    assert response.status_code == 302
    created = Ticket.objects.exclude(pk=ticket.pk).get().articles.get()
    assert created.body == f"{filled}\n\nGetippt {{{{ x }}}}"  # the agent's text as typed
    assert [a.filename for a in created.attachments.all()] == ["anleitung.txt"]


def test_email_ticket_sends_the_create_templates_files_and_the_agents(
    logged_in: Client,
    ticket: Ticket,
    queue: Queue,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    CustomerUser.objects.create(login="max", email="max@example.org", first_name="Max")
    template = make_template("Neu", TemplateType.CREATE, queue, text="Ticket {{ ticket.number }}")
    own = SimpleUploadedFile("eigen.txt", b"own file", "text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(
            "/tickets/new/email/",
            new_ticket_data(queue, template=template.pk, text="Bitte", attachments=[own]),
        )
    assert response.status_code == 302, response.content.decode()[-1500:]
    created = Ticket.objects.exclude(pk=ticket.pk).get()
    [received] = smtp_sink.received
    message = received.message
    parts = {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}
    assert parts == {"eigen.txt": b"own file", "anleitung.txt": GUIDE}
    assert f"Ticket {created.number}" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
