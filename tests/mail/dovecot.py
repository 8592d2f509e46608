"""A real Dovecot (IMAP and POP3) for tests: its own configuration on free loopback ports.

Plain, TLS (imaps/pop3s) and STARTTLS with a self-signed certificate made here (``cert``:
point SSL_CERT_FILE at it to trust it). Everything lives in one temporary folder under
/tmp, not pytest's tmp_path: that one is private to root, and Dovecot's mail processes
run as the ``mail`` user. Stopping takes Dovecot about two seconds, so tests share one
server and get a fresh user (mailbox) each.
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap pop3
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = {uid}
last_valid_uid = 0
{run_as}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {ports[imap]}
  }}
  inet_listener imaps {{
    port = {ports[imaps]}
  }}
{chroot}}}
service pop3-login {{
  inet_listener pop3 {{
    port = {ports[pop3]}
  }}
  inet_listener pop3s {{
    port = {ports[pop3s]}
  }}
{chroot}}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")


def require_dovecot() -> str:
    binary = dovecot_binary()
    if binary is not None:
        return binary
    message = "dovecot not installed (Debian dovecot-imapd, dovecot-pop3d)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


class Dovecot:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sportello-dovecot-"))
        self.ports = {name: free_port() for name in ("imap", "imaps", "pop3", "pop3s")}
        self.config = self.root / "dovecot.conf"
        self.cert = self.root / "cert.pem"
        self.users: dict[str, str] = {}

    def port(self, protocol: str, security: str) -> int:
        """The port for an account of this type ("imap", "pop3") and security."""
        return self.ports[protocol + ("s" if security == "tls" else "")]

    def _write_config(self) -> None:
        if os.geteuid() == 0:
            # Dovecot refuses to run mail processes as root.
            uid, gid = pwd.getpwnam("mail").pw_uid, grp.getgrnam("mail").gr_gid
            run_as, chroot = "", ""
        else:
            # Rootless: every Dovecot process runs as the current user, without chroot.
            uid, gid = os.geteuid(), os.getegid()
            name, group = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
            run_as = (
                f"default_internal_user = {name}\ndefault_internal_group = {group}\n"
                f"default_login_user = {name}\n"
            )
            chroot = "  chroot =\n"
        self.root.chmod(0o755)
        (self.root / "mail").mkdir()
        os.chown(self.root / "mail", uid, gid)
        (self.root / "users").mkdir()
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(self.root / "key.pem"), "-out", str(self.cert)],
            check=True, capture_output=True,
        )  # fmt: skip
        self.config.write_text(
            CONFIG.format(root=self.root, uid=uid, gid=gid, run_as=run_as, chroot=chroot,
                          ports=self.ports)
        )  # fmt: skip

    def start(self) -> None:
        binary = require_dovecot()
        self._write_config()
        # Output to a file, not a pipe: the daemonized master would keep a pipe open.
        with (self.root / "startup.log").open("wb") as output:
            started = subprocess.run(
                [binary, "-c", str(self.config)], stdout=output, stderr=output, check=False
            )
        deadline = time.monotonic() + 15
        while started.returncode != 0 or not all(map(self._accepts, self.ports.values())):
            if started.returncode != 0 or time.monotonic() > deadline:
                startup = (self.root / "startup.log").read_text(errors="replace")
                log = self.log()
                self.stop()
                raise RuntimeError(f"dovecot did not start: {startup}\n{log}")
            time.sleep(0.05)

    @staticmethod
    def _accepts(port: int) -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            try:
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    os.kill(pid, 0)  # raises once the master is gone
                    time.sleep(0.05)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def add_user(self, user: str, password: str) -> None:
        # One passwd file per user: Dovecot notices a changed file only a second later.
        (self.root / "users" / user).write_text(f"{user}:{{PLAIN}}{password}::::::\n", "utf-8")
        self.users[user] = password

    # Test-side access through IMAP, independent of the code under test.
    def _client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.ports["imap"], timeout=10)
        secret = f"\0{user}\0{self.users[user]}".encode()
        client.authenticate("PLAIN", lambda _challenge: secret)
        return client

    def deliver(self, user: str, *messages: bytes, folder: str = "INBOX") -> None:
        """Append messages; ``folder`` as on the wire (modified UTF-7, no spaces)."""
        client = self._client(user)
        try:
            if folder != "INBOX":
                client.create(folder)
            for raw in messages:
                typ, data = client.append(folder, "", None, raw)
                assert typ == "OK", data
        finally:
            client.logout()

    def count(self, user: str, folder: str = "INBOX") -> int:
        """Messages in the folder, counting any flagged \\Deleted but not expunged."""
        client = self._client(user)
        try:
            typ, data = client.select(folder, readonly=True)
            assert typ == "OK", data
            return int(data[0] or 0)
        finally:
            client.logout()
