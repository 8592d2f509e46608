from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from sportello.customers import backends, ldap
from sportello.customers.models import CustomerCompany, CustomerSource, CustomerUser
from tests.customers.slapd import PEOPLE, ROOT_DN, ROOT_PASSWORD, Slapd

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def slapd() -> Iterator[Slapd]:
    server = Slapd()
    server.start()
    server.add_person(
        "lara",
        "lara-ldap-secret",
        cn="Lara Lehmann",
        sn="Lehmann",
        givenName="Lara",
        mail="lara@uni.example.org",
        telephoneNumber="+49 9131 85 1",
        departmentNumber="FAC-MATH",
    )
    server.add_person("mo", "mo-ldap-secret", cn="Mo", sn="Meier", mail="mo@uni.example.org")
    yield server
    server.stop()


@pytest.fixture
def ldap_settings(slapd: Slapd, settings: Any) -> Any:
    settings.SPORTELLO_CUSTOMER_LDAP_SERVER_URI = slapd.uri
    settings.SPORTELLO_CUSTOMER_LDAP_BIND_DN = ROOT_DN
    settings.SPORTELLO_CUSTOMER_LDAP_BIND_PASSWORD = ROOT_PASSWORD
    settings.SPORTELLO_CUSTOMER_LDAP_USER_SEARCH_BASE = PEOPLE
    settings.SPORTELLO_CUSTOMER_LDAP_COMPANY_ATTR = "departmentNumber"
    return settings


def test_ldap_login_creates_and_maps_the_customer(ldap_settings: Any) -> None:
    math = CustomerCompany.objects.create(customer_id="FAC-MATH", name="Mathematics")
    assert backends.authenticate("lara", "wrong") is None
    assert not CustomerUser.objects.exists()
    lara = backends.authenticate("lara", "lara-ldap-secret")
    assert lara is not None and lara.pk is not None
    assert (lara.login, lara.email, lara.first_name, lara.last_name, lara.phone) == (
        "lara",
        "lara@uni.example.org",
        "Lara",
        "Lehmann",
        "+49 9131 85 1",
    )
    assert lara.source == CustomerSource.LDAP and lara.company == math
    assert not lara.has_usable_password()  # the directory keeps the password
    # By address too, and the record is refreshed rather than duplicated.
    assert backends.authenticate("lara@uni.example.org", "lara-ldap-secret") == lara
    assert CustomerUser.objects.count() == 1


def test_attribute_mapping_is_configurable(ldap_settings: Any) -> None:
    ldap_settings.SPORTELLO_CUSTOMER_LDAP_USER_ATTR_MAP = {"email": "mail", "first_name": "cn"}
    mo = backends.authenticate("mo", "mo-ldap-secret")
    assert mo is not None and mo.first_name == "Mo" and mo.last_name == ""


def test_record_lookup_without_password(ldap_settings: Any) -> None:
    found = ldap.lookup("mo")
    assert found is not None and found.email == "mo@uni.example.org" and found.last_name == "Meier"
    assert ldap.lookup("nobody") is None


def test_invalid_ldap_customer_is_refused(ldap_settings: Any) -> None:
    lara = backends.authenticate("lara", "lara-ldap-secret")
    assert lara is not None
    lara.valid = False
    lara.save()
    assert backends.authenticate("lara", "lara-ldap-secret") is None


def test_ldap_customer_logs_in_to_the_portal(ldap_settings: Any, client: Client) -> None:
    response = client.post("/portal/login/", {"login": "lara", "password": "lara-ldap-secret"})
    assert response.status_code == 302
    assert client.get("/portal/").status_code == 200


def test_database_customers_still_work_and_ldap_down_refuses_politely(
    ldap_settings: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    local = CustomerUser(login="local", email="local@example.org")
    local.set_password("Local-Secret-123")
    local.save()
    assert backends.authenticate("local", "Local-Secret-123") == local
    settings.SPORTELLO_CUSTOMER_LDAP_SERVER_URI = "ldap://127.0.0.1:1/"
    assert backends.authenticate("lara", "lara-ldap-secret") is None


def test_customer_record_falls_back_to_the_directory(ldap_settings: Any) -> None:
    from sportello.customers.selectors import customer_record

    assert not CustomerUser.objects.filter(login="mo").exists()
    record = customer_record("mo")
    assert record is not None and record.email == "mo@uni.example.org"
    assert CustomerUser.objects.get(login="mo").source == CustomerSource.LDAP
    assert customer_record("ghost") is None
