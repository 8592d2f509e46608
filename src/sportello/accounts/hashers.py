"""Password hashes carried over from OTRS/Znuny (agents' ``users.pw`` and customers'
``customer_user.pw``), accepted at login and replaced by Django's default on success.

Stored as ``znuny$<kind>$<payload>``. The kinds follow Znuny's ``Auth::DB`` rules: unsalted
SHA-256/SHA-512/SHA-1 hex digests of the UTF-8 password, ``BCRYPT:cost:salt:hash`` (bcrypt
over a 16-character salt with the key's trailing NUL), Unix and Apache MD5-crypt
(``$1$`` / ``$apr1$``). SHA-512 is kept as base64 of its digest so that it fits the
128-character password columns. Every kind is marked for upgrade (``must_update``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from typing import Any

import bcrypt
from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.translation import gettext_noop

ALGORITHM = "znuny"
_BCRYPT = re.compile(r"^BCRYPT:(\d+):(.{16}):(.*)$", re.DOTALL)
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_MD5_CRYPT = re.compile(r"^(\$1\$|\$apr1\$)([^$]{0,8})\$(.+)$")
# The alphabets of bcrypt's and crypt(3)'s base64 variants.
_STD64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT64 = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class UnsupportedHash(ValueError):
    """A stored Znuny password in a form this module cannot check."""


class HashNotWritable(ValueError):
    """A new Znuny hash was asked for. Sportello only checks the hashes the import carried
    over and replaces each with Django's default at the next login; a password is never
    stored in Znuny's form. Reaching this means ``PASSWORD_HASHERS`` lists the Znuny
    hasher first, or ``make_password`` named it."""

    def __init__(self) -> None:
        super().__init__(
            "Znuny password hashes are only checked, never written: new passwords take the "
            "first hasher of PASSWORD_HASHERS (Argon2), which must not be the Znuny one"
        )


def encode_znuny(stored: str) -> str:
    """The Django form of a password column read from Znuny; UnsupportedHash otherwise."""
    if _BCRYPT.match(stored):
        return f"{ALGORITHM}$bcrypt${stored}"
    if _MD5_CRYPT.match(stored):
        return f"{ALGORITHM}$md5crypt${stored}"
    if _HEX.match(stored):
        digest = stored.lower()
        if len(digest) == 64:
            return f"{ALGORITHM}$sha256${digest}"
        if len(digest) == 40:
            return f"{ALGORITHM}$sha1${digest}"
        if len(digest) == 128:
            packed = base64.b64encode(binascii.unhexlify(digest)).decode()
            return f"{ALGORITHM}$sha512${packed}"
    raise UnsupportedHash(stored[:8])


def _bcrypt_b64(data: bytes) -> bytes:
    return base64.b64encode(data).translate(bytes.maketrans(_STD64, _BCRYPT64)).rstrip(b"=")


def _check_bcrypt(password: bytes, stored: str) -> bool:
    match = _BCRYPT.match(stored)
    if match is None:
        return False
    cost, salt, expected = int(match[1]), match[2].encode("utf-8"), match[3]
    if len(salt) != 16 or not 4 <= cost <= 31:
        return False
    setting = b"$2a$%02d$" % cost + _bcrypt_b64(salt)
    # bcrypt reads 72 bytes of the key at most (as Crypt::Eksblowfish does).
    hashed = bcrypt.hashpw(password[:72], setting)
    return hmac.compare_digest(hashed[-31:].decode(), expected)


def _crypt64(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_CRYPT64[value & 0x3F])
        value >>= 6
    return "".join(out)


def md5_crypt(password: bytes, salt: bytes, magic: bytes = b"$1$") -> str:
    """Poul-Henning Kamp's MD5-crypt (``$1$``; Apache's ``$apr1$`` differs only in magic)."""
    salt = salt[:8]
    alternate = hashlib.md5(password + salt + password).digest()  # noqa: S324
    context = password + magic + salt
    length = len(password)
    while length > 0:
        context += alternate[: min(16, length)]
        length -= 16
    length = len(password)
    while length:
        context += b"\0" if length & 1 else password[:1]
        length >>= 1
    final = hashlib.md5(context).digest()  # noqa: S324
    for round_ in range(1000):
        step = password if round_ & 1 else final
        if round_ % 3:
            step += salt
        if round_ % 7:
            step += password
        step += final if round_ & 1 else password
        final = hashlib.md5(step).digest()  # noqa: S324
    groups = ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5))
    text = "".join(_crypt64((final[a] << 16) | (final[b] << 8) | final[c], 4) for a, b, c in groups)
    text += _crypt64(final[11], 2)
    return f"{magic.decode()}{salt.decode('latin-1')}${text}"


def _check_md5_crypt(password: bytes, stored: str) -> bool:
    match = _MD5_CRYPT.match(stored)
    if match is None:
        return False
    computed = md5_crypt(password, match[2].encode("latin-1"), match[1].encode())
    return hmac.compare_digest(computed, stored)


def _check_digest(kind: str, password: bytes, payload: str) -> bool:
    if kind == "sha512":
        try:
            expected = base64.b64decode(payload, validate=True).hex()
        except binascii.Error:
            return False
        return hmac.compare_digest(hashlib.sha512(password).hexdigest(), expected)
    algorithm = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}[kind]
    return hmac.compare_digest(algorithm(password).hexdigest(), payload)


class ZnunyPasswordHasher(BasePasswordHasher):
    """Checks the carried-over hashes; never makes new ones (``encode`` raises
    ``HashNotWritable``)."""

    algorithm = ALGORITHM

    def encode(self, password: str, salt: str) -> str:
        raise HashNotWritable

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, kind, payload = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "kind": kind, "hash": payload, "salt": ""}

    def verify(self, password: str, encoded: str) -> bool:
        try:
            decoded = self.decode(encoded)
        except (AssertionError, ValueError):
            return False
        raw = password.encode("utf-8")
        kind, payload = decoded["kind"], decoded["hash"]
        if kind == "bcrypt":
            return _check_bcrypt(raw, payload)
        if kind == "md5crypt":
            return _check_md5_crypt(raw, payload)
        if kind in ("sha256", "sha512", "sha1"):
            return _check_digest(kind, raw, payload)
        return False

    def safe_summary(self, encoded: str) -> dict[Any, Any]:
        decoded = self.decode(encoded)
        return {
            gettext_noop("algorithm"): decoded["algorithm"],
            gettext_noop("kind"): decoded["kind"],
            gettext_noop("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        return True

    def harden_runtime(self, password: str, encoded: str) -> None:
        pass
