"""The editor's HTML beyond the dialogs: the zoom's answer form, the pending and close
notes, the new email ticket, HTML templates in the dialogs, and templates, signatures and
salutations written in the admin (cleaned on save)."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sportello.accounts.models import User
from sportello.customers.models import CustomerUser
from sportello.mail.models import OutboxMessage, StandardTemplate, TemplateType
from sportello.queues.models import Queue, Salutation, Signature
from sportello.tickets.models import Article, State, Ticket
from sportello.tickets.rich_text_admin import clean_admin_text
from tests.web.test_actions import logged_in, ticket, version
from tests.web.test_create import form_data, mail_queue, max_muster

__all__ = ["logged_in", "mail_queue", "max_muster", "ticket"]  # shared fixtures

pytestmark = pytest.mark.django_db

WRITTEN = '<p><strong>Router</strong> getauscht</p><script>x()</script><p onclick="x()">ok</p>'
CLEANED = "<p><strong>Router</strong> getauscht</p><p>ok</p>"


def sent(article: Article) -> EmailMessage:
    raw = OutboxMessage.objects.get(article=article).raw
    parsed = email.message_from_bytes(bytes(raw), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def html_part(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def test_zoom_answer_form_sends_the_editor_s_html(logged_in: Client, ticket: Ticket) -> None:
    page = logged_in.get(f"/ticket/{ticket.number}/").content.decode()
    form = page.split('id="answer"')[1].split("</form>")[0]
    assert 'name="content_type" value="text/plain"' in form and "data-rich-text" in form
    assert '<script type="module" src="/static/web/editor.js">' in page
    response = logged_in.post(
        f"/ticket/{ticket.number}/answer/",
        {"changed": version(ticket), "to": "max@example.org", "text": WRITTEN,
         "content_type": "text/html"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    answer = ticket.articles.order_by("-number").first()
    assert answer is not None and answer.body_html.startswith(CLEANED)
    assert answer.body.startswith("Router getauscht\n\nok")
    message = sent(answer)
    assert message.get_content_type() == "multipart/alternative"
    assert CLEANED in html_part(message) and "<script" not in html_part(message)


def test_zoom_answer_form_without_script_stays_plain(logged_in: Client, ticket: Ticket) -> None:
    response = logged_in.post(
        f"/ticket/{ticket.number}/answer/",
        {"changed": version(ticket), "to": "max@example.org", "text": "<b>as typed</b>"},
    )
    assert response.status_code == 302
    answer = ticket.articles.order_by("-number").first()
    assert answer is not None and "<b>as typed</b>" in answer.body and answer.body_html == ""
    assert sent(answer).get_content_type() == "text/plain"
    refused = logged_in.post(
        f"/ticket/{ticket.number}/answer/",
        {"changed": version(ticket), "to": "max@example.org", "text": "x",
         "content_type": "text/markdown"},
    )  # fmt: skip
    assert refused.status_code == 400


def test_pending_and_close_notes_take_the_editor_s_html(logged_in: Client, ticket: Ticket) -> None:
    base = f"/ticket/{ticket.number}/action"
    page = logged_in.get(f"{base}/pending/").content.decode()
    assert 'name="content_type"' in page and "data-rich-text" in page and "editor.js" in page
    until = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    pending = logged_in.post(
        f"{base}/pending/",
        {"changed": version(ticket), "state": State.objects.get(name="pending reminder").pk,
         "pending_until": until, "body": WRITTEN, "content_type": "text/html"},
    )  # fmt: skip
    assert pending.status_code == 302, pending.content.decode()
    note = ticket.articles.order_by("-number").first()
    assert note is not None and (note.body_html, note.body) == (CLEANED, "Router getauscht\n\nok")
    # An empty editor is no note: the state changes without one.
    closed_state = State.objects.get(name="closed successful").pk
    empty = logged_in.post(
        f"{base}/close/",
        {"changed": version(ticket), "state": closed_state, "body": "<p> </p>",
         "content_type": "text/html"},
    )  # fmt: skip
    assert empty.status_code == 400 and "closing note is required" in empty.content.decode()
    closed = logged_in.post(
        f"{base}/close/",
        {"changed": version(ticket), "state": closed_state, "body": "<ul><li>erledigt</li></ul>",
         "content_type": "text/html"},
    )  # fmt: skip
    assert closed.status_code == 302
    closing = ticket.articles.order_by("-number").first()
    assert closing is not None
    assert (closing.body_html, closing.body) == ("<ul><li>erledigt</li></ul>", "- erledigt")
    assert Ticket.objects.get(pk=ticket.pk).state.name == "closed successful"


def test_email_ticket_sends_the_editor_s_html(
    client: Client, agent: User, mail_queue: Queue, max_muster: CustomerUser
) -> None:
    client.force_login(agent)
    page = client.get("/tickets/new/email/").content.decode()
    assert 'name="content_type" value="text/plain"' in page and "data-rich-text" in page
    assert "editor.js" in page and '<label for="id_content_type"' not in page
    response = client.post(
        "/tickets/new/email/", form_data(mail_queue, text=WRITTEN, content_type="text/html")
    )
    assert response.status_code == 302, response.content.decode()
    article = Ticket.objects.get().articles.get()
    assert CLEANED in article.body_html and "<script" not in article.body_html
    assert "<p>Hallo Max Müster,</p>" in article.body_html  # the plain salutation as HTML
    assert article.body.index("Hallo Max Müster,") < article.body.index("Router getauscht")
    message = sent(article)
    assert message.get_content_type() == "multipart/alternative"
    assert CLEANED in html_part(message)


def test_email_ticket_with_an_html_template_is_html(
    client: Client, agent: User, mail_queue: Queue, max_muster: CustomerUser
) -> None:
    template = StandardTemplate.objects.create(
        name="Rückfrage", type=TemplateType.CREATE,
        text="<p>wir melden uns wegen <em>{{ ticket.title }}</em>.</p>",
    )  # fmt: skip
    client.force_login(agent)
    response = client.post(
        "/tickets/new/email/", form_data(mail_queue, template=template.pk, text="Bitte <b>x</b>")
    )
    assert response.status_code == 302, response.content.decode()
    article = Ticket.objects.get().articles.get()
    html = article.body_html
    assert "<p>wir melden uns wegen <em>Drucker im 2. OG</em>.</p>" in html
    assert "<p>Bitte &lt;b&gt;x&lt;/b&gt;</p>" in html  # the typed text stays text
    assert "wir melden uns wegen Drucker im 2. OG." in article.body
    assert sent(article).get_content_type() == "multipart/alternative"


def test_an_html_template_goes_into_the_dialog_as_html(
    logged_in: Client, ticket: Ticket, queue: Queue
) -> None:
    template = StandardTemplate.objects.create(
        name="Formatiert", type=TemplateType.NOTE, text="<p><strong>{{ queue }}</strong></p>"
    )
    template.queues.set([queue])
    page = logged_in.get(
        f"/ticket/{ticket.number}/action/note/", {"template": template.pk}
    ).content.decode()
    assert 'name="content_type" value="text/html"' in page
    assert "&lt;p&gt;&lt;strong&gt;IT::Network::WLAN&lt;/strong&gt;&lt;/p&gt;" in page


def test_the_phone_ticket_takes_an_html_template_as_text(
    logged_in: Client, ticket: Ticket, queue: Queue
) -> None:
    template = StandardTemplate.objects.create(
        name="Neu", type=TemplateType.CREATE, text="<p>Hallo <b>{{ queue }}</b></p><p>Gruß</p>"
    )
    template.queues.set([queue])
    response = logged_in.post(
        "/tickets/new/phone/", form_data(queue, template=template.pk, insert="1", text="")
    )
    page = response.content.decode()
    assert re.search(r"<textarea[^>]*>\s*Hallo IT::Network::WLAN\n\nGruß</textarea>", page)


def test_phone_ticket_keeps_the_editor_s_html(logged_in: Client, queue: Queue) -> None:
    page = logged_in.get("/tickets/new/phone/").content.decode()
    assert 'name="content_type" value="text/plain"' in page and "editor.js" in page
    response = logged_in.post(
        "/tickets/new/phone/",
        form_data(queue, customer="max@example.org", text=WRITTEN, content_type="text/html"),
    )
    assert response.status_code == 302, response.content.decode()
    article = Ticket.objects.latest("pk").articles.get()
    assert article.channel == "phone"
    assert (article.body_html, article.body) == (CLEANED, "Router getauscht\n\nok")


@pytest.fixture
def admin_client(db: None) -> Client:
    user = User.objects.create_superuser("root", "root@example.org", "a-long-password-1")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/admin/queues/signature/", {}),
        ("/admin/queues/salutation/", {}),
        ("/admin/mail/standardtemplate/", {"type": TemplateType.ANSWER,
                                           "attachments-TOTAL_FORMS": "0",
                                           "attachments-INITIAL_FORMS": "0"}),
    ],
)  # fmt: skip
def test_admin_texts_are_written_with_the_editor_and_cleaned(
    admin_client: Client, path: str, extra: dict[str, Any]
) -> None:
    response = admin_client.get(f"{path}add/")
    page = response.content.decode()
    labels = page.index('<script src="/static/web/editor-labels.js" defer></script>')
    assert page.index('<script src="/static/web/editor.js" type="module"></script>') > labels
    assert 'data-rich-text=""' in page and 'data-content-type=""' in page
    policy_header = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy_header and "unsafe-inline" not in policy_header
    text = (
        "<p>Gruß <strong>{{ agent.first_name }}</strong></p><script>alert(1)</script>"
        '<p><a href="javascript:x()" onclick="x()">Link</a>'
        '<img src="data:image/png;base64,iVBORw0KGgo="></p>'
    )
    data = {"name": "Formatiert", "text": text, "content_type": "text/html", "valid": "on",
            "comment": "", "subject": "", **extra}  # fmt: skip
    saved = admin_client.post(f"{path}add/", data)
    assert saved.status_code == 302, saved.content.decode()
    model = {"signature": Signature, "salutation": Salutation}.get(
        path.split("/")[3], StandardTemplate
    )
    stored = model.objects.get(name="Formatiert").text
    # The script, the handler, the javascript: link and the pasted image are gone.
    assert stored == (
        '<p>Gruß <strong>{{ agent.first_name }}</strong></p><p><a>Link</a><img alt=""></p>'
    )
    change = admin_client.get(f"{path}{model.objects.get(name='Formatiert').pk}/change/")
    assert 'name="content_type" value="text/html"' in change.content.decode()


def test_admin_plain_text_is_kept_as_typed() -> None:
    plain = "Gruß,\n{{ agent.first_name }} <agent@example.org>"
    assert clean_admin_text(plain) == plain
    assert clean_admin_text("<p>a</p><iframe src='x'></iframe>") == "<p>a</p>"
    signature = Signature.objects.create(name="Alt", text=plain)
    from django import forms

    from sportello.tickets.rich_text_admin import RichTextAdminForm

    form_class = forms.modelform_factory(Signature, form=RichTextAdminForm, fields="__all__")
    assert form_class(instance=signature)["content_type"].value() == "text/plain"
