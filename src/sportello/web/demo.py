"""Demo data for the embedded default: agents, queues, customers and a few tickets.

Created once (idempotent); the generated passwords are kept in
``$SPORTELLO_HOME/demo-credentials.json`` so every start can print them.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from sportello.accounts import provisioning
from sportello.accounts.models import Group, User
from sportello.core.actor import Actor
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.mail.models import StandardTemplate, TemplateAttachment, TemplateType
from sportello.queues.models import FollowUpPolicy, Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.sla.models import SERVICE_SEPARATOR, SLA, Service
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import (
    Channel,
    DynamicField,
    DynamicFieldObject,
    DynamicFieldType,
    SenderType,
)
from sportello.tickets.selectors import priority_by_name, state_by_name

AGENTS = [
    ("admin", "Ada", "Admin", True),
    ("anna", "Anna", "Berger", False),
    ("marco", "Marco", "Rossi", False),
]
QUEUES = [
    ("IT::Network::WLAN", "wlan@helpdesk.example.org", "WLAN Support"),
    ("IT::Network::VoIP", "voip@helpdesk.example.org", "VoIP Support"),
    ("IT::Web", "web@helpdesk.example.org", "Web Support"),
    ("Segreteria Studenti", "segreteria@helpdesk.example.org", "Segreteria Studenti"),
]
CUSTOMERS = [
    ("mmuster", "max.muster@fau.example.org", "Max", "Mustermann", "FAU", "de"),
    ("lbianchi", "laura.bianchi@unimi.example.org", "Laura", "Bianchi", "UNIMI", "it"),
    ("jsmith", "john.smith@example.com", "John", "Smith", "", "en"),
]
# Services, each with its SLA (name, first response, update, solution in working minutes);
# the first demo ticket gets the first service.
SERVICES = [
    ("Network::WLAN", ("WLAN 4h", 60, 240, 960)),
    ("Network::Telephony", ("Telephony 8h", 120, 480, 1440)),
    ("Web hosting", ("Web hosting 1 day", 240, 480, 2400)),
    ("Student services", ("Student services 2 days", 480, 960, 4800)),
]
TICKETS = [
    (
        "IT::Network::WLAN",
        "mmuster",
        "WLAN eduroam verbindet nicht",
        "Hallo,\n\nseit heute Morgen kann ich mich im Hörsaal H4 nicht mehr mit eduroam "
        "verbinden. Das Passwort ist sicher richtig.\n\nViele Grüße\nMax Mustermann",
    ),
    (
        "Segreteria Studenti",
        "lbianchi",
        "Richiesta certificato di iscrizione",
        "Buongiorno,\n\nvorrei ricevere un certificato di iscrizione in lingua inglese "
        "per una borsa di studio all'estero.\n\nCordiali saluti\nLaura Bianchi",
    ),
    (
        "IT::Web",
        "jsmith",
        "Institute website shows an error 500",
        "Hello,\n\nour institute's website returns an internal server error since the "
        "update last night.\n\nBest regards\nJohn Smith",
    ),
    (
        "IT::Network::VoIP",
        "mmuster",
        "Telefon im Büro 02.034 ohne Freizeichen",
        "Guten Tag,\n\nmein Tischtelefon hat kein Freizeichen mehr.\n\nMax Mustermann",
    ),
]


def credentials_path() -> Path:
    return Path(settings.SPORTELLO_HOME) / "demo-credentials.json"


def load_credentials() -> dict[str, str]:
    path = credentials_path()
    return json.loads(path.read_text()) if path.exists() else {}


@transaction.atomic
def create_demo_data() -> dict[str, str]:
    """Create the demo data unless it exists; return ``{login: password}``."""
    if User.objects.filter(username="admin").exists():
        return load_credentials()
    credentials: dict[str, str] = {}
    agents: list[User] = []
    for login, first, last, is_admin in AGENTS:
        password = secrets.token_urlsafe(9)
        agent = User.objects.create_user(
            login,
            email=f"{login}@helpdesk.example.org",
            password=password,
            first_name=first,
            last_name=last,
            is_staff=is_admin,
            is_superuser=is_admin,
        )
        agents.append(agent)
        credentials[login] = password
    it, _ = Group.objects.get_or_create(name="it", defaults={"comment": "IT services"})
    office, _ = Group.objects.get_or_create(
        name="segreteria", defaults={"comment": "Student office"}
    )
    for full_name, email, display in QUEUES:
        queue = ensure_queue(
            full_name,
            group=office if full_name.startswith("Segreteria") else it,
            unlock_timeout=4 * 8 * 60,
            follow_up_policy=FollowUpPolicy.REOPEN,
        )
        address = SystemAddress.objects.create(email=email, display_name=display, queue=queue)
        raw = Queue.objects.get(full_name="Raw")
        queue.system_address = address
        queue.salutation, queue.signature = raw.salutation, raw.signature
        queue.save()
    companies = {
        code: CustomerCompany.objects.create(customer_id=code, name=name)
        for code, name in [
            ("FAU", "Friedrich-Alexander-Universität"),
            ("UNIMI", "Università degli Studi di Milano"),
        ]
    }
    for login, email, first, last, company, language in CUSTOMERS:
        CustomerUser.objects.create(
            login=login,
            email=email,
            first_name=first,
            last_name=last,
            company=companies.get(company),
            language=language,
        )
    _grant_demo_permissions(agents, it, office)
    _create_demo_services()
    _create_demo_templates()
    _create_demo_tickets(agents)
    # Lazily: time-machine moves the clock only while the history is made.
    from sportello.web.demo_tickets import create_demo_tickets

    create_demo_tickets(settings.DEMO_TICKETS)
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(credentials, indent=2))
    path.chmod(0o600)
    return credentials


def _grant_demo_permissions(agents: list[User], it: Group, office: Group) -> None:
    """admin: rw everywhere. anna: role "IT support" (rw on it, ro on the student office)
    and role "Signature editor" (edits the signatures of her queues, the seed's
    mini-admin). marco: rw on the student office, ro on it."""
    admin, anna, marco = agents
    for group in Group.objects.all():
        provisioning.grant(group, "rw", agent=admin)
    support, _ = provisioning.add_role("IT support", comment="First and second level IT")
    provisioning.grant(it, "rw", role=support)
    provisioning.grant(office, "ro", role=support)
    provisioning.assign_role(support, anna)
    editor, _ = provisioning.add_role(
        "Signature editor", comment="Edits the signatures of its queues", admin_areas=["signatures"]
    )
    provisioning.assign_role(editor, anna)
    provisioning.grant(office, "rw", agent=marco)
    provisioning.grant(it, "ro", agent=marco)


def _create_demo_services() -> None:
    for full_name, (sla_name, first, update, solution) in SERVICES:
        sla = SLA.objects.create(
            name=sla_name,
            first_response_minutes=first,
            update_minutes=update,
            solution_minutes=solution,
        )
        parent = None
        for name in full_name.split(SERVICE_SEPARATOR):
            parent, _ = Service.objects.get_or_create(name=name, parent=parent)
        assert parent is not None
        parent.sla = sla
        parent.save()


# The demo's dynamic field: each ticket's room, searched by anna's saved search.
ROOMS = ["H4", "K1.011", "H11", "Aula Magna"]


def _demo_room_field(anna: User) -> DynamicField:
    from sportello.search.models import SearchTemplate

    room = DynamicField.objects.create(
        name="room",
        object_type=DynamicFieldObject.TICKET,
        field_type=DynamicFieldType.TEXT,
        labels={"en": "Room", "de": "Raum", "it": "Aula"},
    )
    SearchTemplate.objects.create(
        agent=anna,
        name="Building H",
        options={"attrs": ["df_room"], "df_room_match": ["contains"], "df_room": ["H"]},
    )
    return room


def _create_demo_tickets(agents: list[User]) -> None:
    mail = Actor.system(channel="mail")
    anna = Actor(user=agents[1])
    room = _demo_room_field(agents[1])
    for index, (queue_name, login, title, body) in enumerate(TICKETS):
        customer = CustomerUser.objects.select_related("company").get(login=login)
        queue = Queue.objects.get(full_name=queue_name)
        ticket = actions.create_ticket(
            title=title,
            queue=queue,
            actor=mail,
            customer_user_id=customer.login,
            customer_company_id=customer.company.customer_id if customer.company else "",
            article=ArticleInput(
                channel=Channel.EMAIL,
                sender_type=SenderType.CUSTOMER,
                visible_for_customer=True,
                from_address=str(customer),
                to_address=str(queue.system_address),
                subject=title,
                body=body,
            ),
            dynamic_fields={room: ROOMS[index % len(ROOMS)]},
        )
        if index == 0:
            service = Service.objects.get(full_name=SERVICES[0][0])
            ticket = actions.set_service(ticket, service, actor=anna)
            ticket = actions.lock(ticket, actor=anna)
            actions.add_article(
                ticket,
                ArticleInput(
                    channel=Channel.INTERNAL,
                    sender_type=SenderType.AGENT,
                    subject="Notiz",
                    body="Access Point H4 prüfen, Controller-Log ansehen.",
                ),
                actor=anna,
            )
            actions.set_state(ticket, state_by_name("open"), actor=anna)
        elif index == 2:
            actions.set_priority(ticket, priority_by_name("4 high"), actor=anna)
            actions.set_state(
                ticket,
                state_by_name("pending reminder"),
                actor=anna,
                pending_until=timezone.now() + timedelta(days=2),
            )


# One standard template of each type, with placeholders; the answer brings a file.
TEMPLATES = [
    (TemplateType.ANSWER, "Router neu starten",
     "Hallo {{ customer.full_name }},\n\nbitte starten Sie den Router neu; die Anleitung "
     "liegt bei.\n\n{{ agent.full_name }}, {{ queue }}"),
    (TemplateType.FORWARD, "An den Netzwerkdienst",
     "Bitte übernehmen: Ticket {{ ticket.number }} aus {{ queue }}."),
    (TemplateType.NOTE, "Rückruf vereinbart",
     "Rückruf mit {{ customer.full_name }} vereinbart ({{ agent.full_name }})."),
    (TemplateType.PHONE_CALL, "Telefonat",
     "Telefonat mit {{ customer.full_name }} zu Ticket {{ ticket.number }}:\n"),
    (TemplateType.CREATE, "Neue Anfrage",
     "Hallo {{ customer.full_name }},\n\nwir haben Ihre Anfrage an {{ queue }} "
     "aufgenommen."),
]  # fmt: skip


def _create_demo_templates() -> None:
    queues = list(Queue.objects.filter(full_name__in=[q[0] for q in QUEUES]))
    for kind, name, text in TEMPLATES:
        template = StandardTemplate.objects.create(name=name, type=kind, text=text)
        template.queues.set(queues)
        if kind == TemplateType.ANSWER:
            item = TemplateAttachment(
                template=template, filename="router-neustart.txt", content_type="text/plain"
            )
            guide = "1. Stecker ziehen.\n2. Zehn Sekunden warten.\n3. Stecker einstecken.\n"
            item.file.save("router-neustart.txt", ContentFile(guide.encode()), save=False)
            item.save()
