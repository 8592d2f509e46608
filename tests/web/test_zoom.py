from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from sportello.accounts import permissions, provisioning
from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import ArticleFlag, DynamicField, LinkType, State
from tests.tickets.factories import make_ticket
from tests.web.helpers import PNG, html_mail, ticket_with_articles

pytestmark = pytest.mark.django_db

PAYLOAD = (
    '<p>Hallo <b>Welt</b></p><script>alert(1)</script><img src="x" onerror="alert(2)">'
    '<a href="javascript:alert(3)">click</a><svg onload="alert(4)"></svg>'
    '<div style="width: expression(alert(5))">css</div><form action="/x"><input name="a"></form>'
    '<iframe srcdoc="<script>alert(6)</script>"></iframe>'
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
    '<img src="https://tracker.example/pixel.gif" alt="pixel"><img src="cid:logo@mail" alt="logo">'
)


def test_html_is_sanitized_external_images_blocked_cid_served(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    logo = AttachmentInput("logo.png", "image/png", PNG, content_id="<logo@mail>", inline=True)
    ticket = make_ticket(queue, actor, article=html_mail(PAYLOAD, attachments=[logo]))
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.number}/").content.decode()
    body = page[page.index('class="body body-html"') :].split("</article>")[0]
    assert "<b>Welt</b>" in body
    for bad in ("<script", "onerror", "javascript:", "<svg", "onload", "expression(", "<form",
                "<iframe", "srcdoc", "<meta", "style=", "tracker.example"):  # fmt: skip
        assert bad not in body, bad
    attachment_id = ticket.articles.get().attachments.get().pk
    assert f'src="/ticket/{ticket.number}/attachment/{attachment_id}/?inline=1"' in body
    assert "2 external images were blocked." in page  # "x" and the tracker
    # The agent asks for external content: the image and a CSP that lets it load.
    response = client.get(f"/ticket/{ticket.number}/?external=1")
    assert 'src="https://tracker.example/pixel.gif"' in response.content.decode()
    assert "https:" in response["Content-Security-Policy"].split("img-src")[1].split(";")[0]
    assert "<script" not in response.content.decode().split('class="body body-html"')[1]
    plain_csp = client.get(f"/ticket/{ticket.number}/")["Content-Security-Policy"]
    assert "https:" not in plain_csp.split("img-src")[1].split(";")[0]
    inline = client.get(f"/ticket/{ticket.number}/attachment/{attachment_id}/?inline=1")
    assert inline["Content-Type"] == "image/png" and b"".join(inline.streaming_content) == PNG


def test_plain_text_is_escaped(client: Client, agent: User, queue: Queue, actor: Actor) -> None:
    article = ArticleInput(channel="phone", sender_type="customer", body="<b>1 < 2</b> & so")
    ticket = make_ticket(queue, actor, article=article)
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.number}/").content.decode()
    assert "&lt;b&gt;1 &lt; 2&lt;/b&gt; &amp; so" in page


def test_articles_numbered_marked_internal_and_unseen_per_agent(
    client: Client, agent: User, other_agent: User, queue: Queue, actor: Actor
) -> None:
    ticket = ticket_with_articles(queue, actor, 4)
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.number}/").content.decode()
    assert [int(n) for n in re.findall(r'id="article-(\d+)"', page)] == [1, 2, 3, 4]
    assert page.count('class="badge unseen-badge"') == 8  # list row and article, 4 each
    assert re.search(r'<article class="card article internal[^"]*" id="article-3"', page)
    assert not re.search(r'<article class="card article internal[^"]*" id="article-1"', page)
    # Seen now, for this agent only.
    assert "unseen-badge" not in client.get(f"/ticket/{ticket.number}/").content.decode()
    assert ArticleFlag.objects.filter(agent=agent, seen=True).count() == 4
    client.force_login(other_agent)
    page = client.get(f"/ticket/{ticket.number}/?article=2").content.decode()
    assert re.findall(r'id="article-(\d+)"', page) == ["2"]  # one article shown
    assert page.count('class="badge unseen-badge"') == 5  # the four list rows, article 2
    assert ArticleFlag.objects.filter(agent=other_agent, seen=True).count() == 1
    page = client.get(f"/ticket/{ticket.number}/?article=1").content.decode()
    assert page.count('class="badge unseen-badge"') == 4  # rows 1, 3, 4 and article 1
    # A new article is unseen again.
    actions.add_article(
        ticket, ArticleInput(channel="internal", sender_type="agent", body="late"), actor=actor
    )
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.number}/?article=1").content.decode()
    assert page.count('class="badge unseen-badge"') == 1


def test_filter_by_channel_and_sender(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    ticket = ticket_with_articles(queue, actor, 6)
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.number}/?channel=internal").content.decode()
    assert re.findall(r'id="article-(\d+)"', page) == ["3", "6"]
    page = client.get(f"/ticket/{ticket.number}/?sender=customer&channel=email").content.decode()
    assert re.findall(r'id="article-(\d+)"', page) == ["1", "4"]
    assert client.get(f"/ticket/{ticket.number}/?channel=%00x&article=abc").status_code == 200


def test_mark_is_per_agent_and_needs_post(
    client: Client, agent: User, other_agent: User, queue: Queue, actor: Actor
) -> None:
    ticket = ticket_with_articles(queue, actor, 2)
    client.force_login(agent)
    url = f"/ticket/{ticket.number}/article/2/mark/"
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].endswith("#article-2")
    page = client.get(f"/ticket/{ticket.number}/").content.decode()
    assert re.search(r'<article class="card article[^"]* marked[^"]*" id="article-2"', page)
    fragment = client.post(url, HTTP_HX_REQUEST="true")
    assert b'aria-pressed="false"' in fragment.content and b"<html" not in fragment.content
    client.post(url)
    assert ArticleFlag.objects.get(agent=agent, article__number=2).marked
    client.force_login(other_agent)
    page = client.get(f"/ticket/{ticket.number}/").content.decode()
    assert not re.search(r'<article class="card article[^"]* marked', page)
    assert client.post(f"/ticket/{ticket.number}/article/99/mark/").status_code == 404
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(agent)
    assert csrf_client.post(url).status_code == 403


def test_attachment_download_is_safe(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    files = [
        AttachmentInput('../../etc/pa"ss\r\nwd.html', "text/html", b"<script>alert(1)</script>"),
        AttachmentInput("bild.png", "image/png", PNG),
        AttachmentInput("bild.svg", "image/svg+xml", b"<svg onload='alert(1)'/>"),
        AttachmentInput("Übersicht.pdf", "application/pdf", b"%PDF-1.4"),
    ]
    ticket = make_ticket(queue, actor, article=html_mail("<p>x</p>", attachments=files))
    html, png, svg, pdf = ticket.articles.get().attachments.order_by("id")
    client.force_login(agent)
    base = f"/ticket/{ticket.number}/attachment"
    response = client.get(f"{base}/{html.pk}/?inline=1")  # never inline: HTML is not previewed
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "/" not in disposition
    assert "\r" not in disposition and "\n" not in disposition and 'pa"ss' not in disposition
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    preview = client.get(f"{base}/{png.pk}/?inline=1")
    assert preview["Content-Disposition"].startswith("inline;")
    assert "sandbox" in preview["Content-Security-Policy"]
    assert client.get(f"{base}/{svg.pk}/?inline=1")["Content-Disposition"].startswith("attachment;")
    pdf_preview = client.get(f"{base}/{pdf.pk}/?inline=1")
    assert pdf_preview["Content-Type"] == "application/pdf"
    assert "%C3%9Cbersicht.pdf" in pdf_preview["Content-Disposition"]
    other = make_ticket(queue, actor)
    assert client.get(f"/ticket/{other.number}/attachment/{png.pk}/").status_code == 404
    assert client.get(f"{base}/999999/").status_code == 404


@pytest.mark.parametrize("in_database_max", [0, 64 * 1024])
def test_raw_source_and_eml(
    client: Client, agent: User, queue: Queue, actor: Actor, settings: Any, in_database_max: int
) -> None:
    # The raw message from a file and from the article's row: the same answers.
    settings.SPORTELLO_RAW_IN_DATABASE_MAX = in_database_max
    ticket = make_ticket(queue, actor, article=html_mail("<p>x</p>"))
    assert bool(ticket.articles.get(number=1).raw_source) is (in_database_max == 0)
    actions.add_article(
        ticket, ArticleInput(channel="internal", sender_type="agent", body="n"), actor=actor
    )
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.number}/").content.decode()
    # The zoom offers raw view, .eml and bounce for the mail, not for the note.
    assert page.count("/raw/") == 1 and f"{ticket.number}/article/1/raw/" in page
    raw = client.get(f"/ticket/{ticket.number}/article/1/raw/")
    assert raw["Content-Type"] == "text/plain; charset=utf-8"
    assert raw.content.startswith(b"From: max@example.org") and "ä" in raw.content.decode()
    eml = client.get(f"/ticket/{ticket.number}/article/1/eml/")
    assert eml["Content-Type"] == "message/rfc822"
    assert eml["Content-Disposition"] == f'attachment; filename="{ticket.number}-1.eml"'
    assert client.get(f"/ticket/{ticket.number}/article/2/raw/").status_code == 404
    assert client.get(f"/ticket/{ticket.number}/article/7/eml/").status_code == 404


def test_sidebar_customer_links_and_watch(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    company = CustomerCompany.objects.create(customer_id="fau", name="FAU Erlangen")
    CustomerUser.objects.create(
        login="max", email="max@example.org", first_name="Max", last_name="Muster", company=company
    )
    ticket = make_ticket(queue, actor, customer_user_id="max", title="Haupt")
    other = make_ticket(queue, actor, customer_user_id="max", title="Drucker")
    closed = make_ticket(queue, actor, customer_user_id="max", title="Alt")
    actions.set_state(closed, State.objects.get(name="closed successful"), actor=actor)
    child = make_ticket(queue, actor, title="Kind")
    related = make_ticket(queue, actor, title="Verwandt")
    actions.link(ticket, child, actor=actor, type=LinkType.PARENT_CHILD)
    actions.link(related, ticket, actor=actor, type=LinkType.NORMAL)
    actions.watch(ticket, actor=actor)
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.number}/").content.decode()
    customer = page[page.index("customer-info") :].split("</section>")[0]
    assert "Max Muster" in customer and "FAU Erlangen" in customer
    assert other.number in customer and closed.number not in customer
    linked = page[page.index('class="card linked"') :].split("</section>")[0]
    assert "Child" in linked and child.number in linked
    assert "Related" in linked and related.number in linked
    assert 'class="watch-status">yes<' in page
    child_page = client.get(f"/ticket/{child.number}/").content.decode()
    assert "Parent" in child_page and ticket.number in child_page


def test_unreadable_ticket_is_404_everywhere(
    client: Client, agent: User, queue: Queue, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = make_ticket(queue, actor, article=html_mail("<p>x</p>"))
    provisioning.revoke(queue.group, "rw", agent=agent)
    client.force_login(agent)
    base = f"/ticket/{ticket.number}"
    for path in ("/", "/print/", "/article/1/raw/", "/article/1/eml/", "/article/1/print/"):
        assert client.get(base + path).status_code == 404, path
    assert client.post(base + "/article/1/mark/").status_code == 404
    assert ticket.number not in client.get("/").content.decode()


def _article_menus(page: str) -> dict[int, str]:
    found = re.findall(r'<ul class="article-menu"[^>]*data-article="(\d+)">(.*?)</ul>', page)
    return {int(number): menu for number, menu in found}


def test_every_article_has_its_own_menu_with_what_its_channel_offers(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    # 1 mail (no source), 2 phone, 3 internal note, 4 mail with source
    ticket = ticket_with_articles(queue, actor, 4)
    client.force_login(agent)
    menus = _article_menus(client.get(f"/ticket/{ticket.number}/").content.decode())
    assert sorted(menus) == [1, 2, 3, 4]
    offered = {n: re.findall(r'data-action="([a-z-]+)"', menu) for n, menu in menus.items()}
    assert offered == {
        1: ["reply", "reply-all", "forward"],
        2: ["reply", "forward"],
        3: ["forward"],
        4: ["reply", "reply-all", "forward", "bounce"],
    }
    base = f"/ticket/{ticket.number}/article"
    for n, menu in menus.items():
        assert f'href="{base}/{n}/action/split/"' in menu
        assert f'href="{base}/{n}/print/"' in menu
        assert f'action="{base}/{n}/mark/"' in menu
        assert (f'href="{base}/{n}/raw/"' in menu) == (n == 4)
        assert (f'href="{base}/{n}/eml/"' in menu) == (n == 4)
    assert f'action="{base}/4/action/bounce/open/"' in menus[4]
    # The list jumps to each card, or shows that article alone.
    page = client.get(f"/ticket/{ticket.number}/").content.decode()
    for n in range(1, 5):
        assert f'href="#article-{n}"' in page and f'href="?article={n}#article-{n}"' in page
    # Each menu entry opens that article's dialog, taking the lock first.
    response = client.post(f"{base}/2/action/reply/open/")
    assert response["Location"] == f"{base}/2/action/reply/?took_lock=1"
    dialog = client.get(response["Location"])
    assert dialog.status_code == 200 and "Reply" in dialog.content.decode()
    assert client.get(f"{base}/4/action/split/").status_code == 200


def test_article_menu_follows_permissions_and_the_lock(
    client: Client,
    agent: User,
    other_agent: User,
    queue: Queue,
    actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = ticket_with_articles(queue, actor, 2)
    actions.lock(ticket, actor=Actor(user=other_agent))
    client.force_login(agent)
    menus = _article_menus(client.get(f"/ticket/{ticket.number}/").content.decode())
    # Locked by another agent: the lock-taking entries are shown but disabled.
    assert re.findall(r'data-action="reply" disabled', menus[1])
    assert "/action/split/" in menus[1] and 'data-action="split"' not in menus[1]
    readonly = {"ro"}
    monkeypatch.setattr(permissions, "may", lambda user, perm, queue: perm in readonly)
    menus = _article_menus(client.get(f"/ticket/{ticket.number}/").content.decode())
    assert "data-action" not in menus[1] and "/action/split/" not in menus[1]
    assert "/print/" in menus[1] and "/mark/" in menus[1]


def test_article_dynamic_fields_are_shown_on_their_card(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    minutes = DynamicField.objects.create(
        name="minutes", object_type="article", field_type="integer", labels={"en": "Minutes"}
    )
    topic = DynamicField.objects.create(
        name="topic", object_type="article", field_type="dropdown", labels={"en": "Topic"},
        choices=[{"key": "hw", "labels": {"en": "Hardware <b>"}}],
    )  # fmt: skip
    ticket = ticket_with_articles(queue, actor, 3)
    note = ticket.articles.get(number=3)
    actions.set_dynamic_fields(ticket, {minutes: 15, topic: "hw"}, actor=actor, article=note)
    client.force_login(agent)
    page = client.get(f"/ticket/{ticket.number}/").content.decode()
    cards = dict(re.findall(r'id="article-(\d+)"(.*?)</article>', page, re.S))
    assert '<dt class="article-field">Minutes</dt><dd class="article-field">15</dd>' in cards["3"]
    assert "Hardware &lt;b&gt;" in cards["3"]
    assert "article-field" not in cards["1"] + cards["2"]
