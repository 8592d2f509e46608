"""Saved search templates: create, load, update, delete; each agent sees only their own."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts.models import User
from sportello.search.models import SearchTemplate
from tests.search.board import Board

pytestmark = pytest.mark.django_db

QUERY = "attrs=fulltext&attrs=locked&fulltext=toner&locked=yes&density=M"


def test_create_load_update_delete(client: Client, agent: User, board: Board) -> None:
    client.force_login(agent)
    response = client.post("/search/templates/save/", {"name": "Locked toner", "query": QUERY})
    template = SearchTemplate.objects.get(agent=agent, name="Locked toner")
    assert (
        response.status_code == 302 and response["Location"] == f"/search/?template={template.pk}"
    )
    assert template.options["fulltext"] == ["toner"] and template.options["attrs"] == [
        "fulltext",
        "locked",
    ]
    # Loading runs the search with the saved options.
    content = client.get(f"/search/?template={template.pk}").content.decode()
    assert board.beta.number in content and board.alpha.number not in content
    assert 'value="toner"' in content and "Locked toner" in content
    # Saving under the same name updates the template.
    client.post("/search/templates/save/", {"name": "Locked toner", "query": "fulltext=jam"})
    template.refresh_from_db()
    assert template.options == {"fulltext": ["jam"]}
    assert SearchTemplate.objects.filter(agent=agent).count() == 1
    response = client.post(f"/search/templates/{template.pk}/delete/")
    assert response.status_code == 302
    assert not SearchTemplate.objects.filter(pk=template.pk).exists()


def test_templates_are_private(client: Client, agent: User, other_agent: User) -> None:
    theirs = SearchTemplate.objects.create(agent=other_agent, name="Mine", options={})
    client.force_login(agent)
    assert client.get(f"/search/?template={theirs.pk}").status_code == 404
    assert client.post(f"/search/templates/{theirs.pk}/delete/").status_code == 404
    assert b"Mine" not in client.get("/search/").content
    assert SearchTemplate.objects.filter(pk=theirs.pk).exists()


def test_a_name_is_required_and_get_is_refused(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.post("/search/templates/save/", {"name": "  ", "query": QUERY}, follow=True)
    assert b"Give the search template a name." in response.content
    assert not SearchTemplate.objects.exists()
    assert client.get("/search/templates/save/").status_code == 405


def test_csrf_is_required(agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post("/search/templates/save/", {"name": "x", "query": QUERY})
    assert response.status_code == 403
    assert not SearchTemplate.objects.exists()
