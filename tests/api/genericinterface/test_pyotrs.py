"""pyotrs 1.5.3, unmodified, against the server on loopback with its default
configuration (the development route set)."""

from __future__ import annotations

import base64
import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pyotrs import Article, Attachment, Client, DynamicField, Ticket
from pyotrs.lib import APIError

from sportello.accounts.models import User
from sportello.customers.models import CustomerUser
from sportello.tickets.models import DynamicField as Field
from sportello.tickets.models import Ticket as TicketRow
from tests.api.genericinterface.conftest import AGENT_PASSWORD, CUSTOMER_PASSWORD


def client(base: str, tmp_path: Path, login: str, password: str, **kwargs: Any) -> Client:
    return Client(base, login, password, session_id_file=str(tmp_path / f"{login}.sid"), **kwargs)


def _create(otrs: Client, title: str, **article: Any) -> dict[str, Any]:
    ticket = Ticket.create_basic(
        Title=title,
        Queue="Raw",
        State="new",
        Priority="3 normal",
        CustomerUser="jdoe@example.com",
    )
    return otrs.ticket_create(
        ticket=ticket, article=Article({"Subject": title, "Body": f"Body of {title}", **article})
    )


def test_session_create_and_restore(base: str, tmp_path: Path, gi_agent: User) -> None:
    otrs = client(base, tmp_path, "gi-agent", AGENT_PASSWORD)
    # Without use_legacy_sessions pyotrs asks for an AccessToken first, then falls back.
    assert otrs.session_restore_or_create()
    session_id = otrs.session_id_store.value
    assert len(session_id) == 32
    again = client(base, tmp_path, "gi-agent", AGENT_PASSWORD)
    assert again.session_restore_or_create()
    assert again.session_id_store.value == session_id  # restored, not created anew
    data = {item["Key"]: item["Value"] for item in again.session_get(session_id) and
            again.result_json["SessionData"]}  # fmt: skip
    assert data["UserLogin"] == "gi-agent"
    wrong = client(base, tmp_path / "elsewhere", "gi-agent", "wrong")
    with pytest.raises(APIError, match=r"SessionCreate\.AuthFail"):
        wrong.session_create()


def test_create_with_attachment_and_dynamic_field_then_get(
    base: str, tmp_path: Path, gi_agent: User, customer_a: CustomerUser, external_ref: Field
) -> None:
    otrs = client(base, tmp_path, "gi-agent", AGENT_PASSWORD)
    otrs.session_restore_or_create()
    ticket = Ticket.create_basic(
        Title="Printer broken", Queue="Raw", State="new", Priority="3 normal", CustomerUser="jdoe"
    )
    article = Article({"Subject": "Help", "Body": "It smokes"})
    attachment = Attachment.create_basic(
        Content=base64.b64encode(b"Hello").decode(), ContentType="text/plain", Filename="a.txt"
    )
    created = otrs.ticket_create(
        ticket=ticket,
        article=article,
        attachments=[attachment],
        dynamic_fields=[DynamicField("ExternalRef", value="ABC-1")],
    )
    ticket_id = int(created["TicketID"])
    row = TicketRow.objects.get(pk=ticket_id)
    assert row.number == created["TicketNumber"]
    assert row.customer_user_id == "jdoe" and row.queue.full_name == "Raw"
    assert row.created_by_id == gi_agent.pk

    got = otrs.ticket_get_by_id(ticket_id, articles=True, attachments=True, dynamic_fields=True)
    assert got.field_get("Title") == "Printer broken"
    assert got.field_get("StateID") == "1" and got.field_get("QueueID") == "2"
    assert got.dynamic_field_get("ExternalRef").value == "ABC-1"
    first = got.articles[0]
    assert first.field_get("Body") == "It smokes"
    assert first.field_get("From") == "gi-agent"
    file = first.attachment_get("a.txt")
    assert base64.b64decode(file.Content) == b"Hello"
    assert got.article_get(created["ArticleID"]) is not None

    by_number = otrs.ticket_get_by_number(created["TicketNumber"])
    assert by_number.field_get("TicketID") == str(ticket_id)
    second = _create(otrs, "Second")
    listed = otrs.ticket_get_by_list([ticket_id, int(second["TicketID"])])
    assert [t.field_get("Title") for t in listed] == ["Printer broken", "Second"]


def test_search_with_time_ranges(base: str, tmp_path: Path, gi_agent: User) -> None:
    otrs = client(base, tmp_path, "gi-agent", AGENT_PASSWORD)
    otrs.session_restore_or_create()
    old = int(_create(otrs, "Old one")["TicketID"])
    new = int(_create(otrs, "New one")["TicketID"])
    # Znuny's times are the server's local time (TIME_ZONE), as the client writes them.
    fixed = timezone.make_aware(datetime.datetime(2026, 1, 10, 12, 0))
    TicketRow.objects.filter(pk=old).update(created=fixed)
    assert otrs.ticket_search(Title="Old one") == [str(old)]
    assert otrs.ticket_search(Queues=["Raw"], States=["new", "open"]) == [str(new), str(old)]
    newer = datetime.datetime(2026, 1, 10, 12, 30)
    assert otrs.ticket_search(TicketCreateTimeNewerDate=newer) == [str(new)]
    assert otrs.ticket_search(TicketCreateTimeOlderDate=newer) == [str(old)]
    assert otrs.ticket_search(TicketCreateTimeOlderMinutes=60 * 24) == [str(old)]
    assert otrs.ticket_search(Title="Nothing like it") == []
    assert otrs.ticket_search(Queues="Raw", SortBy="Age", OrderBy="Up") == [str(old), str(new)]


def test_update_with_article_pending_and_history(base: str, tmp_path: Path, gi_agent: User) -> None:
    otrs = client(base, tmp_path, "gi-agent", AGENT_PASSWORD)
    otrs.session_restore_or_create()
    ticket_id = int(_create(otrs, "To update")["TicketID"])
    updated = otrs.ticket_update(
        ticket_id,
        article=Article({"Subject": "Note", "Body": "Looked at it"}),
        Priority="4 high",
        Title="Updated",
    )
    assert updated["TicketID"] == str(ticket_id) and updated["ArticleID"]
    row = TicketRow.objects.get(pk=ticket_id)
    assert row.title == "Updated" and row.priority.name == "4 high"
    assert row.articles.get(number=2).body == "Looked at it"

    assert otrs.ticket_update_set_pending(ticket_id, pending_days=2)
    row.refresh_from_db()
    assert row.state.name == "pending reminder" and row.pending_until is not None

    history = otrs.ticket_history_get_by_id(ticket_id)
    types = [item["HistoryType"] for item in history["History"]]
    assert types[0] == "NewTicket"
    for expected in ("AddNote", "PriorityUpdate", "TitleUpdate", "StateUpdate"):
        assert expected in types
    assert all(item["TicketID"] == str(ticket_id) for item in history["History"])


def test_customer_sees_own_tickets_and_visible_articles_only(
    base: str,
    tmp_path: Path,
    gi_agent: User,
    customer_a: CustomerUser,
    customer_b: CustomerUser,
) -> None:
    agent = client(base, tmp_path, "gi-agent", AGENT_PASSWORD)
    agent.session_restore_or_create()
    mine = int(_create(agent, "For Jo")["TicketID"])
    agent.ticket_update(
        mine, article=Article({"Subject": "Internal", "Body": "secret", "IsVisibleForCustomer": 0})
    )
    jo = client(base, tmp_path, "jdoe", CUSTOMER_PASSWORD, customer_user=True)
    jo.session_restore_or_create()
    got = jo.ticket_get_by_id(mine, articles=True)
    assert [a.field_get("Subject") for a in got.articles] == ["For Jo"]
    assert jo.ticket_search(Queues="Raw") == [str(mine)]
    with pytest.raises(APIError, match=r"TicketHistoryGet\.AccessDenied"):
        jo.ticket_history_get_by_id(mine)
    other = client(base, tmp_path, "mrossi", CUSTOMER_PASSWORD, customer_user=True)
    other.session_restore_or_create()
    assert other.ticket_search(Queues="Raw") == []
    with pytest.raises(APIError, match=r"TicketGet\.AccessDenied"):
        other.ticket_get_by_id(mine)
