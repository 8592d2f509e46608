"""The customer follow-up rule (``actions.customer_follow_up``) as both of its callers
apply it: a mail filed by ``mail.ingest`` and a reply in the portal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sportello.accounts.models import Group
from sportello.core.actor import Actor
from sportello.core.errors import Conflict
from sportello.customers.models import CustomerUser
from sportello.mail.events import MailFiled
from sportello.mail.ingest import ingest_message
from sportello.portal import services as portal
from sportello.queues.models import FollowUpPolicy, Queue, SystemAddress
from sportello.queues.services import ensure_queue
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.history_types import HistoryType
from sportello.tickets.models import Article, Channel, SenderType, Ticket, TicketLink
from sportello.tickets.selectors import state_by_name
from tests.mail.messages import mail

pytestmark = pytest.mark.django_db

ADDRESS = "max@example.org"


@pytest.fixture
def wlan(group: Group) -> Queue:
    queue = ensure_queue("IT::Network::WLAN", group=group)
    SystemAddress.objects.create(email="wlan@helpdesk.example.org", queue=queue)
    return queue


@pytest.fixture
def customer(db: None) -> CustomerUser:
    return CustomerUser.objects.create(login="mmuster", email=ADDRESS)


def _by_mail(ticket: Ticket, customer: CustomerUser) -> Ticket:
    result = ingest_message(mail(subject=f"Re: [Ticket#{ticket.number}] WLAN"))
    return Ticket.objects.get(number=result.ticket)


def _by_portal(ticket: Ticket, customer: CustomerUser) -> Ticket:
    return portal.reply(customer, Ticket.objects.get(pk=ticket.pk), text="Still broken")


CHANNELS: dict[str, Callable[[Ticket, CustomerUser], Ticket]] = {
    "mail": _by_mail,
    "portal": _by_portal,
}


def _ticket_in(state: str) -> Ticket:
    ticket = Ticket.objects.get(number=ingest_message(mail()).ticket)
    pending_until = timezone.now() + timedelta(days=1) if state.startswith("pending") else None
    actor = Actor.system("job")
    return actions.set_state(ticket, state_by_name(state), actor=actor, pending_until=pending_until)


# (state of the ticket, queue policy, state afterwards, a new linked ticket?)
CASES = [
    ("open", FollowUpPolicy.REJECT, "open", False),
    ("pending reminder", FollowUpPolicy.REJECT, "open", False),
    ("pending auto close+", FollowUpPolicy.NEW_TICKET, "open", False),
    ("closed successful", FollowUpPolicy.REOPEN, "open", False),
    ("closed successful", FollowUpPolicy.NEW_TICKET, "closed successful", True),
]


@pytest.mark.parametrize("channel", sorted(CHANNELS))
@pytest.mark.parametrize(("state", "policy", "after", "new_ticket"), CASES)
def test_follow_up_rule_is_the_same_for_mail_and_portal(
    wlan: Queue,
    customer: CustomerUser,
    channel: str,
    state: str,
    policy: str,
    after: str,
    new_ticket: bool,
) -> None:
    wlan.follow_up_policy = policy
    wlan.save()
    ticket = _ticket_in(state)
    holder = CHANNELS[channel](ticket, customer)
    ticket.refresh_from_db()
    assert ticket.state.name == after
    if new_ticket:
        assert holder.pk != ticket.pk and holder.queue == wlan
        assert TicketLink.objects.filter(source=ticket, target=holder).exists()
        assert ticket.articles.count() == 1
        assert holder.customer_user_id == "mmuster"
        article = holder.articles.get()
        assert holder.history.filter(type=HistoryType.NEW_TICKET).count() == 1
        assert not holder.history.filter(type=HistoryType.FOLLOW_UP).exists()
    else:
        assert holder.pk == ticket.pk
        article = ticket.articles.order_by("-number")[0]
        assert article.number == 2
        assert ticket.history.filter(type=HistoryType.FOLLOW_UP, article=article).count() == 1
    assert article.sender_type == SenderType.CUSTOMER and article.visible_for_customer


def test_reject_policy_keeps_a_mail_in_the_closed_ticket(
    wlan: Queue, customer: CustomerUser
) -> None:
    wlan.follow_up_policy = FollowUpPolicy.REJECT
    wlan.save()
    ticket = _ticket_in("closed successful")
    assert _by_mail(ticket, customer).pk == ticket.pk
    ticket.refresh_from_db()
    assert ticket.state.name == "closed successful" and ticket.articles.count() == 2


def test_reject_policy_refuses_a_portal_reply(wlan: Queue, customer: CustomerUser) -> None:
    wlan.follow_up_policy = FollowUpPolicy.REJECT
    wlan.save()
    ticket = _ticket_in("closed successful")
    with pytest.raises(Conflict, match="Please file a new request"):
        _by_portal(ticket, customer)
    assert ticket.articles.count() == 1


@pytest.mark.parametrize(
    ("policy", "result", "response"),
    [
        (FollowUpPolicy.REOPEN, "followup", "follow_up"),
        (FollowUpPolicy.REJECT, "followup", "reject"),
        (FollowUpPolicy.NEW_TICKET, "new", "new_after_closed"),
    ],
)
def test_mail_reports_the_outcome_and_its_auto_response(
    wlan: Queue,
    policy: str,
    result: str,
    response: str,
    published: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    wlan.follow_up_policy = policy
    wlan.save()
    ticket = _ticket_in("closed successful")
    with django_capture_on_commit_callbacks(execute=True):
        filed = ingest_message(mail(subject=f"Re: [Ticket#{ticket.number}]"))
    assert filed.result == result
    holder = Ticket.objects.get(number=filed.ticket)
    assert holder.articles.filter(number=filed.article).exists()
    events = [e for e in published if isinstance(e, MailFiled)]
    assert [(e.auto_response, e.ticket_id) for e in events] == [(response, holder.pk)]


def test_automatic_mail_never_reopens_a_closed_ticket(wlan: Queue) -> None:
    ticket = _ticket_in("closed successful")
    ingest_message(
        mail(subject=f"Re: [Ticket#{ticket.number}]", headers={"Auto-Submitted": "auto-replied"})
    )
    ticket.refresh_from_db()
    assert ticket.state.name == "closed successful" and ticket.articles.count() == 2


def test_article_and_reopening_stand_or_fall_together(
    wlan: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = _ticket_in("closed successful")

    def broken(*args: Any, **kwargs: Any) -> Ticket:
        raise RuntimeError("state change failed")

    monkeypatch.setattr("sportello.tickets.actions.followup.set_state", broken)
    data = ArticleInput(
        channel=Channel.WEB,
        sender_type=SenderType.CUSTOMER,
        visible_for_customer=True,
        subject="Re",
        body="Again",
    )
    with pytest.raises(RuntimeError):
        actions.customer_follow_up(ticket, data, actor=Actor.system("web", name=ADDRESS))
    assert Article.objects.filter(ticket=ticket).count() == 1
