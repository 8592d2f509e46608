"""A small but tricky Znuny installation, the same on MariaDB and PostgreSQL: nested
queues, a merged ticket, a customer with umlauts, attachments in the database and in the
file storage, an HTML mail with an inline image, a history row of every type, a pending
ticket, an agent with a bcrypt hash and one with SHA-256."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import bcrypt

from sportello.tickets.numbers import format_number
from tests.importer.znuny_db import ZnunyDB, create_faq_tables

ANNA_PASSWORD = "Anna-Pass-1"  # bcrypt, Znuny's BCRYPT:cost:salt:hash
BRUNO_PASSWORD = "Bruno-Pass-2"  # SHA-256
CUSTOMER_PASSWORD = "Kunde-Grüße-3"  # SHA-512
PENDING_UNTIL = datetime(2024, 4, 2, 8, 0, tzinfo=UTC)
HTML = (
    "<html><body><p>Guten Tag,</p><p>das WLAN im 2. Stock fällt aus.</p>"
    '<img src="cid:plan@mueller.example"></body></html>'
)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
PDF = b"%PDF-1.4\n% report\n" + bytes(200)


def znuny_bcrypt(password: str, salt: str = "abcdefghijklmnop", cost: int = 6) -> str:
    """Znuny's form of a bcrypt hash: the 16-character salt as it is, the hash in bcrypt's
    base64 (what Crypt::Eksblowfish::Bcrypt::en_base64 writes)."""
    std = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    crypt = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    salt64 = base64.b64encode(salt.encode()).translate(bytes.maketrans(std, crypt)).rstrip(b"=")
    full = bcrypt.hashpw(password.encode(), b"$2a$%02d$" % cost + salt64)
    return f"BCRYPT:{cost}:{salt}:{full[-31:].decode()}"


@dataclass
class Numbers:
    wlan: str = format_number("20240315", "10", 1)
    pending: str = format_number("20240316", "10", 2)
    merged: str = format_number("20240317", "10", 3)
    auto_increment: str = "1000042"


NUMBERS = Numbers()
RAW_MAIL = (
    "From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <j.mueller@mueller.example>\r\n"
    "To: it@example.org\r\nSubject: WLAN kaputt\r\n"
    "Message-ID: <wlan-1@mueller.example>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nDas WLAN f\xe4llt aus.\r\n"
).encode("latin-1")


def build(db: ZnunyDB, article_dir: Path) -> None:
    ins = db.insert
    # Groups, roles, agents and their grants.
    ins("permission_groups", id=100, name="it", comments="IT", valid_id=1)
    ins("permission_groups", id=101, name="sales", valid_id=1)
    ins(
        "users",
        id=100,
        login="anna",
        pw=znuny_bcrypt(ANNA_PASSWORD),
        first_name="Anna",
        last_name="Adler",
        valid_id=1,
    )
    ins(
        "users",
        id=101,
        login="bruno",
        pw=hashlib.sha256(BRUNO_PASSWORD.encode()).hexdigest(),
        first_name="Bruno",
        last_name="Bianchi",
        valid_id=1,
    )
    for user, key, value in [
        (100, "UserLanguage", "de"),
        (100, "UserTimeZone", "Europe/Berlin"),
        (100, "UserEmail", "anna@example.org"),
        (100, "OutOfOffice", "1"),
        (100, "OutOfOfficeStartYear", "2024"),
        (100, "OutOfOfficeStartMonth", "8"),
        (100, "OutOfOfficeStartDay", "1"),
        (100, "OutOfOfficeEndYear", "2024"),
        (100, "OutOfOfficeEndMonth", "8"),
        (100, "OutOfOfficeEndDay", "15"),
        (101, "UserLanguage", "it"),
        (101, "UserEmail", "bruno@example.org"),
        (101, "UserTimeZone", "Mars/Olympus"),
    ]:
        ins("user_preferences", user_id=user, preferences_key=key, preferences_value=value)
    ins("group_user", user_id=100, group_id=100, permission_key="rw")
    ins("group_user", user_id=101, group_id=100, permission_key="ro")
    ins("group_user", user_id=101, group_id=100, permission_key="note")
    ins("roles", id=100, name="Sales team", valid_id=1)
    ins("role_user", user_id=101, role_id=100)
    ins("group_role", role_id=100, group_id=101, permission_key="rw", permission_value=1)
    # Addresses, queues (nested), templates, auto-responses.
    ins(
        "system_address",
        id=100,
        value0="IT@Example.org",
        value1="IT Service",
        queue_id=1,
        valid_id=1,
    )
    queue = {
        "system_address_id": 100,
        "salutation_id": 1,
        "signature_id": 1,
        "follow_up_id": 1,
        "follow_up_lock": 0,
        "valid_id": 1,
    }
    ins("queue", id=100, name="IT", group_id=100, unlock_timeout=30, calendar_name="1", **queue)
    ins("queue", id=101, name="IT::Network", group_id=100, **queue)
    ins("queue", id=102, name="IT::Network::WLAN", group_id=100, **{**queue, "follow_up_id": 2})
    ins("queue", id=103, name="Sales", group_id=101, **{**queue, "follow_up_id": 3})
    db.execute("UPDATE system_address SET queue_id = 100 WHERE id = 100")
    ins("personal_queues", user_id=100, queue_id=102)
    ins(
        "standard_template",
        id=100,
        name="WLAN reset",
        text="Bitte Router neu starten.",
        template_type="Answer",
        valid_id=1,
    )
    ins("standard_template", id=101, name="Snippet", text="x", template_type="Snippet", valid_id=1)
    ins("queue_standard_template", queue_id=102, standard_template_id=100)
    ins(
        "auto_response",
        id=100,
        name="IT receipt",
        text0="Eingang: <OTRS_TICKET_Title>",
        text1="Danke.",
        type_id=1,
        system_address_id=100,
        valid_id=1,
    )
    ins("queue_auto_response", queue_id=100, auto_response_id=100)
    # Customers (umlauts everywhere).
    ins(
        "customer_company",
        customer_id="MUELLER",
        name="Müller & Söhne GmbH",
        street="Hauptstraße 5",
        city="München",
        country="Deutschland",
        valid_id=1,
    )
    ins(
        "customer_user",
        id=100,
        login="jürgen",
        email="j.mueller@mueller.example",
        customer_id="MUELLER",
        pw=hashlib.sha512(CUSTOMER_PASSWORD.encode()).hexdigest(),
        first_name="Jürgen",
        last_name="Müller",
        valid_id=1,
    )
    ins(
        "customer_preferences",
        user_id="jürgen",
        preferences_key="UserLanguage",
        preferences_value="de",
    )
    # Service levels.
    ins(
        "sla",
        id=100,
        name="Gold",
        calendar_name="1",
        first_response_time=60,
        first_response_notify=70,
        update_time=120,
        solution_time=480,
        valid_id=1,
    )
    ins("service", id=100, name="Network", valid_id=1)
    ins("service", id=101, name="Network::WLAN", valid_id=1)
    ins("service_sla", service_id=101, sla_id=100)
    # Dynamic fields.
    ins(
        "dynamic_field",
        id=100,
        name="Severity",
        label="Severity",
        field_order=1,
        field_type="Dropdown",
        object_type="Ticket",
        valid_id=1,
        config="---\nDefaultValue: low\nPossibleValues:\n  high: High\n  low: Low\n",
    )
    ins(
        "dynamic_field",
        id=101,
        name="Building",
        label="Building",
        field_order=2,
        field_type="Text",
        object_type="Ticket",
        valid_id=1,
        config="---\n",
    )
    # Tickets.
    ticket = {
        "ticket_lock_id": 1,
        "type_id": 1,
        "user_id": 100,
        "responsible_user_id": 101,
        "ticket_priority_id": 3,
        "customer_id": "MUELLER",
        "customer_user_id": "jürgen",
        "timeout": 0,
        "until_time": 0,
        "escalation_time": 0,
        "escalation_update_time": 0,
        "escalation_response_time": 0,
        "escalation_solution_time": 0,
        "archive_flag": 0,
    }
    ins(
        "ticket",
        id=100,
        tn=NUMBERS.wlan,
        title="WLAN im 2. Stock",
        queue_id=102,
        ticket_state_id=4,
        service_id=101,
        sla_id=100,
        create_time="2024-03-15 08:30:00",
        change_time="2024-03-15 10:00:00",
        **{**ticket, "ticket_lock_id": 2},
    )
    ins(
        "ticket",
        id=101,
        tn=NUMBERS.pending,
        title="Angebot",
        queue_id=103,
        ticket_state_id=6,
        create_time="2024-03-16 09:00:00",
        **{**ticket, "until_time": int(PENDING_UNTIL.timestamp()), "user_id": 101},
    )
    ins(
        "ticket",
        id=102,
        tn=NUMBERS.merged,
        title="WLAN auch im 3. Stock",
        queue_id=102,
        ticket_state_id=9,
        create_time="2024-03-17 09:00:00",
        **ticket,
    )
    # A number of Znuny's AutoIncrement generator (no date, no check digit).
    ins(
        "ticket",
        id=103,
        tn=NUMBERS.auto_increment,
        title="Drucker",
        queue_id=100,
        ticket_state_id=2,
        create_time="2024-03-18 09:00:00",
        **ticket,
    )
    # Articles: an HTML mail with an inline image (database storage), the agent's answer,
    # a file-storage article with a PDF, and a broken charset in an old article.
    article = {
        "article_sender_type_id": 3,
        "communication_channel_id": 1,
        "is_visible_for_customer": 1,
        "search_index_needs_rebuild": 0,
    }
    ins("article", id=100, ticket_id=100, create_time="2024-03-15 08:30:00", **article)
    ins(
        "article_data_mime",
        article_id=100,
        a_from="Jürgen Müller <j.mueller@mueller.example>",
        a_to="it@example.org",
        a_subject="WLAN kaputt",
        a_message_id="<wlan-1@mueller.example>",
        a_content_type="text/html; charset=utf-8",
        a_body="Das WLAN fällt aus.",
        incoming_time=1710491400,
    )
    ins("article_data_mime_plain", article_id=100, body=db.blob(RAW_MAIL))
    ins(
        "article_data_mime_attachment",
        article_id=100,
        filename="file-2",
        content_type='text/html; charset="utf-8"',
        content_size=str(len(HTML.encode())),
        disposition="inline",
        content=db.blob(HTML.encode()),
    )
    ins(
        "article_data_mime_attachment",
        article_id=100,
        filename="plan.png",
        content_type="image/png",
        content_id="<plan@mueller.example>",
        disposition="inline",
        content_size=str(len(PNG)),
        content=db.blob(PNG),
    )
    ins(
        "article",
        id=101,
        ticket_id=100,
        create_time="2024-03-15 09:45:00",
        create_by=100,
        **{**article, "article_sender_type_id": 1},
    )
    ins(
        "article_data_mime",
        article_id=101,
        a_from="IT Service <it@example.org>",
        a_to="j.mueller@mueller.example",
        a_subject=f"RE: [Ticket#{NUMBERS.wlan}] WLAN kaputt",
        a_message_id="<answer-1@example.org>",
        a_in_reply_to="<wlan-1@mueller.example>",
        a_references="<wlan-1@mueller.example>",
        a_content_type="text/plain; charset=utf-8",
        a_body="Wir kümmern uns.",
        incoming_time=1710495900,
    )
    ins("article", id=102, ticket_id=101, create_time="2024-03-16 09:00:00", **article)
    ins(
        "article_data_mime",
        article_id=102,
        a_from="Jürgen Müller",
        a_subject="Angebot",
        a_body="Bitte um ein Angebot.",
        content_path="2024/03/16",
        incoming_time=1710579600,
    )
    folder = article_dir / "2024" / "03" / "16" / "102"
    folder.mkdir(parents=True)
    (folder / "plain.txt").write_bytes(b"Subject: Angebot\r\n\r\nBitte um ein Angebot.\r\n")
    (folder / "angebot.pdf").write_bytes(PDF)
    (folder / "angebot.pdf.content_type").write_text("application/pdf")
    (folder / "angebot.pdf.disposition").write_text("attachment")
    ins(
        "article",
        id=104,
        ticket_id=101,
        create_time="2024-03-16 09:30:00",
        **{**article, "communication_channel_id": 2, "article_sender_type_id": 1},
    )
    ins(
        "article_data_mime",
        article_id=104,
        a_body="Angerufen.",
        content_path="2024/03/16",
        incoming_time=1710581400,
    )
    # Accounted time: 30 units (minutes) with the answer, a negative correction (not imported).
    accounted = {"create_by": 100, "change_time": "2024-03-16 10:00:00", "change_by": 100}
    ins("time_accounting", id=1, ticket_id=100, article_id=101, time_unit="30.00",
        create_time="2024-03-16 10:00:00", **accounted)  # fmt: skip
    ins("time_accounting", id=2, ticket_id=100, article_id=None, time_unit="-5.00",
        create_time="2024-03-16 11:00:00", **accounted)  # fmt: skip
    ins("article", id=103, ticket_id=102, create_time="2024-03-17 09:00:00", **article)
    ins(
        "article_data_mime",
        article_id=103,
        a_from="j.mueller@mueller.example",
        a_subject="WLAN 3. Stock",
        a_message_id="<wlan-3@mueller.example>",
        a_body="Auch hier.",
        incoming_time=1710666000,
    )
    ins(
        "article_data_mime_attachment",
        article_id=103,
        filename="file-2",
        content_type="text/html; charset=utf-8",
        disposition="inline",
        content=db.blob("<p>Gr\xfc\xdfe</p>".encode("latin-1")),
    )
    # History: one row of every type Znuny knows, on the first ticket.
    types = db.query("SELECT id, name FROM ticket_history_type ORDER BY id")
    names = {
        "StateUpdate": "%%new%%open%%",
        "Move": "%%IT::Network::WLAN%%102%%IT%%100",
        "PriorityUpdate": "%%2 low%%2%%3 normal%%3",
        "OwnerUpdate": "%%anna%%100",
        "TitleUpdate": "%%WLAN%%WLAN im 2. Stock",
    }
    for offset, (type_id, name) in enumerate(types):
        ins(
            "ticket_history",
            name=names.get(name, f"%%{name} row"),
            history_type_id=type_id,
            ticket_id=100,
            article_id=100 if name == "NewTicket" else None,
            type_id=1,
            queue_id=102,
            owner_id=100,
            priority_id=3,
            state_id=4,
            create_by=100,
            create_time=f"2024-03-15 08:{30 + offset // 60:02d}:{offset % 60:02d}",
        )
    merged_type = next(i for i, n in types if n == "Merged")
    ins(
        "ticket_history",
        name=f"%%{NUMBERS.merged}%%102%%{NUMBERS.wlan}%%100",
        history_type_id=merged_type,
        ticket_id=102,
        type_id=1,
        queue_id=102,
        owner_id=100,
        priority_id=3,
        state_id=9,
        create_by=100,
        create_time="2024-03-17 10:00:00",
    )
    ins(
        "ticket_history",
        name="%%NewTicket",
        history_type_id=1,
        ticket_id=101,
        type_id=1,
        queue_id=103,
        owner_id=101,
        priority_id=3,
        state_id=6,
        create_by=1,
        create_time="2024-03-16 09:00:00",
    )
    # Links, watchers, flags, field values.
    ins("link_object", id=100, name="Ticket")
    ins("link_object", id=101, name="FAQ")
    ins(
        "link_relation",
        source_object_id=100,
        source_key="100",
        target_object_id=100,
        target_key="102",
        type_id=2,
        state_id=1,
    )
    ins(
        "link_relation",
        source_object_id=100,
        source_key="100",
        target_object_id=100,
        target_key="101",
        type_id=1,
        state_id=1,
    )
    ins(
        "link_relation",
        source_object_id=100,
        source_key="100",
        target_object_id=101,
        target_key="7",
        type_id=1,
        state_id=1,
    )
    ins("ticket_watcher", ticket_id=100, user_id=101)
    ins("article_flag", article_id=100, article_key="Seen", article_value="1", create_by=100)
    ins("dynamic_field_value", field_id=100, object_id=100, value_text="high")
    ins("dynamic_field_value", field_id=101, object_id=100, value_text="Haus Ö")
    faq(db)


FAQ_CREATED = datetime(2023, 5, 2, 10, 0, tzinfo=UTC)
FAQ_CHANGED = datetime(2023, 6, 1, 12, 30, tzinfo=UTC)


def faq(db: ZnunyDB) -> None:
    """The FAQ package: a nested category with a group, three articles (internal,
    external, public; German and English), one with an attachment, one with votes."""
    create_faq_tables(db)
    ins = db.insert
    stamps = {"created": "2023-05-02 10:00:00", "created_by": 100}
    stamps |= {"changed": "2023-06-01 12:30:00", "changed_by": 101}
    ins("faq_language", id=1, name="en")
    ins("faq_language", id=2, name="de")
    for id_, name in ((1, "internal"), (2, "external"), (3, "public")):
        ins("faq_state_type", id=id_, name=name)
    ins("faq_state", id=1, name="internal (agent)", type_id=1)
    ins("faq_state", id=2, name="external (customer)", type_id=2)
    ins("faq_state", id=3, name="public (all)", type_id=3)
    ins(
        "faq_category",
        id=1,
        parent_id=0,
        name="Netzwerk",
        comments="LAN, WLAN",
        valid_id=1,
        **stamps,
    )
    ins("faq_category", id=2, parent_id=1, name="WLAN", comments="", valid_id=1, **stamps)
    ins("faq_category_group", category_id=2, group_id=100)
    content = {"f_field5": None, "f_field6": None, "content_type": "text/html"}
    ins(
        "faq_item",
        id=1,
        f_number="104711",
        f_subject="WLAN im 2. Stock fällt aus",
        f_name="wlan-stock2",
        f_language_id=2,
        state_id=1,
        category_id=2,
        approved=1,
        valid_id=1,
        f_keywords="wlan stock",
        f_field1="<p>Kein Netz</p>",
        f_field2="<p>Access Point aus</p>",
        f_field3="<p>Neu starten</p>",
        f_field4="intern",
        **content,
        **stamps,
    )
    ins(
        "faq_item",
        id=2,
        f_number="104712",
        f_subject="VPN for customers",
        f_name="vpn",
        f_language_id=1,
        state_id=2,
        category_id=1,
        approved=1,
        valid_id=1,
        f_keywords="vpn",
        f_field1="",
        f_field2="",
        f_field3="<p>Install the client.</p>",
        f_field4="",
        **content,
        **stamps,
    )
    ins(
        "faq_item",
        id=3,
        f_number="104713",
        f_subject="Opening hours",
        f_name="hours",
        f_language_id=1,
        state_id=3,
        category_id=1,
        approved=1,
        valid_id=1,
        f_keywords="",
        f_field1=None,
        f_field2=None,
        f_field3="<p>Mon-Fri 8-17</p>",
        f_field4=None,
        **content,
        **stamps,
    )
    ins(
        "faq_attachment",
        faq_id=2,
        filename="vpn-guide.pdf",
        content_size=str(len(PDF)),
        content_type="application/pdf",
        content=db.blob(PDF),
        inlineattachment=0,
        **stamps,
    )
    ins("faq_voting", created_by="100", item_id=3, interface="1", ip="", rate=100)
    ins("faq_voting", created_by="kunde@example.org", item_id=3, interface="2", ip="", rate=50)
