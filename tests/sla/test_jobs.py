"""The time-driven jobs, with the clock moved by hand."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command

from sportello.accounts.models import User
from sportello.core import scheduler
from sportello.core.actor import Actor
from sportello.notifications.models import Notification
from sportello.queues.models import Queue
from sportello.sla import jobs
from sportello.tickets import actions
from sportello.tickets.articles import ArticleInput
from sportello.tickets.models import Channel, History, Lock, SenderType, Ticket
from sportello.tickets.selectors import state_by_name
from tests.mail.smtp import SmtpSink
from tests.sla.conftest import berlin
from tests.tickets.factories import customer_mail, make_ticket

pytestmark = pytest.mark.django_db


def kinds(agent: User) -> list[str]:
    return list(
        Notification.objects.filter(agent=agent).order_by("id").values_list("type", flat=True)
    )


def history(ticket: Ticket, *types: str) -> list[tuple[str, str, str]]:
    rows = ticket.history.filter(type__in=types).order_by("id")
    return [(row.type, row.new_value, row.actor_name) for row in rows]


def test_escalation_warning_and_escalation_are_mailed_once(
    wlan: Queue,
    subscriber: User,
    agent: User,
    clock: Any,
    smtp_sink: SmtpSink,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"), responsible=agent)
    smtp_sink.received.clear()  # the new-ticket notification
    Notification.objects.all().delete()

    def sweep(at: datetime) -> int:
        clock.move_to(at)
        with django_capture_on_commit_callbacks(execute=True):
            return jobs.sweep_escalations(at)

    assert sweep(berlin(2026, 3, 2, 9, 29)) == 0
    assert sweep(berlin(2026, 3, 2, 9, 31)) == 1  # half the first response time
    assert sweep(berlin(2026, 3, 2, 9, 35)) == 0
    assert kinds(subscriber) == ["escalation_warning"]
    assert kinds(agent) == ["escalation_warning"]  # the responsible
    assert sweep(berlin(2026, 3, 2, 10, 1)) == 2  # first response escalated, update warned
    assert sweep(berlin(2026, 3, 2, 10, 2)) == 0
    assert kinds(subscriber) == ["escalation_warning", "escalation", "escalation_warning"]
    subjects = sorted(str(r.message["Subject"]) for r in smtp_sink.received)
    assert len(subjects) == 6  # three notifications for each of two agents
    assert sum("has escalated" in s for s in subjects) == 2
    assert all(ticket.number in s for s in subjects)
    assert {r.recipients[0] for r in smtp_sink.received} == {"sub@example.org", agent.email}
    assert history(ticket, "EscalationWarning", "EscalationStart") == [
        ("EscalationWarning", "first_response", "escalation"),
        ("EscalationStart", "first_response", "escalation"),
        ("EscalationWarning", "update", "escalation"),
    ]


def test_a_late_first_sweep_sends_the_escalation_without_the_warning(
    wlan: Queue, subscriber: User, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    Notification.objects.all().delete()
    clock.move_to(berlin(2026, 3, 3, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep_escalations(berlin(2026, 3, 3, 9, 0))
    assert sorted(kinds(subscriber)) == ["escalation"]
    ticket.refresh_from_db()
    assert ticket.escalation_notified == 0b111111 and ticket.escalation_next_at is None


def test_a_new_deadline_is_notified_again(
    wlan: Queue, subscriber: User, actor: Actor, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    clock.move_to(berlin(2026, 3, 2, 10, 5))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep_escalations(berlin(2026, 3, 2, 10, 5))
    answer = ArticleInput(
        channel=Channel.EMAIL, sender_type=SenderType.AGENT, visible_for_customer=True, body="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(ticket, answer, actor=actor)
    ticket.refresh_from_db()
    assert ticket.update_due == berlin(2026, 3, 2, 12, 5)
    Notification.objects.all().delete()
    clock.move_to(berlin(2026, 3, 2, 12, 6))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep_escalations(berlin(2026, 3, 2, 12, 6))
    assert kinds(subscriber) == ["escalation"]  # the update escalated afresh


def test_pending_reminder_tells_the_owner_once_and_keeps_the_state(
    wlan: Queue, subscriber: User, actor: Actor, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
        actions.lock(ticket, actor=actor)
        actions.set_state(
            ticket,
            state_by_name("pending reminder"),
            actor=actor,
            pending_until=berlin(2026, 3, 2, 14, 0),
        )
    Notification.objects.all().delete()
    assert jobs.pending_reminders(berlin(2026, 3, 2, 13, 59)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.pending_reminders(berlin(2026, 3, 2, 14, 0)) == 1
        assert jobs.pending_reminders(berlin(2026, 3, 2, 14, 1)) == 0
    assert kinds(actor.user) == ["pending_reminder"]
    assert kinds(subscriber) == []
    ticket.refresh_from_db()
    assert ticket.state.name == "pending reminder"
    assert history(ticket, "PendingReminderReached")[0][2] == "reminder"
    # Unlocked, with a new pending time: all agents of the queue hear.
    with django_capture_on_commit_callbacks(execute=True):
        actions.unlock(ticket, actor=actor)
        actions.set_pending_time(ticket, berlin(2026, 3, 2, 16, 0), actor=actor)
        assert jobs.pending_reminders(berlin(2026, 3, 2, 16, 0)) == 1
    assert kinds(subscriber) == ["pending_reminder"]


@pytest.mark.parametrize(
    ("pending", "closed"),
    [("pending auto close+", "closed successful"), ("pending auto close-", "closed unsuccessful")],
)
def test_pending_auto_close(
    wlan: Queue,
    actor: Actor,
    clock: Any,
    pending: str,
    closed: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    until = berlin(2026, 3, 4, 12, 0)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
        actions.set_state(ticket, state_by_name(pending), actor=actor, pending_until=until)
    assert jobs.pending_auto_close(berlin(2026, 3, 4, 11, 59)) == 0
    clock.move_to(until)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.pending_auto_close(until) == 1
        assert jobs.pending_auto_close(until) == 0
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.state.name == closed and ticket.pending_until is None
    assert history(ticket, "StateUpdate")[-1] == ("StateUpdate", closed, "auto close")
    assert ticket.solution_minutes is not None


def test_auto_unlock_after_the_queue_timeout_in_working_time(
    wlan: Queue, actor: Actor, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
        actions.lock(ticket, actor=actor)
    ticket.refresh_from_db()
    assert ticket.unlock_due == berlin(2026, 3, 6, 9, 0)  # four working days
    # A customer follow-up does not restart the timer; the owner's note does.
    clock.move_to(berlin(2026, 3, 3, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(ticket, customer_mail(subject="Re: x"), actor=Actor.system("mail"))
    ticket.refresh_from_db()
    assert ticket.unlock_due == berlin(2026, 3, 6, 9, 0)
    clock.move_to(berlin(2026, 3, 4, 9, 0))
    note = ArticleInput(channel=Channel.INTERNAL, sender_type=SenderType.AGENT, body="dran")
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_article(ticket, note, actor=actor)
    ticket.refresh_from_db()
    assert ticket.unlock_due == berlin(2026, 3, 10, 9, 0)  # Wednesday + 4 working days
    Notification.objects.all().delete()
    assert jobs.auto_unlock(berlin(2026, 3, 10, 8, 59)) == 0
    clock.move_to(berlin(2026, 3, 10, 9, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.auto_unlock(berlin(2026, 3, 10, 9, 0)) == 1
        assert jobs.auto_unlock(berlin(2026, 3, 10, 9, 1)) == 0
    ticket.refresh_from_db()
    assert ticket.lock == Lock.UNLOCK and ticket.owner == actor.user
    assert ticket.unlock_due is None
    assert kinds(actor.user) == ["lock_timeout"]
    row = ticket.history.filter(type="Unlock").latest("id")
    assert (row.actor_name, row.comment) == ("unlock", "lock timeout")


def test_run_jobs_once_runs_every_registered_job(
    wlan: Queue, clock: Any, keep_connections: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(wlan, Actor.system("mail"))
    clock.move_to(berlin(2026, 3, 2, 9, 45))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_jobs", "--once", stdout=out)
    lines = set(out.getvalue().split("\n"))
    assert {"escalations: 1", "pending-reminders: 0", "auto-unlock: 0"} <= lines
    out = io.StringIO()
    call_command("run_jobs", "--list", stdout=out)
    assert "pending-auto-close" in out.getvalue().split()


def test_other_apps_register_jobs_with_their_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    from huey import crontab

    calls: list[datetime] = []
    monkeypatch.setattr(scheduler, "_JOBS", dict(scheduler.jobs()))
    scheduler.periodic_job("nightly-test", schedule=crontab(minute="30", hour="2"))(
        lambda now: calls.append(now) or 7
    )
    names = ["nightly-test"]
    assert scheduler.run(berlin(2026, 3, 2, 2, 29), names=names) == {}
    assert scheduler.run(berlin(2026, 3, 2, 2, 30), names=names) == {"nightly-test": 7}
    assert scheduler.run(berlin(2026, 3, 2, 9, 0), names=names, force=True) == {"nightly-test": 7}
    assert len(calls) == 2


def test_history_of_jobs_is_by_the_system_user(
    wlan: Queue, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    with django_capture_on_commit_callbacks(execute=True):
        jobs.sweep_escalations(berlin(2026, 3, 2, 9, 45))
    row = History.objects.filter(ticket=ticket, type="EscalationWarning").get()
    assert row.actor is not None and row.actor.is_system and row.channel == "job"


def test_a_consumer_with_a_stale_view_claims_nothing(
    wlan: Queue, clock: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The conditional UPDATE is the claim on SQLite too: a second consumer that read the
    row before the first one moved it on fires nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(wlan, Actor.system("mail"))
    now = berlin(2026, 3, 2, 10, 5)
    read = Ticket.objects.filter(pk=ticket.pk).values_list(*jobs._DUE_COLUMNS)
    stale = [jobs._Due(*row) for row in read]
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sweep_escalations(now) == 2  # first response escalated, update warned
    lookups = jobs._Lookups()
    lookups.load(stale)
    items, rows = jobs._claim_escalations(stale, now, lookups)
    assert (items, rows) == ([], [])


def test_claimed_escalations_survive_a_lost_delivery_task(
    wlan: Queue,
    subscriber: User,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from sportello.sla.models import EscalationNotice

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(wlan, Actor.system("mail"))
    Notification.objects.all().delete()
    at = berlin(2026, 3, 2, 9, 31)
    clock.move_to(at)
    # The consumer is down: the delivery task queued after commit never runs.
    with django_capture_on_commit_callbacks(execute=False):
        assert jobs.sweep_escalations(at) == 1
    assert kinds(subscriber) == []
    notice = EscalationNotice.objects.get()
    assert notice.kind == "escalation_warning" and notice.delivered is None
    assert jobs.deliver_leftovers(at) == 0  # not yet a minute old: the task may still run
    later = berlin(2026, 3, 2, 9, 33)
    clock.move_to(later)
    assert jobs.deliver_leftovers(later) == 1
    assert kinds(subscriber) == ["escalation_warning"]
    # The late task, a second consumer, the next leftover run: nothing twice.
    assert jobs.deliver([notice.pk]) == 0
    assert jobs.deliver_leftovers(later) == 0
    assert kinds(subscriber) == ["escalation_warning"]


def test_a_failing_delivery_is_retried_then_given_up(
    wlan: Queue, subscriber: User, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sportello.sla.models import EscalationNotice

    ticket = make_ticket(wlan, Actor.system("mail"))
    Notification.objects.all().delete()
    notice = EscalationNotice.objects.create(ticket=ticket, kind="escalation")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("mail server on fire")

    monkeypatch.setattr(jobs, "notify", broken)
    for _attempt in range(EscalationNotice.MAX_ATTEMPTS):
        assert jobs.deliver([notice.pk]) == 0
    notice.refresh_from_db()
    assert notice.attempts == EscalationNotice.MAX_ATTEMPTS and notice.delivered is None
    monkeypatch.undo()
    later = notice.created + timedelta(minutes=5)
    assert jobs.deliver_leftovers(later) == 0  # given up: left for the admin to see
    assert kinds(subscriber) == []
