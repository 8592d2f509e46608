"""The FAQ pages: the agent's (explorer, zoom, create with an image, edit, approval,
picker, ticket links), the portal's, the public ones (canonical URL, caching headers,
feed, sitemap) and the request forms' suggestions."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

import pytest
from django.test import Client

from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerUser
from sportello.kb import actions
from sportello.kb.models import Category, FaqItem
from sportello.portal.models import FaqSuggestionUse, RequestForm
from tests.kb.conftest import make_agent, new_item

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def writer_client(writer: User) -> Client:
    client = Client()
    client.force_login(writer)
    return client


def test_agent_creates_an_article_with_an_inline_image(
    writer_client: Client, category: Category
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = writer_client.post(
        "/kb/new/",
        {
            "title": "Eduroam on Android",
            "category": category.pk,
            "visibility": "public",
            "language": "en",
            "solution": '<p>Pick the profile:</p><img src="cid:shot.png" alt="Screenshot">'
            "<script>alert(1)</script>",
            "valid": "on",
            "attachment_files": SimpleUploadedFile("shot.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302, response.content
    item = FaqItem.objects.get(title="Eduroam on Android")
    zoom = writer_client.get(f"/kb/{item.number}/")
    html = zoom.content.decode()
    attachment = item.attachments.get()
    assert f'src="/kb/{item.number}/attachment/{attachment.pk}/"' in html
    assert "<script>alert(1)" not in html
    image = writer_client.get(f"/kb/{item.number}/attachment/{attachment.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    # Public at once (approval off): the public page serves the image by its own URL.
    public = Client().get(f"/faq/{item.number}-{item.slug}/")
    assert f'src="/faq/{item.number}/attachment/{attachment.pk}/"' in public.content.decode()
    assert Client().get(f"/faq/{item.number}/attachment/{attachment.pk}/").status_code == 200


def test_explorer_search_print_and_journal(
    writer_client: Client, writer_actor: Actor, category: Category
) -> None:
    item = new_item(writer_actor, category)
    explorer = writer_client.get(f"/kb/?category={category.pk}&sort=rating")
    assert f'data-faq="{item.number}"' in explorer.content.decode()
    assert 'data-category="Network::WLAN"' in explorer.content.decode()
    found = writer_client.get("/kb/search/?q=EDUROAM&language=en")
    assert f'data-faq="{item.number}"' in found.content.decode()
    none = writer_client.get("/kb/search/?q=eduroam&language=de")
    assert f'data-faq="{item.number}"' not in none.content.decode()
    assert writer_client.get(f"/kb/{item.number}/print/").status_code == 200
    assert f'data-faq="{item.number}"' in writer_client.get("/kb/journal/").content.decode()


def test_edit_duplicate_and_bad_input(
    writer_client: Client, writer_actor: Actor, category: Category
) -> None:
    item = new_item(writer_actor, category)
    data = {
        "title": "",
        "category": category.pk,
        "visibility": "public",
        "language": "en",
    }
    assert writer_client.post(f"/kb/{item.number}/edit/", data).status_code == 400
    data["title"] = "Renamed"
    assert writer_client.post(f"/kb/{item.number}/edit/", data).status_code == 302
    item.refresh_from_db()
    assert (item.title, item.version) == ("Renamed", 2)
    response = writer_client.post(f"/kb/{item.number}/duplicate/")
    assert response.status_code == 302
    assert FaqItem.objects.count() == 2
    data["original"] = "999999"
    assert writer_client.post(f"/kb/{item.number}/edit/", data).status_code == 400


def test_approval_flow(
    settings: Any, writer_client: Client, writer_actor: Actor, category: Category, faq_group: Group
) -> None:
    settings.SPORTELLO_FAQ_APPROVAL = True
    item = new_item(writer_actor, category)
    assert Client().get(f"/faq/{item.number}-{item.slug}/").status_code == 404
    assert writer_client.post(f"/kb/{item.number}/approve/").status_code == 403
    approvers, _created = provisioning.add_group("faq-approval")
    approver = make_agent("approver", approvers)
    provisioning.grant(faq_group, "ro", agent=approver)
    client = Client()
    client.force_login(approver)
    queue = client.get("/kb/approval/").content.decode()
    assert f'data-faq="{item.number}"' in queue
    assert client.post(f"/kb/{item.number}/approve/").status_code == 302
    assert Client().get(f"/faq/{item.number}-{item.slug}/").status_code == 200


def test_picker_inserts_quote_and_link(
    writer_client: Client, writer_actor: Actor, category: Category
) -> None:
    item = new_item(writer_actor, category)
    html = writer_client.get("/kb/picker/?q=eduroam").content.decode()
    assert f"FAQ#{item.number}" in html
    assert "&gt; Install the eduroam profile." in html
    assert f"/faq/{item.number}-{item.slug}/" in html


def test_ticket_links_and_create_from_ticket(
    category: Category, faq_group: Group, queue: Any, agent: User, writer_actor: Actor
) -> None:
    from sportello.tickets import actions as ticket_actions
    from sportello.tickets.articles import ArticleInput

    item = new_item(writer_actor, category)
    provisioning.grant(faq_group, "rw", agent=agent)
    ticket = ticket_actions.create_ticket(
        title="Printer jam",
        queue=queue,
        article=ArticleInput(channel="email", sender_type="customer", body="Paper stuck"),
        actor=Actor(user=agent),
    )
    client = Client()
    client.force_login(agent)
    response = client.post(f"/kb/{item.number}/link/", {"ticket": ticket.number})
    assert response.status_code == 302
    fragment = client.get(f"/ticket/{ticket.number}/faq/").content.decode()
    assert f"FAQ#{item.number}" in fragment
    assert ticket.history.filter(type="Link", new_value=f"FAQ#{item.number}").exists()
    form = client.get(f"/kb/new/?ticket={ticket.number}").content.decode()
    assert "Printer jam" in form and "Paper stuck" in form
    response = client.post(
        "/kb/new/",
        {
            "title": "Printer jam",
            "category": category.pk,
            "visibility": "internal",
            "language": "en",
            "problem": "Paper stuck",
            "ticket": ticket.number,
            "valid": "on",
        },
    )
    assert response.status_code == 302
    created = FaqItem.objects.get(title="Printer jam")
    assert created.ticket_links.filter(ticket=ticket).exists()


def test_public_pages_canonical_caching_feed_sitemap(
    writer_actor: Actor, category: Category
) -> None:
    public = new_item(writer_actor, category, title="Eduroam setup")
    internal = new_item(
        writer_actor, category, title="Internal eduroam notes", visibility="internal"
    )
    external = new_item(writer_actor, category, title="External eduroam", visibility="external")
    client = Client()
    url = f"/faq/{public.number}-eduroam-setup/"
    page = client.get(url)
    assert page.status_code == 200
    assert f'<link rel="canonical" href="http://testserver{url}">' in page.content.decode()
    assert "public" in page["Cache-Control"] and "max-age=300" in page["Cache-Control"]
    assert page.has_header("ETag") and page.has_header("Last-Modified")
    assert client.get(url, headers={"If-None-Match": page["ETag"]}).status_code == 304
    assert client.get(f"/faq/{public.number}/").status_code == 301
    assert client.get(f"/faq/{public.number}-wrong-slug/")["Location"] == url
    for hidden in (internal, external):
        assert client.get(f"/faq/{hidden.number}/").status_code == 404
        assert client.get(f"/faq/{hidden.number}-{hidden.slug}/").status_code == 404
    for path in ("/faq/", "/faq/?q=eduroam", "/faq/feed.atom", "/faq/sitemap.xml"):
        body = client.get(path).content.decode()
        assert str(public.number) in body, path
        assert "Internal eduroam" not in body and "External eduroam" not in body, path
    feed = client.get("/faq/feed.atom")
    assert feed["Content-Type"].startswith("application/atom+xml")
    sitemap = client.get("/faq/sitemap.xml")
    assert re.search(rf"<loc>http://testserver{url}</loc>", sitemap.content.decode())


def test_public_rating_once_per_session(writer_actor: Actor, category: Category) -> None:
    item = new_item(writer_actor, category)
    client = Client()
    first = client.post(f"/faq/{item.number}/rate/", {"rating": "4"})
    assert first["Location"].endswith("?rated=thanks")
    again = client.post(f"/faq/{item.number}/rate/", {"rating": "5"})
    assert again["Location"].endswith("?rated=again")
    bad = Client().post(f"/faq/{item.number}/rate/", {"rating": "9"})
    assert bad["Location"].endswith("?rated=invalid")
    item.refresh_from_db()
    assert (item.vote_count, item.vote_sum) == (1, 4)


def test_portal_faq_shows_external_and_public_only(
    client_a: Client, writer_actor: Actor, category: Category
) -> None:
    external = new_item(writer_actor, category, title="External eduroam", visibility="external")
    internal = new_item(writer_actor, category, title="Internal eduroam", visibility="internal")
    listing = client_a.get("/portal/faq/?q=eduroam").content.decode()
    assert f'data-faq="{external.number}"' in listing
    assert f'data-faq="{internal.number}"' not in listing
    assert client_a.get(f"/portal/faq/{external.number}/").status_code == 200
    assert client_a.get(f"/portal/faq/{internal.number}/").status_code == 404
    assert Client().get(f"/portal/faq/{external.number}/").status_code == 302


def test_form_suggestions_and_opened_record(
    client_a: Client, writer_actor: Actor, category: Category, request_form: RequestForm
) -> None:
    public = new_item(writer_actor, category, title="Printer paper jam", solution="Open tray")
    internal = new_item(
        writer_actor, category, title="Printer paper jam internal", visibility="internal"
    )
    html = (
        Client()
        .get("/portal/forms/printing/suggestions/?title=printer&description=paper+jam")
        .content.decode()
    )
    assert f'data-faq="{public.number}"' in html
    assert f'data-faq="{internal.number}"' not in html
    response = client_a.post(
        "/portal/forms/printing/",
        {
            "started": client_a.get("/portal/forms/printing/").context["form"]["started"].value(),
            "title": "Printer",
            "description": "Paper jam",
            "faq_opened": str(public.number),
        },
    )
    assert response.status_code == 302, response.content
    use = FaqSuggestionUse.objects.get()
    assert use.faq_numbers == [public.number] and use.ticket_number


def test_article_links_its_request_form(
    client_a: Client,
    customer_a: CustomerUser,
    writer_actor: Actor,
    category: Category,
    request_form: RequestForm,
) -> None:
    item = new_item(writer_actor, category, request_form_slug="printing")
    page = Client().get(f"/faq/{item.number}-{item.slug}/").content.decode()
    assert 'href="/portal/forms/printing/"' in page


def test_dashboard_widgets_load_after_the_page(
    writer_client: Client, writer_actor: Actor, category: Category
) -> None:
    item = new_item(writer_actor, category)
    actions.rate(item, voter="session:x", value=5)
    home = writer_client.get("/").content.decode()
    assert 'data-widget="faq-recent"' in home and 'data-widget="faq-top"' in home
    assert f'data-faq="{item.number}"' not in home  # loaded by the widget itself
    for name in ("faq-recent", "faq-top"):
        body = writer_client.get(
            f"/dashboard/{name}/", headers={"HX-Request": "true"}
        ).content.decode()
        assert f'data-faq="{item.number}"' in body, name
    nobody = Client()
    nobody.force_login(make_agent("nobody"))
    top = nobody.get("/dashboard/faq-top/", headers={"HX-Request": "true"})
    assert f'data-faq="{item.number}"' not in top.content.decode()


def test_the_note_dialog_offers_the_picker(category: Category, queue: Any, agent: User) -> None:
    from sportello.tickets import actions as ticket_actions
    from sportello.tickets.articles import ArticleInput

    ticket = ticket_actions.create_ticket(
        title="WLAN",
        queue=queue,
        article=ArticleInput(channel="email", sender_type="customer", body="b"),
        actor=Actor(user=agent),
    )
    client = Client()
    client.force_login(agent)
    for dialog, target in (("note", "id_body"), ("reply", "id_text")):
        url = f"/ticket/{ticket.number}/action/{dialog}/"
        if dialog == "reply":
            url = f"/ticket/{ticket.number}/article/1/action/reply/"
        page = client.get(url).content.decode()
        assert f'data-faq-picker data-target="{target}"' in page, dialog
    assert 'data-target="id_text"' in client.get("/tickets/new/phone/").content.decode()


def test_newest_beside_top_and_recently_changed(
    writer_client: Client, writer_actor: Actor, category: Category
) -> None:
    from datetime import datetime

    old = new_item(writer_actor, category, title="Old eduroam article")
    young = new_item(writer_actor, category, title="Young eduroam article")
    internal = new_item(writer_actor, category, title="Young internal", visibility="internal")
    FaqItem.objects.filter(pk=old.pk).update(created=datetime(2026, 1, 1, tzinfo=UTC))
    FaqItem.objects.filter(pk=young.pk).update(created=datetime(2026, 3, 1, tzinfo=UTC))
    FaqItem.objects.filter(pk=internal.pk).update(created=datetime(2026, 4, 1, tzinfo=UTC))
    # The old one was changed last: recently changed and newest differ.
    actions.update_item(
        old,
        actions.ItemInput(
            title="Old eduroam article, revised",
            category=category,
            visibility="public",
            solution=old.solution,
        ),
        actor=writer_actor,
    )
    actions.rate(young, voter="session:x", value=5)

    def numbers(html: str, key: str) -> list[int]:
        block = html.split(f'data-faq-list="{key}"', 1)[1].split("</section>", 1)[0]
        return [int(n) for n in re.findall(r'data-faq="(\d+)"', block)]

    explorer = writer_client.get("/kb/").content.decode()
    assert numbers(explorer, "newest")[:3] == [internal.number, young.number, old.number]
    assert numbers(explorer, "changed")[0] == old.number
    assert numbers(explorer, "top") == [young.number]
    widget = writer_client.get("/dashboard/faq-new/", headers={"HX-Request": "true"})
    widget = widget.content.decode()
    assert re.findall(r'data-faq="(\d+)"', widget)[:2] == [str(internal.number), str(young.number)]
    public = Client().get("/faq/").content.decode()
    assert numbers(public, "newest") == [young.number, old.number]
    assert numbers(public, "changed")[0] == old.number
    assert numbers(public, "top") == [young.number]
    # A search shows results, not the front lists.
    assert 'data-faq-list="newest"' not in Client().get("/faq/?q=eduroam").content.decode()
