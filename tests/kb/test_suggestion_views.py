"""Request forms record a suggested FAQ article opened (a view event) whether or not the
request is sent, so a form reports "opened and left" beside "opened and still sent"."""

from __future__ import annotations

import re

from django.test import Client

from sportello.core.actor import Actor
from sportello.kb.models import Category
from sportello.portal import services
from sportello.portal.models import FaqSuggestionUse, FaqSuggestionView, RequestForm
from sportello.tickets.models import TicketOrigin
from tests.kb.conftest import new_item


def _visit(client: Client) -> tuple[str, str]:
    page = client.get("/portal/forms/printing/")
    html = page.content.decode()
    visit = re.search(r'name="faq_visit" value="([0-9a-f]+)"', html)
    assert visit is not None
    assert 'data-opened-url="/portal/forms/printing/suggestions/opened/"' in html
    return visit.group(1), page.context["form"]["started"].value()


def test_opened_and_left_versus_opened_and_sent(
    client_a: Client, writer_actor: Actor, category: Category, request_form: RequestForm
) -> None:
    public = new_item(writer_actor, category, title="Printer paper jam")
    internal = new_item(writer_actor, category, title="Printer internal", visibility="internal")
    url = "/portal/forms/printing/suggestions/opened/"

    # One visit: the customer opens an article and leaves.
    left_visit, _started = _visit(client_a)
    opened = client_a.post(url, {"number": str(public.number), "visit": left_visit})
    assert opened.status_code == 204
    # The same event twice counts once.
    client_a.post(url, {"number": str(public.number), "visit": left_visit})
    assert FaqSuggestionView.objects.count() == 1

    # Another visit: opened, and the request still sent.
    sent_visit, started = _visit(client_a)
    assert sent_visit != left_visit
    assert (
        client_a.post(url, {"number": str(public.number), "visit": sent_visit}).status_code == 204
    )
    response = client_a.post(
        "/portal/forms/printing/",
        {
            "started": started,
            "title": "Printer",
            "description": "Paper jam",
            "faq_opened": str(public.number),
            "faq_visit": sent_visit,
        },
    )
    assert response.status_code == 302, response.content
    assert FaqSuggestionUse.objects.get().visit == sent_visit
    # The ticket remembers it for the channel and request-form mix.
    origin = TicketOrigin.objects.get(ticket__number=FaqSuggestionUse.objects.get().ticket_number)
    assert (origin.channel, origin.request_form_id, origin.faq_suggestion_opened) == (
        "web",
        request_form.pk,
        True,
    )

    figures = services.faq_suggestion_statistics(request_form)
    assert (figures.left, figures.sent) == (1, 1)

    # Bad input: a clear 400 or 404, nothing recorded.
    assert Client().post(url, {"number": "x", "visit": left_visit}).status_code == 400
    assert Client().post(url, {"number": str(public.number), "visit": "nope"}).status_code == 400
    hidden = Client().post(url, {"number": str(internal.number), "visit": left_visit})
    assert hidden.status_code == 404
    assert Client().get(url).status_code == 405
    assert FaqSuggestionView.objects.count() == 2
