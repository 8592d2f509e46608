"""A Postfix of its own for a test: its configuration, queue and data folders under one
directory, SMTP on a free loopback port and nothing else listening, mail for the helpdesk
domain piped into ``sportello ingest_mail`` as an unprivileged user."""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
POSTQUEUE = shutil.which("postqueue") or "/usr/sbin/postqueue"
DOMAIN = "helpdesk.example.org"

# The services Postfix needs internally; chroot off (the folder is not a chroot jail).
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
local     unix  - n n - - local
virtual   unix  - n n - - virtual
lmtp      unix  - - n - - lmtp
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
sportello unix  - n n - - pipe
  flags=R user={user} argv={argv}
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
maillog_file = {root}/maillog
maillog_file_prefixes = {root}
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.sportello.test
mydomain = sportello.test
myorigin = $myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relay_domains = {domain}
relay_recipient_maps =
transport_maps = inline:{{ {domain}=sportello: }}
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = permit_mynetworks, reject
sportello_destination_recipient_limit = 1
alias_maps =
alias_database =
local_recipient_maps =
smtputf8_enable = no
biff = no
syslog_name = postfix-sportello-test
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Postfix:
    root: Path
    port: int

    @classmethod
    def start(
        cls, root: Path, *, command: list[str], environment: Mapping[str, str], user: str
    ) -> Postfix:
        root.mkdir(parents=True, exist_ok=True)
        os.chmod(root, 0o755)
        port = free_port()
        assignments = [f"{name}={value}" for name, value in environment.items()]
        argv = shlex.join(["/usr/bin/env", "-i", *assignments, *command])
        (root / "queue").mkdir()
        (root / "data").mkdir()
        owner = pwd.getpwnam("postfix")
        os.chown(root / "data", owner.pw_uid, owner.pw_gid)
        (root / "main.cf").write_text(MAIN_CF.format(root=root, domain=DOMAIN))
        (root / "master.cf").write_text(MASTER_CF.format(port=port, user=user, argv=argv))
        postfix = cls(root, port)
        postfix._postfix("check")
        postfix._postfix("start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return postfix
            except OSError:
                time.sleep(0.2)
        postfix.stop()
        raise RuntimeError(f"Postfix did not listen on {port}: {postfix.log()[-2000:]}")

    def _postfix(self, *args: str) -> None:
        done = subprocess.run(
            [POSTFIX, "-c", str(self.root), *args], capture_output=True, text=True, timeout=60
        )
        if done.returncode != 0:
            raise RuntimeError(f"postfix {' '.join(args)}: {done.stderr}{done.stdout}")

    def stop(self) -> None:
        subprocess.run(
            [POSTFIX, "-c", str(self.root), "abort"], capture_output=True, timeout=60, check=False
        )

    def flush(self) -> None:
        subprocess.run([POSTQUEUE, "-c", str(self.root), "-f"], check=True, timeout=60)

    def queue(self) -> list[dict[str, object]]:
        done = subprocess.run(
            [POSTQUEUE, "-c", str(self.root), "-j"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]

    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""
