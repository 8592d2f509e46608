"""A believable ticket history for the demo: several hundred requests over the last three
months in German, Italian and English, with replies, notes, phone calls, attachments,
merges, pending reminders, escalations and closed tickets.

Every step goes through the actions layer at the moment it "happened": the clock is moved
with time-machine for each step, so tickets, articles and history rows carry consistent
times (history stays append-only and in order). A seeded random generator keeps the set
the same on every machine.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import time_machine
from django.db import transaction
from django.utils import timezone

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.core.errors import DomainError
from sportello.customers.models import CustomerUser
from sportello.queues.models import Queue
from sportello.sla.models import Service
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput, AttachmentInput
from sportello.tickets.models import Channel, SenderType, Ticket
from sportello.tickets.selectors import priority_by_name, state_by_name

logger = logging.getLogger(__name__)
DEFAULT_COUNT = 300
DAYS = 90

# (queue, language, subject, body, service): the requests customers send.
REQUESTS = [
    ("IT::Network::WLAN", "de", "eduroam verbindet nicht im {room}",
     "Hallo,\n\nim {room} komme ich seit heute nicht ins eduroam.\n\nGrüße", "Network::WLAN"),
    ("IT::Network::WLAN", "it", "Wi-Fi lento in {room}",
     "Buongiorno,\n\nla rete wireless in {room} è molto lenta.\n\nSaluti", "Network::WLAN"),
    ("IT::Network::WLAN", "en", "Cannot connect to eduroam in {room}",
     "Hello,\n\nmy laptop does not connect to eduroam in {room}.\n\nThanks", "Network::WLAN"),
    ("IT::Network::VoIP", "de", "Telefon in {room} ohne Freizeichen",
     "Guten Tag,\n\ndas Tischtelefon in {room} hat kein Freizeichen.\n\nDanke",
     "Network::Telephony"),
    ("IT::Network::VoIP", "it", "Telefono guasto in {room}",
     "Buongiorno,\n\nil telefono in {room} non funziona.\n\nCordiali saluti",
     "Network::Telephony"),
    ("IT::Web", "en", "Website of the institute is down",
     "Hello,\n\nour website shows an error 500 since this morning.\n\nBest regards",
     "Web hosting"),
    ("IT::Web", "de", "Zertifikat der Institutsseite abgelaufen",
     "Hallo,\n\nder Browser meldet ein abgelaufenes Zertifikat.\n\nViele Grüße", "Web hosting"),
    ("Segreteria Studenti", "it", "Richiesta certificato di iscrizione",
     "Buongiorno,\n\nvorrei un certificato di iscrizione in inglese.\n\nGrazie",
     "Student services"),
    ("Segreteria Studenti", "it", "Piano di studi: esame non registrato",
     "Buongiorno,\n\nl'esame del {day} non risulta nel libretto.\n\nSaluti",
     "Student services"),
    ("Segreteria Studenti", "en", "Enrolment certificate for my scholarship",
     "Hello,\n\nI need an enrolment certificate in English.\n\nKind regards",
     "Student services"),
]  # fmt: skip
ROOMS = ["H4", "H11", "K1.011", "Aula Magna", "Biblioteca", "Lab 2.07"]
REPLIES = {
    "de": "Guten Tag,\n\nwir haben das Problem behoben. Bitte versuchen Sie es erneut.",
    "it": "Buongiorno,\n\nabbiamo risolto il problema. La preghiamo di riprovare.",
    "en": "Hello,\n\nwe have fixed the problem. Please try again.",
}
NOTES = ["Controller-Log geprüft, AP neu gestartet.", "Verificato con il fornitore.",
         "Escalated to second level.", "Rückruf vereinbart."]  # fmt: skip
PHONE = {
    "de": "Kundin hat angerufen und nach dem Stand gefragt.",
    "it": "Il cliente ha telefonato per sapere lo stato.",
    "en": "The customer called to ask for news.",
}


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def _customer_article(
    customer: CustomerUser, queue: Queue, subject: str, body: str
) -> ArticleInput:
    return ArticleInput(
        channel=Channel.EMAIL,
        sender_type=SenderType.CUSTOMER,
        visible_for_customer=True,
        from_address=str(customer),
        to_address=str(queue.system_address or ""),
        subject=subject,
        body=body,
    )


def create_demo_tickets(count: int = DEFAULT_COUNT, *, seed: int = 20) -> int:
    """Create ``count`` tickets (demo queues, agents and customers must exist); returns
    how many were made. Times run from 90 days ago to an hour ago."""
    rng = random.Random(seed)
    agents = list(User.objects.filter(username__in=["anna", "marco", "admin"]).order_by("pk"))
    customers = list(CustomerUser.objects.select_related("company").order_by("login"))
    queues = {q.full_name: q for q in Queue.objects.select_related("system_address")}
    services = {s.full_name: s for s in Service.objects.all()}
    states = {
        name: state_by_name(name)
        for name in ("open", "closed successful", "closed unsuccessful", "pending reminder")
    }
    priorities = [priority_by_name(p) for p in ("2 low", "3 normal", "3 normal", "4 high")]
    system = Actor.system(channel="mail")
    now = timezone.now()
    start = now - timedelta(days=DAYS)
    made: list[Ticket] = []
    for n in range(count):
        queue_name, language, subject, body, service_name = rng.choice(REQUESTS)
        queue = queues.get(queue_name)
        if queue is None:
            continue
        room, day = rng.choice(ROOMS), f"{rng.randint(1, 28)}/{rng.randint(1, 12)}"
        subject, body = subject.format(room=room, day=day), body.format(room=room, day=day)
        customer = rng.choice([c for c in customers if c.language == language] or customers)
        # anna works in IT, marco in the student office (their demo grants).
        wanted = "anna" if queue_name.startswith("IT") else "marco"
        agent = next((a for a in agents if a.username == wanted), agents[0])
        actor = Actor(user=agent)
        # Older tickets are more often done; the newest ones are mostly new or open.
        moment = start + timedelta(seconds=rng.randint(0, DAYS * 86400 - 7200))
        age = (now - moment).days
        with transaction.atomic(), _at(moment):
            article = _customer_article(customer, queue, subject, body)
            if n % 9 == 0:
                article.attachments = (
                    AttachmentInput("screenshot.txt", "text/plain", f"{subject}\n".encode()),
                )
            ticket = actions.create_ticket(
                title=subject,
                queue=queue,
                actor=system,
                customer_user_id=customer.login,
                customer_company_id=customer.company.customer_id if customer.company else "",
                article=article,
                priority=rng.choice(priorities),
            )
            if service_name in services and rng.random() < 0.4:
                ticket = actions.set_service(ticket, services[service_name], actor=system)
        if age < 2 and rng.random() < 0.6:
            made.append(ticket)
            continue  # new and untouched, or escalating (a service with a due time)
        step = moment
        try:
            step += timedelta(minutes=rng.randint(10, 600))
            with transaction.atomic(), _at(step):
                ticket = actions.lock(ticket, actor=actor)
                if rng.random() < 0.5:
                    _note(ticket, rng.choice(NOTES), actor)
                if rng.random() < 0.25:
                    _phone(ticket, PHONE[language], actor)
                _reply(ticket, customer, subject, REPLIES[language], actor)
            step += timedelta(hours=rng.randint(1, 72))
            fate = rng.random()
            with transaction.atomic(), _at(step):
                if fate < 0.55 and age > 3:
                    actions.set_state(ticket, states["closed successful"], actor=actor)
                elif fate < 0.62 and age > 3:
                    actions.set_state(ticket, states["closed unsuccessful"], actor=actor)
                elif fate < 0.75:
                    actions.set_state(
                        ticket,
                        states["pending reminder"],
                        actor=actor,
                        pending_until=step + timedelta(days=rng.randint(1, 10)),
                    )
                elif fate < 0.8 and made:
                    target = made[-1]
                    if not target.state.type.startswith(("closed", "merged")):
                        actions.merge(ticket, target, actor=actor)
                else:
                    actions.set_state(ticket, states["open"], actor=actor)
                    actions.unlock(ticket, actor=actor)
        except DomainError as error:  # a step that does not fit this ticket: the rest skipped
            logger.debug("demo ticket %s: %s", ticket.number, error)
        made.append(ticket)
    return len(made)


def _note(ticket: Ticket, text: str, actor: Actor) -> None:
    article = ArticleInput(
        channel=Channel.INTERNAL, sender_type=SenderType.AGENT, subject="Notiz", body=text
    )
    actions.add_article(ticket, article, actor=actor)


def _phone(ticket: Ticket, text: str, actor: Actor) -> None:
    article = ArticleInput(
        channel=Channel.PHONE,
        sender_type=SenderType.CUSTOMER,
        visible_for_customer=True,
        subject=ticket.title,
        body=text,
    )
    actions.add_article(ticket, article, actor=actor)


def _reply(ticket: Ticket, customer: CustomerUser, subject: str, text: str, actor: Actor) -> None:
    article = ArticleInput(
        channel=Channel.EMAIL,
        sender_type=SenderType.AGENT,
        visible_for_customer=True,
        from_address=str(ticket.queue.system_address or ""),
        to_address=str(customer),
        subject=f"Re: {subject}",
        body=text,
    )
    actions.add_article(ticket, article, actor=actor)
