"""The master data generated tickets refer to: queues, agents, customers, states.

Everything is looked up first and created only when missing, so the generator runs on a
fresh database, on the demo data and again on its own earlier output alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from bench.corpus import AGENTS, COMPANIES, LANGUAGES, NAMES, TOPIC_QUEUES
from sportello.accounts.models import Group, User
from sportello.accounts.selectors import system_user
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.queues.models import FollowUpPolicy, Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets.models import Priority, State, TicketType

QUEUE_GROUP = "it"
MAIL_DOMAIN = "helpdesk.example.org"
# Customers without a company write from a free-mail address.
FREEMAIL_DOMAIN = "mail.example.com"
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True)
class Customer:
    login: str
    email: str
    first_name: str
    last_name: str
    company_id: str
    language: str

    @property
    def address(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2]


@dataclass(frozen=True)
class Reference:
    system: User
    agents: list[User]
    queues: dict[str, Queue]  # topic -> queue
    queue_addresses: dict[int, str]  # queue id -> "Display <address>" customers write to
    customers: list[Customer]
    states: dict[str, State]
    priorities: dict[str, Priority]
    types: dict[str, TicketType]


def ensure_reference_data(*, customers: int = 500) -> Reference:
    with transaction.atomic():
        queues = {topic: _ensure_queue(name) for topic, name in TOPIC_QUEUES.items()}
        agents = _ensure_agents()
        pool = _ensure_customers(customers)
    return Reference(
        system=system_user(),
        agents=agents,
        queues=queues,
        queue_addresses={q.pk: str(q.system_address or "") for q in queues.values()},
        customers=pool,
        states={s.name: s for s in State.objects.all()},
        priorities={p.name: p for p in Priority.objects.all()},
        types={t.name: t for t in TicketType.objects.all()},
    )


def _ensure_queue(full_name: str) -> Queue:
    queue = Queue.objects.filter(full_name=full_name).select_related("system_address").first()
    if queue is not None and queue.system_address is not None:
        return queue
    group, _ = Group.objects.get_or_create(name=QUEUE_GROUP, defaults={"comment": "IT services"})
    queue = ensure_queue(full_name, group=group, follow_up_policy=FollowUpPolicy.REOPEN)
    # A sender/recipient address like the demo queues have, so mail workloads can use it.
    local = full_name.rpartition("::")[2].split()[0].lower()
    address, _ = SystemAddress.objects.get_or_create(
        email=f"{local}@{MAIL_DOMAIN}",
        defaults={"display_name": f"{full_name.rpartition('::')[2]} Support", "queue": queue},
    )
    raw = Queue.objects.get(full_name="Raw")
    queue.system_address = address
    queue.salutation, queue.signature = raw.salutation, raw.signature
    queue.save()
    return queue


def _ensure_agents() -> list[User]:
    existing = set(User.objects.values_list("username", flat=True))
    for login, first, last, language in AGENTS:
        if login in existing:
            continue
        user = User(
            username=login,
            first_name=first,
            last_name=last,
            email=f"{login}@{MAIL_DOMAIN}",
            language=language,
        )
        # Benchmark agents never log in (and Argon2 hashing would cost a second each).
        user.set_unusable_password()
        user.save()
    agents = list(User.objects.filter(is_active=True, is_system=False).order_by("pk"))
    grant_team_access(agents)
    return agents


def grant_team_access(agents: list[User]) -> None:
    """The benchmark's agents are one team with rw on every group (idempotent)."""
    from sportello.accounts import provisioning

    for group in Group.objects.all():
        for agent in agents:
            provisioning.grant(group, "rw", agent=agent)


def _ensure_customers(count: int) -> list[Customer]:
    companies = {}
    for language, (code, name, _domain) in COMPANIES.items():
        companies[language], _ = CustomerCompany.objects.get_or_create(
            customer_id=code, defaults={"name": name}
        )
    logins = set(CustomerUser.objects.values_list("login", flat=True))
    missing = count - CustomerUser.objects.filter(valid=True).count()
    new: list[CustomerUser] = []
    index = 0
    while len(new) < missing:
        index += 1
        user = _customer_user(index, companies)
        if user.login not in logins:
            logins.add(user.login)
            new.append(user)
    CustomerUser.objects.bulk_create(new)
    rows = (
        CustomerUser.objects.filter(valid=True)
        .order_by("pk")
        .values_list(
            "login", "email", "first_name", "last_name", "company__customer_id", "language"
        )
    )
    return [
        Customer(
            login=login,
            email=email,
            first_name=first or login,
            last_name=last,
            company_id=company or "",
            language=language if language in LANGUAGES else "en",
        )
        for login, email, first, last, company, language in rows[:count]
    ]


def _customer_user(index: int, companies: dict[str, CustomerCompany]) -> CustomerUser:
    """Deterministic: customer ``index`` is always the same person (half German, a third
    Italian, the rest English; one in seven without a company)."""
    language = "de" if index % 6 < 3 else "it" if index % 6 < 5 else "en"
    firsts, lasts = NAMES[language]
    first = firsts[index % len(firsts)]
    last = lasts[(index // len(firsts)) % len(lasts)]
    company = None if index % 7 == 0 else companies[language]
    domain = COMPANIES[language][2] if company else FREEMAIL_DOMAIN
    slug = f"{first}.{last}".lower().translate(_ASCII)
    return CustomerUser(
        login=f"{first[0]}{last}{index}".lower().translate(_ASCII),
        email=f"{slug}{index}@{domain}",
        first_name=first,
        last_name=last,
        company=company,
        language=language,
    )
