"""Fetching from a real Dovecot over IMAP and POP3 (plain, TLS, STARTTLS) into tickets."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from sportello.mail import ingest
from sportello.mail.fetch import fetch_account, fetch_all, imap_utf7
from sportello.mail.ingest import DatabaseUnavailable, IngestResult
from sportello.mail.models import FailedMail, MailAccount
from sportello.mail.tasks import FETCH_LOCK, fetch_mail_accounts
from sportello.queues.models import Queue
from sportello.tickets.models import Article, Ticket
from tests.mail.dovecot import Dovecot, free_port, require_dovecot
from tests.mail.messages import mail

pytestmark = pytest.mark.django_db

PASSWORD = 's3cret "pass"'  # a space and quotes: the client must quote it
_users = itertools.count(1)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    require_dovecot()
    server = Dovecot()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def user(dovecot: Dovecot) -> str:
    """A fresh mailbox on the shared server."""
    name = f"helpdesk{next(_users)}@example.org"
    dovecot.add_user(name, PASSWORD)
    return name


@pytest.fixture
def trust_test_cert(dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> None:
    # ssl.create_default_context() reads the OpenSSL default paths, which honour this.
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.cert))


def make_account(
    dovecot: Dovecot, user: str, type: str = "imap", security: str = "none", **fields: Any
) -> MailAccount:
    values: dict[str, Any] = {
        "name": f"{type}-{security}-{user}",
        "type": type,
        "host": "127.0.0.1",
        "port": dovecot.port(type, security),
        "security": security,
        "username": user,
        "password": dovecot.users[user],
    }
    return MailAccount.objects.create(**(values | fields))


def ticket_with_title(title: str) -> Ticket:
    return Ticket.objects.get(title=title)


@pytest.mark.parametrize("security", ["none", "tls", "starttls"])
@pytest.mark.parametrize("type", ["imap", "pop3"])
@pytest.mark.usefixtures("trust_test_cert")
def test_fetch_files_tickets_and_deletes_the_messages(
    dovecot: Dovecot, user: str, queue: Queue, type: str, security: str
) -> None:
    dovecot.deliver(
        user,
        mail(subject="Drucker kaputt", body="Der Drucker im 2. Stock druckt nicht."),
        mail(subject="VPN", sender="Anna Rossi <anna@example.org>", body="VPN è lento."),
    )
    account = make_account(dovecot, user, type, security, queue=queue)

    report = fetch_account(account)

    assert report.errors == []
    assert (report.fetched, report.stored, report.duplicates, report.failed) == (2, 2, 0, 0)
    printer = ticket_with_title("Drucker kaputt")
    assert printer.queue == queue
    article = printer.articles.get()
    assert "max@example.org" in article.from_address
    assert "druckt nicht" in article.body
    assert "è lento" in ticket_with_title("VPN").articles.get().body
    assert dovecot.count(user) == 0
    account.refresh_from_db()
    assert account.last_fetch is not None and account.last_error == ""


def test_without_a_queue_routing_goes_by_recipient(dovecot: Dovecot, user: str) -> None:
    dovecot.deliver(user, mail(subject="Routed", to="nobody@example.net"))
    fetch_account(make_account(dovecot, user))
    assert ticket_with_title("Routed").queue.full_name == "Raw"


def test_follow_up_threads_onto_the_ticket(dovecot: Dovecot, user: str) -> None:
    account = make_account(dovecot, user)
    dovecot.deliver(user, mail(subject="Beamer flackert"))
    fetch_account(account)
    ticket = ticket_with_title("Beamer flackert")

    dovecot.deliver(
        user, mail(subject=f"Re: [Ticket#{ticket.number}] Beamer flackert", body="Immer noch.")
    )
    report = fetch_account(account)

    assert (report.fetched, report.stored) == (1, 1)
    assert Ticket.objects.count() == 1
    assert [a.body.strip() for a in ticket.articles.order_by("number")][1] == "Immer noch."


def test_same_message_twice_is_a_duplicate_and_both_are_removed(
    dovecot: Dovecot, user: str
) -> None:
    raw = mail(subject="Zweimal")
    dovecot.deliver(user, raw, raw)
    report = fetch_account(make_account(dovecot, user, "pop3"))
    assert (report.fetched, report.stored, report.duplicates) == (2, 1, 1)
    assert Article.objects.filter(subject="Zweimal").count() == 1
    assert dovecot.count(user) == 0


def test_too_large_message_is_spooled_and_removed(
    dovecot: Dovecot, user: str, settings: Any
) -> None:
    settings.SPORTELLO_MAIL_MAX_SIZE = 2000
    dovecot.deliver(user, mail(subject="Riesig", body="x" * 5000))
    report = fetch_account(make_account(dovecot, user))
    assert (report.fetched, report.stored, report.failed) == (1, 0, 1)
    assert report.errors == []  # kept whole in the spool: nothing is lost
    assert FailedMail.objects.get().subject == "Riesig"
    assert dovecot.count(user) == 0


@pytest.mark.parametrize("type", ["imap", "pop3"])
def test_database_unavailable_leaves_the_rest_on_the_server(
    dovecot: Dovecot, user: str, monkeypatch: pytest.MonkeyPatch, type: str
) -> None:
    dovecot.deliver(user, *(mail(subject=f"Nachricht {n}") for n in range(3)))
    real = ingest.ingest_message
    calls = itertools.count()

    def first_only(raw: bytes, **options: Any) -> IngestResult:
        if next(calls) > 0:
            raise DatabaseUnavailable("connection refused")
        return real(raw, **options)

    monkeypatch.setattr(ingest, "ingest_message", first_only)
    account = make_account(dovecot, user, type)

    report = fetch_account(account)

    assert (report.stored, Ticket.objects.count()) == (1, 1)
    assert dovecot.count(user) == 2  # the one that failed and the one after it
    assert "database unavailable" in report.errors[0]
    account.refresh_from_db()
    assert "database unavailable" in account.last_error

    monkeypatch.setattr(ingest, "ingest_message", real)
    report = fetch_account(account)
    assert (report.stored, report.errors, dovecot.count(user)) == (2, [], 0)
    assert Ticket.objects.count() == 3


def test_wrong_password_is_reported_not_raised(user: str) -> None:
    # A server of its own: Dovecot delays every login from an address after a failure.
    require_dovecot()
    server = Dovecot()
    server.start()
    try:
        server.add_user(user, PASSWORD)
        account = make_account(server, user, password="wrong")
        report = fetch_account(account)
        assert report.errors and report.errors[0].startswith(f"login as {user} failed:")
        assert "Authentication failed" in report.errors[0]
        account.refresh_from_db()
        assert account.last_error == report.errors[0] and account.last_fetch is not None
    finally:
        server.stop()


@pytest.mark.parametrize("type", ["imap", "pop3"])
def test_unreachable_server_is_reported(type: str) -> None:
    port = free_port()  # nothing listens there
    account = MailAccount.objects.create(
        name="down", type=type, host="127.0.0.1", port=port, security="none",
        username="u", password="p",
    )  # fmt: skip
    report = fetch_account(account, timeout=5)
    assert report.errors == [f"cannot connect to 127.0.0.1:{port}: [Errno 111] Connection refused"]


@pytest.mark.parametrize("type", ["imap", "pop3"])
def test_untrusted_certificate_is_refused(dovecot: Dovecot, user: str, type: str) -> None:
    dovecot.deliver(user, mail())
    report = fetch_account(make_account(dovecot, user, type, "tls"))
    assert "CERTIFICATE_VERIFY_FAILED" in report.errors[0]
    assert dovecot.count(user) == 1


@pytest.mark.parametrize("type", ["imap", "pop3"])
def test_non_ascii_password(dovecot: Dovecot, type: str) -> None:
    name = f"utente{next(_users)}@example.org"
    dovecot.add_user(name, "pässwört è")
    dovecot.deliver(name, mail(subject="Umlaute"))
    report = fetch_account(make_account(dovecot, name, type))
    assert (report.errors, report.stored) == ([], 1)


def test_imap_folder_is_honoured(dovecot: Dovecot, user: str) -> None:
    dovecot.deliver(user, mail(subject="Im Posteingang"))
    dovecot.deliver(user, mail(subject="Im Ordner"), folder="St&APY-rungen")
    account = make_account(dovecot, user, imap_folder="Störungen")

    report = fetch_account(account)

    assert (report.fetched, report.stored) == (1, 1)
    assert list(Ticket.objects.values_list("title", flat=True)) == ["Im Ordner"]
    assert (dovecot.count(user), dovecot.count(user, "St&APY-rungen")) == (1, 0)

    account.imap_folder = "Gibt es nicht"
    assert fetch_account(account).errors[0].startswith("cannot open folder Gibt es nicht:")


def test_modified_utf7() -> None:
    assert imap_utf7("Störungen") == "St&APY-rungen"
    assert imap_utf7("A & B") == "A &- B"
    assert imap_utf7("日本語") == "&ZeVnLIqe-"


def test_one_run_takes_at_most_the_limit(dovecot: Dovecot, user: str) -> None:
    dovecot.deliver(user, *(mail(subject=f"Nummer {n}") for n in range(3)))
    account = make_account(dovecot, user, "pop3")
    assert fetch_account(account, limit=2).fetched == 2
    assert dovecot.count(user) == 1
    assert fetch_account(account, limit=2).fetched == 1
    assert Ticket.objects.count() == 3


def test_pop3_message_with_very_long_lines(dovecot: Dovecot, user: str) -> None:
    # poplib alone gives up at 2048 bytes per line.
    dovecot.deliver(user, mail(subject="Lang", body="lang " * 2000))
    report = fetch_account(make_account(dovecot, user, "pop3"))
    assert (report.errors, report.stored) == ([], 1)
    assert ticket_with_title("Lang").articles.get().body.count("lang") == 2000


def test_fetch_all_honours_poll_interval_and_validity(dovecot: Dovecot, user: str) -> None:
    now = timezone.now()
    never = make_account(dovecot, user, name="never fetched")
    recent = make_account(dovecot, user, name="recent", last_fetch=now, poll_interval=10)
    old = make_account(
        dovecot, user, name="old", last_fetch=now - timedelta(minutes=11), poll_interval=10
    )
    # Fetched a few seconds short of a minute ago: due on this tick, not the next one.
    tick = make_account(dovecot, user, name="tick", last_fetch=now - timedelta(seconds=55))
    make_account(dovecot, user, name="invalid", valid=False)

    assert {r.account for r in fetch_all()} == {never.name, old.name, tick.name}
    assert fetch_all() == []
    assert [r.account for r in fetch_all("recent")] == [recent.name]
    assert fetch_all("invalid") == []
    assert len(fetch_all(force=True)) == 4


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Like ``sportello fetch_mail ARGS``. Not through the command line entry point: that
    closes the database connection, which on PostgreSQL ends the test's transaction."""
    code = 0
    try:
        call_command("fetch_mail", *args)
    except CommandError as error:
        code = error.returncode
        sys.stderr.write(f"CommandError: {error}\n")
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_command_prints_one_line_per_account(
    dovecot: Dovecot, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dovecot.deliver(user, mail(subject="Per Kommando"))
    make_account(dovecot, user, name="helpdesk")

    code, out, _ = run(capsys)
    assert (code, out) == (0, "helpdesk: fetched 1, stored 1, duplicates 0, failed 0\n")
    assert ticket_with_title("Per Kommando")

    MailAccount.objects.create(
        name="kaputt", type="pop3", host="127.0.0.1", port=free_port(), username="u",
        password="p", security="none",
    )  # fmt: skip
    code, out, err = run(capsys)
    assert code == 1
    assert out.splitlines() == [
        "helpdesk: fetched 0, stored 0, duplicates 0, failed 0",
        f"kaputt: fetched 0, stored 0, duplicates 0, failed 0; error: cannot connect to "
        f"127.0.0.1:{MailAccount.objects.get(name='kaputt').port}: [Errno 111] "
        "Connection refused",
    ]
    assert "1 of 2 mail accounts failed" in err

    code, out, _ = run(capsys, "--account", "helpdesk")
    assert (code, out.count("\n")) == (0, 1)
    code, _, err = run(capsys, "--account", "nessuno")
    assert code == 1 and "no valid mail account named 'nessuno'" in err


def test_command_waits_for_a_running_fetch(
    dovecot: Dovecot, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dovecot.deliver(user, mail())
    make_account(dovecot, user)
    with HUEY.lock_task(FETCH_LOCK):
        code, _, err = run(capsys)
    assert code == 75 and "another mail fetch is running" in err
    assert dovecot.count(user) == 1


def test_periodic_task_fetches_due_accounts_under_the_lock(dovecot: Dovecot, user: str) -> None:
    dovecot.deliver(user, mail(subject="Vom Task"))
    make_account(dovecot, user)
    with HUEY.lock_task(FETCH_LOCK):
        fetch_mail_accounts()  # immediate mode: runs here, finds the lock taken
    assert dovecot.count(user) == 1
    fetch_mail_accounts()
    assert ticket_with_title("Vom Task") and dovecot.count(user) == 0


def test_dovecot_is_required_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.mail import dovecot as helper

    monkeypatch.setattr(helper, "dovecot_binary", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="dovecot not installed"):
        helper.require_dovecot()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        helper.require_dovecot()
