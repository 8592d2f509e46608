"""The FAQ's actions and selectors: versions, approval, history, ratings, links and the
permission rules of categories."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.accounts import permissions, provisioning
from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.core.errors import Conflict, InvalidInput, PermissionDenied
from sportello.kb import actions, selectors
from sportello.kb.models import Category, FaqHistory, FaqVersion
from sportello.tickets.articles import AttachmentInput
from tests.kb.conftest import make_agent, new_item


def test_create_numbers_versions_and_publishes_without_approval(
    writer_actor: Actor, category: Category
) -> None:
    first = new_item(writer_actor, category)
    second = new_item(writer_actor, category, title="VPN")
    assert (first.number, second.number) == (1001, 1002)
    assert first.version == 1 and first.published is not None and not first.pending
    assert first.versions.count() == 1
    assert [h.type for h in first.history.all()] == ["created"]
    assert "eduroam" in first.search_text and "1001" in first.search_text


def test_update_keeps_versions_and_changed_fields(writer_actor: Actor, category: Category) -> None:
    item = new_item(writer_actor, category)
    data = actions.ItemInput(
        title=item.title, category=category, visibility="public", solution="<p>New</p>"
    )
    updated = actions.update_item(item, data, actor=writer_actor)
    assert updated.version == 2
    assert updated.versions.get(number=2).changed_fields == ["solution"]
    # The same input again is no change: no version, no history row.
    again = actions.update_item(updated, data, actor=writer_actor)
    assert again.version == 2 and again.history.count() == 2


def test_history_and_versions_are_append_only(writer_actor: Actor, category: Category) -> None:
    item = new_item(writer_actor, category)
    row = FaqHistory.objects.get(item=item)
    version = FaqVersion.objects.get(item=item)
    for obj in (row, version):
        with pytest.raises(ValueError):
            obj.save()
        with pytest.raises(ValueError):
            obj.delete()


def test_approval_publishes_only_approved_versions(
    settings: Any, writer_actor: Actor, category: Category
) -> None:
    settings.SPORTELLO_FAQ_APPROVAL = True
    item = new_item(writer_actor, category)
    assert item.pending
    assert selectors.published_search("eduroam", customer=False) == []
    with pytest.raises(PermissionDenied):
        actions.approve(item, actor=writer_actor)
    approvers, _created = provisioning.add_group("faq-approval")
    approver = make_agent("approver", approvers)
    # Approvers read the article's category too.
    with pytest.raises(PermissionDenied):
        actions.approve(item, actor=Actor(user=approver))
    provisioning.grant(category.groups.get(), "ro", agent=approver)
    permissions.forget(approver)
    approved = actions.approve(item, actor=Actor(user=approver))
    assert not approved.pending
    assert [i.number for i in selectors.published_search("eduroam", customer=False)] == [
        item.number
    ]
    # A change waits: the public still reads version 1.
    data = actions.ItemInput(
        title="Changed title", category=category, visibility="public", solution="secret draft"
    )
    actions.update_item(approved, data, actor=writer_actor)
    article = selectors.published_article(item.number, customer=False)
    assert article.title == "WLAN eduroam does not connect"
    assert selectors.published_search("draft", customer=False) == []
    with pytest.raises(Conflict):
        actions.approve(
            actions.approve(approved, actor=Actor(user=approver)), actor=Actor(user=approver)
        )


def test_making_an_article_internal_hides_it_at_once(
    writer_actor: Actor, category: Category
) -> None:
    item = new_item(writer_actor, category)
    assert selectors.published_search("eduroam", customer=False)
    data = actions.ItemInput(title=item.title, category=category, visibility="internal")
    actions.update_item(item, data, actor=writer_actor)
    assert selectors.published_search("eduroam", customer=False) == []
    assert selectors.published_search("eduroam", customer=True) == []
    assert selectors.suggestions("eduroam wlan", customer=True) == []


def test_visibility_levels(writer_actor: Actor, category: Category) -> None:
    internal = new_item(writer_actor, category, title="Internal eduroam", visibility="internal")
    external = new_item(writer_actor, category, title="External eduroam", visibility="external")
    public = new_item(writer_actor, category, title="Public eduroam", visibility="public")
    customer = {i.number for i in selectors.published_search("eduroam", customer=True)}
    anyone = {i.number for i in selectors.published_search("eduroam", customer=False)}
    assert customer == {external.number, public.number}
    assert anyone == {public.number}
    assert internal.number not in customer | anyone


def test_category_permissions(faq_group: Group, writer_actor: Actor, category: Category) -> None:
    item = new_item(writer_actor, category)
    nobody = make_agent("nobody")
    reader = make_agent("reader", faq_group, "ro")
    assert selectors.agent_search(nobody, "eduroam") == []
    assert [i.number for i in selectors.agent_search(reader, "eduroam")] == [item.number]
    assert permissions.faq_may(reader, "ro", category)
    assert not permissions.faq_may(reader, "rw", category)
    with pytest.raises(PermissionDenied):
        new_item(Actor(user=reader), category)
    # A category without groups is open to every agent.
    open_category = actions.ensure_category_path("General")
    assert permissions.faq_may(nobody, "rw", open_category)


def test_translations_one_per_language(writer_actor: Actor, category: Category) -> None:
    item = new_item(writer_actor, category, language="en")
    german = new_item(writer_actor, category, title="WLAN geht nicht", language="de", original=item)
    with pytest.raises(Conflict):
        new_item(writer_actor, category, title="Again", language="de", original=item)
    assert [t.language for t in selectors.translations(german)] == ["de", "en"]


def test_bad_input_is_refused(writer_actor: Actor, category: Category) -> None:
    with pytest.raises(InvalidInput):
        new_item(writer_actor, category, title="   ")
    with pytest.raises(InvalidInput):
        new_item(writer_actor, category, visibility="secret")
    item = new_item(writer_actor, category)
    with pytest.raises(InvalidInput):
        actions.rate(item, voter="session:x", value=6)


def test_one_vote_per_voter(writer_actor: Actor, category: Category) -> None:
    item = new_item(writer_actor, category)
    assert actions.rate(item, voter="session:abc", value=5)
    assert not actions.rate(item, voter="session:abc", value=1)
    assert actions.rate(item, voter="customer:max", value=2)
    item.refresh_from_db()
    assert (item.vote_count, item.rating) == (2, 3.5)
    writer = writer_actor.user
    assert [i.number for i in selectors.top_rated(writer)] == [item.number]


def test_attachments_and_duplicate(writer_actor: Actor, category: Category) -> None:
    item = new_item(
        writer_actor,
        category,
        attachments=[AttachmentInput("wlan.png", "image/png", b"\x89PNG...", "img1", True)],
    )
    attachment = item.attachments.get()
    assert attachment.file.read() == b"\x89PNG..."
    copy = actions.duplicate_item(item, actor=writer_actor)
    assert copy.number != item.number and copy.title.startswith("Copy of")
    assert copy.attachments.get().content_id == "img1"


def test_link_ticket_writes_the_ticket_history(
    writer_actor: Actor, category: Category, queue: Any, agent: User
) -> None:
    from sportello.tickets import actions as ticket_actions
    from sportello.tickets.articles import ArticleInput

    item = new_item(writer_actor, category)
    ticket = ticket_actions.create_ticket(
        title="WLAN",
        queue=queue,
        article=ArticleInput(channel="email", sender_type="customer", body="b"),
        actor=Actor(user=agent),
    )
    # The writer may not change the ticket (no grant on its queue).
    with pytest.raises(PermissionDenied):
        actions.link_ticket(item, ticket, actor=writer_actor)
    provisioning.grant(Group.objects.get(name="faq-network"), "ro", agent=agent)
    actions.link_ticket(item, ticket, actor=Actor(user=agent))
    assert ticket.history.filter(type="Link", new_value=f"FAQ#{item.number}").exists()
    actions.unlink_ticket(item, ticket, actor=Actor(user=agent))
    assert ticket.history.filter(type="Unlink", old_value=f"FAQ#{item.number}").exists()
    assert not item.ticket_links.exists()


def test_suggestions_rank_by_words(writer_actor: Actor, category: Category) -> None:
    items = [
        new_item(writer_actor, category, title=f"Printer {n}", solution="toner") for n in range(7)
    ]
    best = new_item(writer_actor, category, title="Printer toner paper jam", solution="")
    found = selectors.suggestions("printer paper jam", customer=False)
    assert len(found) == 5 and found[0].number == best.number
    assert {i.number for i in found} <= {i.number for i in [*items, best]}
