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
GROUPS = f"ou=groups,{SUFFIX}"

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
{tls}"""

TLS = """\
TLSCertificateFile {root}/server.crt
TLSCertificateKeyFile {root}/server.key
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

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups
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


def _write_certificate(root: Path, *, rsa: bool = False) -> Path:
    """A self-signed certificate for 127.0.0.1 (EC, or RSA for XML signatures) as
    ``server.crt`` beside its key ``server.key``; returns the file clients trust."""
    from datetime import UTC, datetime, timedelta
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys
    from cryptography.x509.oid import NameOID

    key: ec.EllipticCurvePrivateKey | rsa_keys.RSAPrivateKey = (
        rsa_keys.generate_private_key(65537, 2048)
        if rsa
        else ec.generate_private_key(ec.SECP256R1())
    )
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    (root / "server.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (root / "server.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return root / "server.crt"


class Slapd:
    def __init__(self, *, tls: bool = False) -> None:
        self.tls = tls
        self.ca_file = ""
        self.root = Path(tempfile.mkdtemp(prefix="sportello-slapd-"))
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}/"
        self._ldapadd = ""

    def start(self) -> None:
        slapd, self._ldapadd = require_slapd()
        (self.root / "data").mkdir()
        config = self.root / "slapd.conf"
        tls = ""
        if self.tls:
            self.ca_file = str(_write_certificate(self.root))
            tls = TLS.format(root=self.root)
        config.write_text(
            CONFIG.format(
                root=self.root, suffix=SUFFIX, rootdn=ROOT_DN, rootpw=ROOT_PASSWORD, tls=tls
            )
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

    def add_group(self, cn: str, *member_uids: str) -> str:
        """A groupOfNames under ou=groups with these people; returns its DN."""
        dn = f"cn={cn},{GROUPS}"
        members = [f"member: uid={uid},{PEOPLE}" for uid in member_uids] or [f"member: {ROOT_DN}"]
        self.add(
            "\n".join([f"dn: {dn}", "objectClass: groupOfNames", f"cn: {cn}", *members]) + "\n"
        )
        return dn

    def modify(self, ldif: str) -> None:
        subprocess.run(
            [
                self._ldapadd.replace("ldapadd", "ldapmodify"),
                "-x",
                "-H",
                self.uri,
                "-D",
                ROOT_DN,
                "-w",
                ROOT_PASSWORD,
            ],
            input=ldif.encode(),
            capture_output=True,
            check=True,
        )

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
