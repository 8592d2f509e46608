"""Znuny's stored password forms, checked against vectors made by other implementations
(OpenBSD's bcrypt test set, OpenSSL's ``passwd -1`` / ``-apr1``, Python's hashlib)."""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from sportello.accounts.hashers import (
    HashNotWritable,
    UnsupportedHash,
    ZnunyPasswordHasher,
    encode_znuny,
)
from sportello.accounts.models import User
from sportello.customers.models import CustomerUser

# OpenBSD's vector "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW" for "U*U",
# in Znuny's form: the 16 salt bytes that "CCCCCCCCCCCCCCCCCCCCC." stands for, as they are.
OPENBSD_SALT = (b"\x10A\x04" * 5 + b"\x10").decode("latin-1")
BCRYPT = f"BCRYPT:5:{OPENBSD_SALT}:E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
# openssl passwd -1 -salt saltsalt password / openssl passwd -apr1 -salt saltsalt password
MD5_CRYPT = "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"
APR1 = "$apr1$saltsalt$yAAkm4libquA.ZWLHbSBq/"


@pytest.mark.parametrize(
    ("stored", "password"),
    [
        (BCRYPT, "U*U"),
        (MD5_CRYPT, "password"),
        (APR1, "password"),
        (hashlib.sha256("Grüße".encode()).hexdigest(), "Grüße"),
        (hashlib.sha256(b"x").hexdigest().upper(), "x"),
        (hashlib.sha512(b"secret").hexdigest(), "secret"),
        (hashlib.sha1(b"old").hexdigest(), "old"),
    ],
)
def test_each_form_accepts_its_password_only(stored: str, password: str) -> None:
    encoded = encode_znuny(stored)
    assert len(encoded) <= 128  # fits Django's password column
    assert isinstance(identify_hasher(encoded), ZnunyPasswordHasher)
    assert check_password(password, encoded)
    assert not check_password(password + "!", encoded)
    assert not check_password("", encoded)


@pytest.mark.parametrize("stored", ["roK20XGbWEsSM", "plain-text", "{SSHA}abc", ""])
def test_forms_that_cannot_be_checked_are_refused(stored: str) -> None:
    with pytest.raises(UnsupportedHash):
        encode_znuny(stored)


def test_a_damaged_hash_never_matches() -> None:
    hasher = ZnunyPasswordHasher()
    assert not hasher.verify("U*U", "znuny$bcrypt$BCRYPT:5:short:abc")
    assert not hasher.verify("x", "znuny$sha512$not base64!")
    assert not hasher.verify("x", "znuny$unknown$abc")


def test_no_password_is_ever_stored_as_a_znuny_hash() -> None:
    # A ValueError of its own (not NotImplementedError, which says "not done yet"): the
    # refusal is the design. make_password naming the hasher takes the same path.
    with pytest.raises(HashNotWritable, match="only checked, never written"):
        ZnunyPasswordHasher().encode("x", "salt")
    with pytest.raises(HashNotWritable):
        make_password("x", hasher="znuny")
    assert issubclass(HashNotWritable, ValueError)


@pytest.mark.django_db
def test_agents_and_customers_are_upgraded_at_login() -> None:
    agent = User.objects.create(username="carla", password=encode_znuny(MD5_CRYPT))
    assert agent.check_password("password")
    agent.refresh_from_db()
    assert agent.password.startswith("argon2")
    assert agent.check_password("password")
    customer = CustomerUser.objects.create(
        login="dora", email="dora@example.org", password=encode_znuny(BCRYPT)
    )
    assert not customer.check_password("U*u")
    assert customer.password.startswith("znuny$")
    assert customer.check_password("U*U")
    customer.refresh_from_db()
    assert customer.password.startswith("argon2")
