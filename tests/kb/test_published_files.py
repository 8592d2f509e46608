"""An article's files are published with its text: customers and the public get only
the files of the approved version (portal, /faq/ attachment URLs, feed, sitemap)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sportello.accounts import provisioning
from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.kb import actions, selectors
from sportello.kb.models import Category
from sportello.tickets.articles import AttachmentInput
from tests.kb.conftest import make_agent, new_item


def _approver(faq_group: Group) -> Actor:
    approvers, _created = provisioning.add_group("faq-approval")
    approver = make_agent("approver", approvers)
    provisioning.grant(faq_group, "ro", agent=approver)
    return Actor(user=approver)


def _file(name: str) -> AttachmentInput:
    return AttachmentInput(filename=name, content_type="text/plain", content=b"secret draft")


def test_file_added_before_approval_is_hidden_until_approved(
    settings: Any,
    writer_actor: Actor,
    category: Category,
    faq_group: Group,
    client_a: Client,
) -> None:
    settings.SPORTELLO_FAQ_APPROVAL = True
    approver = _approver(faq_group)
    item = new_item(writer_actor, category, title="Eduroam profile", visibility="public")
    first = actions.add_attachment(item, _file("first.txt"), actor=writer_actor)
    item = actions.approve(item, actor=approver)
    draft = actions.add_attachment(item, _file("draft.txt"), actor=writer_actor)
    item.refresh_from_db()
    assert item.pending, "a new file waits for approval like a change of the text"

    anonymous = Client()
    public_page = anonymous.get(f"/faq/{item.number}-{item.slug}/").content.decode()
    portal_page = client_a.get(f"/portal/faq/{item.number}/").content.decode()
    for page in (public_page, portal_page):
        assert "first.txt" in page and "draft.txt" not in page
    assert anonymous.get(f"/faq/{item.number}/attachment/{first.pk}/").status_code == 200
    assert anonymous.get(f"/faq/{item.number}/attachment/{draft.pk}/").status_code == 404
    assert client_a.get(f"/portal/faq/{item.number}/attachment/{draft.pk}/").status_code == 404
    for path in ("/faq/feed.atom", "/faq/sitemap.xml"):
        body = anonymous.get(path).content.decode()
        assert f"attachment/{draft.pk}/" not in body and "draft.txt" not in body, path
    # The agent sees the draft's file at once.
    assert {a.pk for a in item.attachments.all()} == {first.pk, draft.pk}

    actions.approve(item, actor=approver)
    assert anonymous.get(f"/faq/{item.number}/attachment/{draft.pk}/").status_code == 200
    assert client_a.get(f"/portal/faq/{item.number}/attachment/{draft.pk}/").status_code == 200
    assert "draft.txt" in anonymous.get(f"/faq/{item.number}-{item.slug}/").content.decode()


def test_file_saved_with_an_edit_waits_too(
    settings: Any, writer_actor: Actor, category: Category, faq_group: Group
) -> None:
    settings.SPORTELLO_FAQ_APPROVAL = True
    approver = _approver(faq_group)
    item = actions.approve(new_item(writer_actor, category), actor=approver)
    data = actions.ItemInput(
        title=item.title,
        category=category,
        visibility=item.visibility,
        solution=item.solution,
        attachments=[_file("edit.txt")],
    )
    item = actions.update_item(item, data, actor=writer_actor)
    assert item.pending
    published = selectors.published_article(item.number, customer=False)
    assert published.attachments == []
    actions.approve(item, actor=approver)
    published = selectors.published_article(item.number, customer=False)
    assert [a.filename for a in published.attachments] == ["edit.txt"]


def test_removed_file_disappears_and_without_approval_files_publish_at_once(
    writer_actor: Actor, category: Category
) -> None:
    item = new_item(writer_actor, category, attachments=[_file("a.txt")])
    added = actions.add_attachment(item, _file("b.txt"), actor=writer_actor)
    published = selectors.published_article(item.number, customer=False)
    assert sorted(a.filename for a in published.attachments) == ["a.txt", "b.txt"]
    actions.remove_attachment(added, actor=writer_actor)
    published = selectors.published_article(item.number, customer=False)
    assert [a.filename for a in published.attachments] == ["a.txt"]
    assert Client().get(f"/faq/{item.number}/attachment/{added.pk}/").status_code == 404
