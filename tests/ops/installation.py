"""A Sportello installation run as an operator runs it: its own home folder and database,
every step a ``sportello`` process (not the test process's settings)."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings

from tests.conftest import IS_POSTGRES

SPORTELLO = Path(sys.executable).with_name("sportello")
SECRET_KEY = "installation-test-secret-key-" + "s" * 40


def _server() -> dict[str, Any]:
    db = settings.DATABASES["default"]
    return {
        "host": db.get("HOST") or "127.0.0.1",
        "port": int(db.get("PORT") or 5432),
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
    }


def admin_sql(statement: str) -> None:
    with psycopg.connect(**_server(), autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


@dataclass
class Installation:
    home: Path
    database_url: str = ""
    database: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # Run every command as this system user (as an MTA's pipe runs it), not as root.
    user: str | None = None
    program: list[str] = field(default_factory=lambda: [str(SPORTELLO)])

    @classmethod
    def create(cls, home: Path, **extra: str) -> Installation:
        """A new installation on this test run's database engine (a new PostgreSQL
        database in the PostgreSQL pass, a SQLite file under ``home`` otherwise)."""
        home.mkdir(parents=True, exist_ok=True)
        if not IS_POSTGRES:
            return cls(home, extra=dict(extra))
        name = f"inst_{uuid.uuid4().hex[:12]}"
        admin_sql(f'CREATE DATABASE "{name}"')
        server = _server()
        password = f":{server['password']}" if server["password"] else ""
        url = f"postgresql://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
        return cls(home, url, name, dict(extra))

    def drop(self) -> None:
        if self.database:
            admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def env(self) -> dict[str, str]:
        values = {
            "PATH": os.environ["PATH"],
            "HOME": str(self.home),
            "SPORTELLO_HOME": str(self.home),
            "SPORTELLO_SECRET_KEY": SECRET_KEY,
            "SPORTELLO_TLS": "0",
            "SPORTELLO_RAW_IN_DATABASE_MAX": "0",  # raw mails as stored files too
            **self.extra,
        }
        if self.database_url:
            values["DATABASE_URL"] = self.database_url
        return values

    @property
    def group(self) -> int | None:
        return pwd.getpwnam(self.user).pw_gid if self.user else None

    def run(
        self, *args: str, stdin: bytes = b"", check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run(
            [*self.program, *args],
            input=stdin,
            env=self.env(),
            capture_output=True,
            timeout=timeout,
            check=False,
            user=self.user,
            group=self.group,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"sportello {' '.join(args)} exited {done.returncode}: "
                f"{done.stdout.decode()} {done.stderr.decode()}"
            )
        return done

    def query(self, code: str) -> Any:
        """Run ``code`` (which sets ``result``) in a ``sportello shell``; its JSON value."""
        script = f"import json\n{code}\nprint('RESULT' + json.dumps(result))\n"
        out = self.run("shell", "-c", script).stdout.decode()
        line = next(line for line in out.splitlines() if line.startswith("RESULT"))
        return json.loads(line.removeprefix("RESULT"))
