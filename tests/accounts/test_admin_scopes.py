"""The seed's mini-admin: edits only the signatures of its own queues' groups."""

from __future__ import annotations

import pytest
from django.test import Client

from sportello.accounts import provisioning
from sportello.accounts.models import User
from sportello.queues.models import Signature
from sportello.queues.services import ensure_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> dict[str, object]:
    library, _created = provisioning.add_group("library")
    office, _created = provisioning.add_group("office")
    own = Signature.objects.create(name="Library signature", text="Your library")
    foreign = Signature.objects.create(name="Office signature", text="Your office")
    ensure_queue("Library", group=library, signature=own)
    ensure_queue("Office", group=office, signature=foreign)
    editor = User.objects.create_user("editor", email="e@example.org", password="x" * 12)
    role, _created = provisioning.add_role("Signature editor", admin_areas=["signatures"])
    provisioning.assign_role(role, editor)
    provisioning.grant(library, "rw", agent=editor)
    provisioning.grant(office, "ro", agent=editor)
    return {"editor": editor, "own": own, "foreign": foreign}


def test_the_mini_admin_sees_and_edits_only_its_signatures(
    client: Client, setup: dict[str, object]
) -> None:
    own, foreign = setup["own"], setup["foreign"]
    assert isinstance(own, Signature) and isinstance(foreign, Signature)
    client.force_login(setup["editor"])  # type: ignore[arg-type]
    index = client.get("/admin/")
    assert index.status_code == 200
    page = index.content.decode()
    assert "/admin/queues/signature/" in page
    for hidden in (
        "/admin/queues/queue/",
        "/admin/accounts/user/",
        "/admin/mail/standardtemplate/",
    ):
        assert hidden not in page, hidden
    listing = client.get("/admin/queues/signature/").content.decode()
    assert "Library signature" in listing and "Office signature" not in listing
    response = client.post(
        f"/admin/queues/signature/{own.pk}/change/",
        {"name": own.name, "text": "Your library, updated", "comment": "", "valid": "on"},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.text == "Your library, updated"
    # Another group's signature, adding, deleting and other pages: refused.
    assert client.get(f"/admin/queues/signature/{foreign.pk}/change/").status_code in (
        302,
        403,
        404,
    )
    assert client.post(
        f"/admin/queues/signature/{foreign.pk}/change/",
        {"name": foreign.name, "text": "hijacked", "valid": "on"},
    ).status_code in (302, 403, 404)
    foreign.refresh_from_db()
    assert foreign.text == "Your office"
    assert client.get("/admin/queues/signature/add/").status_code == 403
    assert (
        client.post(f"/admin/queues/signature/{own.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Signature.objects.filter(pk=own.pk).exists()
    assert client.get("/admin/queues/queue/").status_code == 403
    assert client.get("/admin/mail/standardtemplate/").status_code == 403


def test_an_agent_without_admin_role_is_kept_out(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_full_admin_sees_every_signature(client: Client, setup: dict[str, object]) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "a-long-password-1")
    client.force_login(root)
    listing = client.get("/admin/queues/signature/").content.decode()
    assert "Library signature" in listing and "Office signature" in listing
    assert client.get("/admin/queues/signature/add/").status_code == 200
    assert client.get("/admin/accounts/role/").status_code == 200
