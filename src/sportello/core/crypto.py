"""Secrets at rest (mail account passwords): Fernet tokens from ``cryptography``.

``SPORTELLO_ENCRYPTION_KEYS`` lists Fernet keys, comma-separated: the first encrypts,
every one decrypts, so a new key goes first and the old ones stay until
``sportello rotate_encryption_key`` has re-encrypted every stored secret. Without it one
key is derived from ``SECRET_KEY`` (HKDF), so the embedded default needs no setting;
changing the secret key then needs the derived key kept in the list (``derived_key``).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Separates this use of the secret key from its others (sessions, signed tokens).
_INFO = b"sportello encryption key for secrets at rest"


def derived_key(secret_key: str) -> bytes:
    """The Fernet key derived from a secret key, for installations without keys set."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


def _fernet() -> MultiFernet:
    configured = [key.strip() for key in settings.SPORTELLO_ENCRYPTION_KEYS if key.strip()]
    keys = configured or [derived_key(settings.SECRET_KEY).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "SPORTELLO_ENCRYPTION_KEYS must list Fernet keys (32 url-safe base64-encoded "
            "bytes each), comma-separated."
        ) from None


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted: SPORTELLO_ENCRYPTION_KEYS (or, without "
            "it, SPORTELLO_SECRET_KEY) lacks the key it was encrypted with."
        ) from None
