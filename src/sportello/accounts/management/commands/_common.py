"""Shared bits of the provisioning commands."""

from __future__ import annotations

import sys

from django.core.management.base import CommandError


def read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("no password on stdin")
    return password
