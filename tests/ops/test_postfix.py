"""Mail through a real Postfix into ``sportello ingest_mail``: while the database is down
the pipe exits 75, Postfix keeps the mail and delivers it once the database is back;
every message is filed exactly once."""

from __future__ import annotations

import os
import pwd
import shutil
import smtplib
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import IS_POSTGRES
from tests.mail.messages import mail
from tests.ops.installation import SPORTELLO, Installation, admin_sql
from tests.ops.postfix import DOMAIN, POSTFIX, Postfix

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(POSTFIX) and os.environ.get("CI") != "true",
        reason="Postfix is not installed (Debian package postfix)",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="starting Postfix needs root"),
]

PIPE_USER = "nobody"
TITLES = """
from sportello.tickets.models import Ticket, Article
result = {
    "titles": sorted(Ticket.objects.values_list("title", flat=True)),
    "incoming": sorted(
        Article.objects.filter(message_id__startswith="<postfix-").values_list(
            "message_id", flat=True
        )
    ),
}
"""


@pytest.fixture
def installation() -> Iterator[Installation]:
    # Under /tmp itself: the pipe's user must reach the folder (pytest's are root-only).
    base = Path(tempfile.mkdtemp(prefix="sportello-postfix-"))
    os.chmod(base, 0o755)
    home = base / "home"
    home.mkdir()
    user = pwd.getpwnam(PIPE_USER)
    os.chown(home, user.pw_uid, user.pw_gid)
    made = Installation.create(home)
    made.user = PIPE_USER
    made.program = pipe_program(base)
    try:
        yield made
    finally:
        made.drop()
        shutil.rmtree(base, ignore_errors=True)


def _others_reach(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in [*path.parents, path] if p != path) and bool(
        os.stat(path).st_mode & 0o005
    )


def pipe_program(folder: Path) -> list[str]:
    """How the pipe's user runs ``sportello``: the console script, when the pipe's user may run
    its interpreter. A Python under root's home (pyenv) is not, so then a small script
    for the system's Python of the same version loads the same packages."""
    interpreter = Path(os.path.realpath(sys.executable))
    if _others_reach(interpreter):
        return [str(SPORTELLO)]
    system = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not system.exists():
        pytest.fail(f"the pipe's user cannot run {interpreter} and there is no {system}")
    site_packages = next(p for p in sys.path if p.endswith("site-packages") and ".venv" in p)
    script = folder / "sportello-pipe"
    script.write_text(
        f"#!{system}\nimport site, sys\nsite.addsitedir({site_packages!r})\n"
        "from sportello.cli import main\nsys.argv[0] = 'sportello'\nmain()\n"
    )
    script.chmod(0o755)
    return [str(script)]


def _until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _send(port: int, number: int) -> None:
    message = mail(
        subject=f"postfix-{number:02d}",
        to=f"support@{DOMAIN}",
        message_id=f"<postfix-{number}@example.org>",
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sendmail("max@example.org", [f"support@{DOMAIN}"], message)


def _block(installation: Installation) -> Callable[[], None]:
    """Make the database unreachable for the pipe; returns the function that undoes it."""
    if IS_POSTGRES:
        name = installation.database
        admin_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        )
        return lambda: admin_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    database = installation.home / "sportello.sqlite3"
    mode = database.stat().st_mode
    database.chmod(0)  # the pipe's user can no longer open it
    return lambda: database.chmod(mode)


def test_mail_is_kept_by_postfix_while_the_database_is_down(
    installation: Installation, tmp_path: Path
) -> None:
    installation.run("migrate", "--no-input")
    root = Path(tempfile.mkdtemp(prefix="sportello-postfix-mta-"))
    postfix = Postfix.start(
        root,
        command=[*installation.program, "ingest_mail"],
        environment=installation.env(),
        user=PIPE_USER,
    )
    try:
        for number in range(3):
            _send(postfix.port, number)
        _until(lambda: len(installation.query(TITLES)["titles"]) == 3, "the first mails")

        unblock = _block(installation)
        try:
            for number in range(3, 7):
                _send(postfix.port, number)
            # Each was tried and deferred: the pipe said 75, Postfix keeps them.
            _until(
                lambda: postfix.log().count("status=deferred") >= 4 and len(postfix.queue()) == 4,
                "the deferrals",
            )
        finally:
            unblock()
        assert "temporary failure" in postfix.log() or "database unavailable" in postfix.log()

        postfix.flush()
        _until(lambda: not postfix.queue(), "the queue to drain")
        found = installation.query(TITLES)
        assert found["titles"] == [f"postfix-{n:02d}" for n in range(7)]
        # Each message filed once (an article per message, whatever the auto-responses).
        assert found["incoming"] == sorted(f"<postfix-{n}@example.org>" for n in range(7))
    finally:
        postfix.stop()
        shutil.rmtree(root, ignore_errors=True)
