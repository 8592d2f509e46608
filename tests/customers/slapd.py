"""A real OpenLDAP slapd for tests: its own configuration and database in a temporary
folder, on a free loopback port; entries loaded with ``ldapadd``."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SUFFIX = "dc=uni,dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "slapd-root-secret"
PEOPLE = f"ou=people,{SUFFIX}"

CONFIG = """\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
argsfile {root}/slapd.args
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "{rootdn}"
rootpw {rootpw}
directory {root}/data
"""

BASE = f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: University
dc: uni

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _binary(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")


def require_slapd() -> tuple[str, str]:
    slapd, ldapadd = _binary("slapd"), _binary("ldapadd")
    if slapd and ldapadd:
        return slapd, ldapadd
    message = "OpenLDAP not installed (Debian slapd, ldap-utils)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


class Slapd:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sportello-slapd-"))
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}/"
        self._ldapadd = ""

    def start(self) -> None:
        slapd, self._ldapadd = require_slapd()
        (self.root / "data").mkdir()
        config = self.root / "slapd.conf"
        config.write_text(
            CONFIG.format(root=self.root, suffix=SUFFIX, rootdn=ROOT_DN, rootpw=ROOT_PASSWORD)
        )
        started = subprocess.run(
            [slapd, "-h", self.uri, "-f", str(config)], capture_output=True, check=False
        )
        deadline = time.monotonic() + 15
        while not self._accepts():
            if started.returncode != 0 or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"slapd did not start: {started.stderr.decode()}")
            time.sleep(0.05)
        self.add(BASE)

    def _accepts(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def add(self, ldif: str) -> None:
        subprocess.run(
            [self._ldapadd, "-x", "-H", self.uri, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
            input=ldif.encode(),
            capture_output=True,
            check=True,
        )

    def add_person(self, uid: str, password: str, **attributes: str) -> None:
        lines = [
            f"dn: uid={uid},{PEOPLE}",
            "objectClass: inetOrgPerson",
            f"uid: {uid}",
            f"userPassword: {password}",
            *(f"{name}: {value}" for name, value in attributes.items()),
        ]
        self.add("\n".join(lines) + "\n")

    def stop(self) -> None:
        pid_file = self.root / "slapd.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            try:
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    os.kill(pid, 0)
                    time.sleep(0.05)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)
