"""``sportello import znuny`` against a Znuny database in PostgreSQL and in MariaDB."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from sportello.accounts import permissions
from sportello.accounts.models import AgentGrant, Role, RoleGrant, User
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.importer import run as importer
from sportello.importer.models import ImportedObject
from sportello.kb.models import Category, FaqAttachment, FaqHistory, FaqItem, FaqVersion, FaqVote
from sportello.mail.ingest import ingest_message
from sportello.mail.models import AutoResponse, StandardTemplate
from sportello.queues.models import FollowUpPolicy, Queue, SystemAddress
from sportello.sla.models import SLA, Service, UpdateWait
from sportello.tickets.models import (
    Article,
    ArticleFlag,
    Attachment,
    DynamicField,
    DynamicFieldValue,
    History,
    LinkType,
    Lock,
    Ticket,
    TicketLink,
    TicketWatch,
    TimeAccounting,
)
from sportello.tickets.numbers import next_ticket_number
from tests.importer import installation
from tests.importer.installation import NUMBERS, PENDING_UNTIL
from tests.importer.znuny_db import ZnunyDB, finish_postgres, mysql_znuny, postgres_znuny

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["postgresql", "mysql"])
def znuny(request: Any, tmp_path: Path) -> Iterator[tuple[ZnunyDB, Path]]:
    article_dir = tmp_path / "article"
    article_dir.mkdir()
    make = postgres_znuny if request.param == "postgresql" else mysql_znuny
    with make() as db:
        installation.build(db, article_dir)
        finish_postgres(db)
        yield db, article_dir


def _import(db: ZnunyDB, article_dir: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "import",
        "znuny",
        "--database",
        db.url,
        "--article-dir",
        str(article_dir),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _snapshot() -> dict[str, Any]:
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (
            Ticket,
            Article,
            Attachment,
            History,
            TicketLink,
            TicketWatch,
            DynamicFieldValue,
            TimeAccounting,
            Queue,
            User,
            CustomerUser,
            AgentGrant,
            RoleGrant,
            Category,
            FaqItem,
            FaqAttachment,
            FaqVersion,
            FaqHistory,
            FaqVote,
        )
    } | {"changed": sorted(Ticket.objects.values_list("number", "changed", "state_id"))}


def test_whole_installation(znuny: tuple[ZnunyDB, Path]) -> None:
    db, article_dir = znuny
    output = _import(db, article_dir)
    assert "Import finished." in output
    # Queues: the tree, follow-up options, unlock timeout, calendar, address, template.
    wlan = Queue.objects.get(full_name="IT::Network::WLAN")
    assert wlan.parent.full_name == "IT::Network"
    assert wlan.follow_up_policy == FollowUpPolicy.REJECT
    assert Queue.objects.get(full_name="Sales").follow_up_policy == FollowUpPolicy.NEW_TICKET
    it = Queue.objects.get(full_name="IT")
    assert it.unlock_timeout == 30 and it.calendar.name == "Znuny calendar 1"
    assert it.calendar.hours.count() == 5  # the default calendar's, for the admin to adjust
    assert it.group.name == "it"
    assert SystemAddress.objects.get(email="it@example.org").queue == it
    assert list(StandardTemplate.objects.get(name="WLAN reset").queues.all()) == [wlan]
    assert not StandardTemplate.objects.filter(name="Snippet").exists()
    assert list(AutoResponse.objects.get(name="IT receipt").queues.all()) == [it]
    # Agents: preferences, My Queues, grants, roles.
    anna = User.objects.get(username="anna")
    assert (anna.language, anna.time_zone, anna.email) == (
        "de",
        "Europe/Berlin",
        "anna@example.org",
    )
    assert str(anna.out_of_office_start) == "2024-08-01"
    assert list(anna.my_queues.all()) == [wlan]
    bruno = User.objects.get(username="bruno")
    assert bruno.language == "it" and bruno.time_zone == ""
    assert set(bruno.grants.values_list("permission", flat=True)) == {"ro", "note"}
    assert list(Role.objects.get(name="Sales team").agents.all()) == [bruno]
    # Customers with umlauts.
    customer = CustomerUser.objects.get(login="jürgen")
    assert customer.company == CustomerCompany.objects.get(customer_id="MUELLER")
    assert customer.company.name == "Müller & Söhne GmbH" and customer.last_name == "Müller"
    # Service levels and dynamic fields.
    gold = SLA.objects.get(name="Gold")
    assert (gold.first_response_minutes, gold.update_minutes, gold.solution_minutes) == (
        60,
        120,
        480,
    )
    service = Service.objects.get(full_name="Network::WLAN")
    assert list(service.slas.all()) == [gold]
    severity = DynamicField.objects.get(name="Severity")
    assert {c["key"] for c in severity.choices} == {"high", "low"}
    # Tickets: numbers, attributes, times.
    ticket = Ticket.objects.get(number=NUMBERS.wlan)
    assert (ticket.title, ticket.queue, ticket.state.name, ticket.lock) == (
        "WLAN im 2. Stock",
        wlan,
        "open",
        Lock.LOCK,
    )
    assert (ticket.owner, ticket.responsible, ticket.service, ticket.sla) == (
        anna,
        bruno,
        service,
        gold,
    )
    assert ticket.customer_user_id == "jürgen" and ticket.customer_company_id == "MUELLER"
    assert ticket.created.isoformat() == "2024-03-15T08:30:00+00:00"
    assert ticket.changed.isoformat() == "2024-03-15T10:00:00+00:00"
    # Accounted time: the answer's 30 minutes; the negative correction is reported.
    entry = TimeAccounting.objects.get(ticket=ticket)
    assert (entry.minutes, entry.agent, entry.article.number) == (30, anna, 2)
    assert entry.created.isoformat() == "2024-03-16T10:00:00+00:00"
    assert "a negative correction" in output
    pending = Ticket.objects.get(number=NUMBERS.pending)
    assert pending.state.name == "pending reminder" and pending.pending_until == PENDING_UNTIL
    merged = Ticket.objects.get(number=NUMBERS.merged)
    assert merged.merged_into == ticket and merged.state.type == "merged"
    # Articles: the HTML mail with its inline image, the answer, the file storage.
    first, answer = ticket.articles.order_by("number")
    assert first.body == "Das WLAN fällt aus." and "cid:plan@mueller.example" in first.body_html
    assert first.message_id == "<wlan-1@mueller.example>" and first.sender_type == "customer"
    assert first.raw_size > 0
    image = first.attachments.get()
    assert (image.filename, image.content_id, image.inline) == (
        "plan.png",
        "plan@mueller.example",
        True,
    )
    assert image.file.read() == installation.PNG
    assert answer.in_reply_to == "<wlan-1@mueller.example>" and answer.created_by == anna
    mail, call = pending.articles.order_by("number")
    pdf = mail.attachments.get()
    assert pdf.filename == "angebot.pdf" and pdf.file.read() == installation.PDF
    assert mail.raw_size > 0 and (call.channel, call.sender_type) == ("phone", "agent")
    broken = merged.articles.get()
    assert "Grüße" in broken.body_html
    # The update clock from the articles: the answered contact with its working minutes
    # (09:30-10:45 in Berlin, within the calendar's hours); the one still waiting.
    assert [
        (w.contact_at.isoformat(), w.answered_at.isoformat(), w.minutes)
        for w in UpdateWait.objects.filter(ticket=ticket)
    ] == [("2024-03-15T08:30:00+00:00", "2024-03-15T09:45:00+00:00", 75)]
    assert ticket.update_wait_since is None
    assert merged.update_wait_since.isoformat() == "2024-03-17T09:00:00+00:00"
    # History: every row, with its original type, actor and time.
    znuny_rows = db.query("SELECT COUNT(*) FROM ticket_history WHERE ticket_id = 100")[0][0]
    rows = list(ticket.history.order_by("id"))
    assert len(rows) == znuny_rows
    assert {row.actor for row in rows} == {anna}
    state = next(r for r in rows if r.type == "StateUpdate")
    assert (state.old_value, state.new_value) == ("new", "open")
    assert any(r.type == "SendAgentNotification" for r in rows)  # kept by its Znuny name
    assert rows[0].created.isoformat() == "2024-03-15T08:30:00+00:00"
    # Links (the link to a FAQ article is reported), watchers, flags, field values.
    assert TicketLink.objects.filter(
        source=ticket, target=merged, type=LinkType.PARENT_CHILD
    ).exists()
    assert TicketLink.objects.filter(source=ticket, target=pending, type=LinkType.NORMAL).exists()
    assert "links to FAQ are not imported" in output
    assert TicketWatch.objects.get(ticket=ticket).agent == bruno
    assert ArticleFlag.objects.get(article=first, agent=anna).seen
    assert set(ticket.dynamic_values.values_list("value_key", flat=True)) == {"high", "Haus Ö"}
    # Mapping problems are reported, not hidden.
    assert "Mars/Olympus" in output
    assert "root@localhost" in output  # a DES crypt password: must be reset
    assert "the text is not utf-8" in output


def test_second_import_changes_nothing(znuny: tuple[ZnunyDB, Path]) -> None:
    db, article_dir = znuny
    _import(db, article_dir)
    before = _snapshot()
    report = importer.run(db.url, article_dir=article_dir)
    assert _snapshot() == before
    assert report.created.get("ticket", 0) == 0 and report.updated.get("ticket", 0) == 0
    assert report.created.get("history", 0) == 0
    # A change in Znuny after the first run is brought over, still without duplicates.
    db.execute(
        "UPDATE ticket SET title = 'WLAN wieder da', ticket_state_id = 2, "
        "change_time = '2024-03-20 10:00:00' WHERE id = 100"
    )
    db.commit()
    report = importer.run(db.url, article_dir=article_dir)
    ticket = Ticket.objects.get(number=NUMBERS.wlan)
    assert ticket.title == "WLAN wieder da" and ticket.state.name == "closed successful"
    assert report.updated["ticket"] == 1
    assert Ticket.objects.count() == len(before["Ticket"])


def test_old_passwords_log_in_and_are_upgraded(znuny: tuple[ZnunyDB, Path]) -> None:
    db, article_dir = znuny
    _import(db, article_dir)
    assert authenticate(username="anna", password="wrong") is None
    anna = authenticate(username="anna", password=installation.ANNA_PASSWORD)
    assert anna is not None and anna.password.startswith("argon2")
    bruno = authenticate(username="bruno", password=installation.BRUNO_PASSWORD)
    assert bruno is not None and bruno.password.startswith("argon2")
    customer = CustomerUser.objects.get(login="jürgen")
    assert not customer.check_password("Kunde")
    assert customer.check_password(installation.CUSTOMER_PASSWORD)
    assert CustomerUser.objects.get(pk=customer.pk).password.startswith("argon2")
    # A re-run keeps the upgraded hashes.
    importer.run(db.url, article_dir=article_dir)
    assert User.objects.get(username="anna").password.startswith("argon2")


def test_follow_ups_by_number_references_and_merge(znuny: tuple[ZnunyDB, Path]) -> None:
    db, article_dir = znuny
    _import(db, article_dir)
    ticket = Ticket.objects.get(number=NUMBERS.wlan)
    by_number = ingest_message(
        f"From: j.mueller@mueller.example\r\nTo: it@example.org\r\n"
        f"Subject: Re: [Ticket#{NUMBERS.wlan}] WLAN kaputt\r\nMessage-ID: <f1@m.example>\r\n"
        f"\r\nImmer noch.\r\n".encode()
    )
    by_references = ingest_message(
        b"From: j.mueller@mueller.example\r\nTo: it@example.org\r\nSubject: Re: WLAN\r\n"
        b"Message-ID: <f2@m.example>\r\nIn-Reply-To: <answer-1@example.org>\r\n"
        b"References: <wlan-1@mueller.example> <answer-1@example.org>\r\n\r\nDanke.\r\n"
    )
    merged_mail = (
        f"From: j.mueller@mueller.example\r\nTo: it@example.org\r\n"
        f"Subject: Re: [Ticket#{NUMBERS.merged}]\r\nMessage-ID: <f3@m.example>\r\n\r\nx\r\n"
    )
    to_merged = ingest_message(merged_mail.encode())
    assert by_number.ticket == ticket.number and by_references.ticket == ticket.number
    assert to_merged.ticket == ticket.number
    assert ticket.articles.count() == 5
    old_number = ingest_message(
        f"From: j.mueller@mueller.example\r\nTo: it@example.org\r\nSubject: "
        f"Re: [Ticket#{NUMBERS.auto_increment}] Drucker\r\nMessage-ID: <f4@m.example>\r\n\r\n"
        "y\r\n".encode()
    )
    assert old_number.ticket == NUMBERS.auto_increment


def test_new_numbers_continue_the_counter(znuny: tuple[ZnunyDB, Path]) -> None:
    from datetime import UTC, datetime

    from django.db import transaction

    db, article_dir = znuny
    _import(db, article_dir)
    with transaction.atomic():
        number = next_ticket_number(datetime(2024, 3, 15, 12, tzinfo=UTC))
    assert number[:10] == NUMBERS.wlan[:10] and number > NUMBERS.wlan


def test_permissions_after_import(znuny: tuple[ZnunyDB, Path]) -> None:
    db, article_dir = znuny
    _import(db, article_dir)
    anna, bruno = User.objects.get(username="anna"), User.objects.get(username="bruno")
    wlan = Ticket.objects.get(number=NUMBERS.wlan)
    pending = Ticket.objects.get(number=NUMBERS.pending)
    assert set(permissions.visible_tickets(anna, Ticket.objects.all())) >= {wlan}
    assert pending not in set(permissions.visible_tickets(anna, Ticket.objects.all()))
    assert {wlan, pending} <= set(permissions.visible_tickets(bruno, Ticket.objects.all()))
    assert permissions.may(anna, "rw", wlan.queue)
    assert permissions.may(bruno, "note", wlan.queue)
    assert not permissions.may(bruno, "rw", wlan.queue)
    assert permissions.may(bruno, "rw", pending.queue)


def test_dry_run_writes_nothing_and_reports(znuny: tuple[ZnunyDB, Path]) -> None:
    db, article_dir = znuny
    tickets = Ticket.objects.count()
    output = _import(db, article_dir, "--dry-run")
    assert "Dry run: nothing was written." in output
    assert "Mars/Olympus" in output and "ticket" in output
    assert Ticket.objects.count() == tickets and not ImportedObject.objects.exists()
    assert not FaqItem.objects.exists() and not FaqAttachment.objects.exists()
    assert "faq_item" in output


def test_missing_article_file_is_reported_and_resume_completes(
    znuny: tuple[ZnunyDB, Path], tmp_path: Path
) -> None:
    db, article_dir = znuny
    folder = article_dir / "2024" / "03" / "16" / "102"
    kept = tmp_path / "kept"
    shutil.move(folder, kept)
    output = _import(db, article_dir)
    assert "its files are missing" in output
    article = Ticket.objects.get(number=NUMBERS.pending).articles.get(number=1)
    assert not article.attachments.exists()
    shutil.move(kept, folder)
    _import(db, article_dir, "--resume")
    assert article.attachments.get().filename == "angebot.pdf"
    assert not ImportedObject.objects.filter(kind="article_incomplete").exists()
    assert Article.objects.filter(ticket__number=NUMBERS.pending).count() == 2


def test_resume_continues_after_the_last_batch(znuny: tuple[ZnunyDB, Path]) -> None:
    from sportello.importer.models import ImportStep

    db, article_dir = znuny
    _import(db, article_dir)
    # As if interrupted after the welcome ticket's batch: the later tickets come on resume.
    ImportStep.objects.filter(name="tickets").update(last_key=1, finished=False)
    report = importer.run(db.url, article_dir=article_dir, resume=True)
    assert report.unchanged["ticket"] == 4 and report.created.get("ticket", 0) == 0


def test_unreachable_database_and_wrong_schema() -> None:
    with pytest.raises(CommandError, match="Cannot connect to the Znuny database"):
        call_command("import", "znuny", "--database", "mysql://root@127.0.0.1:1/none")
    with pytest.raises(CommandError, match="Unknown database URL scheme"):
        call_command("import", "znuny", "--database", "oracle://x/y")
    with pytest.raises(CommandError, match="Cannot connect to the Znuny database"):
        call_command("import", "znuny", "--database", "postgresql://postgres@127.0.0.1:1/none")
    with pytest.raises(CommandError, match=r"article directory /nonexistent/a does not exist"):
        call_command(
            "import", "znuny", "--database", "oracle://x/y", "--article-dir", "/nonexistent/a"
        )
    with postgres_znuny(with_schema=False) as db:
        db.execute("CREATE TABLE customer (id integer)")
        db.commit()
        with pytest.raises(CommandError, match="Is this a Znuny database"):
            call_command("import", "znuny", "--database", db.url)
        db.execute("CREATE TABLE article (id integer)")
        db.commit()
        with pytest.raises(CommandError, match="OTRS 5 or older"):
            call_command("import", "znuny", "--database", db.url)


def test_since_takes_only_tickets_changed_since(znuny: tuple[ZnunyDB, Path]) -> None:
    db, article_dir = znuny
    db.execute("UPDATE ticket SET change_time = '2024-03-18 10:00:00' WHERE id = 102")
    db.commit()
    output = _import(db, article_dir, "--since", "2024-03-17")
    assert Ticket.objects.filter(number=NUMBERS.merged).exists()
    assert not Ticket.objects.filter(number__in=[NUMBERS.wlan, NUMBERS.pending]).exists()
    assert "Import finished." in output
    with pytest.raises(CommandError, match="--since takes a date"):
        _import(db, article_dir, "--since", "yesterday")


def test_faq_categories_items_attachments_and_votes(znuny: tuple[ZnunyDB, Path]) -> None:
    db, article_dir = znuny
    output = _import(db, article_dir)
    wlan = Category.objects.get(full_name="Netzwerk::WLAN")
    assert wlan.parent is not None and wlan.parent.comment == "LAN, WLAN"
    assert list(wlan.groups.values_list("name", flat=True)) == ["it"]
    assert not wlan.parent.groups.exists()
    items = {item.number: item for item in FaqItem.objects.all()}
    assert sorted(items) == [104711, 104712, 104713]
    internal, external, public = items[104711], items[104712], items[104713]
    assert (internal.visibility, external.visibility, public.visibility) == (
        "internal",
        "external",
        "public",
    )
    assert (internal.language, external.language) == ("de", "en")
    assert internal.category == wlan and external.category == wlan.parent
    assert internal.title == "WLAN im 2. Stock fällt aus" and internal.keywords == "wlan stock"
    assert (internal.symptom, internal.problem, internal.solution, internal.comment) == (
        "<p>Kein Netz</p>",
        "<p>Access Point aus</p>",
        "<p>Neu starten</p>",
        "intern",
    )
    assert internal.created.isoformat() == "2023-05-02T10:00:00+00:00"
    assert internal.changed.isoformat() == "2023-06-01T12:30:00+00:00"
    assert internal.created_by.username == "anna" and internal.changed_by.username == "bruno"
    # Published (approved in Znuny), searchable by customers only where it is not internal.
    assert all(item.published_id is not None and not item.pending for item in items.values())
    assert internal.published_search == "" and "client" in external.published_search
    attachment = external.attachments.get()
    assert (attachment.filename, attachment.content_type) == ("vpn-guide.pdf", "application/pdf")
    assert attachment.file.read() == installation.PDF
    assert (public.vote_count, public.vote_sum) == (2, 5 + 3)
    assert "faq_item" in output and "faq_category" in output
    # New articles continue after the old numbers.
    from sportello.core.actor import Actor
    from sportello.kb import actions

    new = actions.create_item(
        actions.ItemInput(title="Neu", category=wlan), actor=Actor.system(channel="cli")
    )
    assert new.number == 104714
    # A second run changes nothing; a change in Znuny is brought over.
    before = _snapshot()
    report = importer.run(db.url, article_dir=article_dir)
    assert _snapshot() == before
    assert report.unchanged["faq_item"] == 3 and report.created.get("faq_item", 0) == 0
    assert report.created.get("faq_attachment", 0) == 0
    db.execute("UPDATE faq_item SET f_subject = 'Öffnungszeiten' WHERE id = 3")
    db.commit()
    report = importer.run(db.url, article_dir=article_dir)
    assert report.updated["faq_item"] == 1
    assert FaqItem.objects.get(number=104713).published_title == "Öffnungszeiten"
