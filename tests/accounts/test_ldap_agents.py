"""Agents from a real OpenLDAP directory on loopback: both bind modes, several
directories in order, StartTLS, attributes, creation, deactivation, and directory groups
mapped to roles and grants at log-in and by ``sportello ldap sync``."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client

from sportello.accounts import ldap, role_mapping
from sportello.accounts.models import AgentGrant, AuthSource, Group, Role, RoleGrant, User
from tests.customers.slapd import GROUPS, PEOPLE, ROOT_DN, ROOT_PASSWORD, SUFFIX, Slapd

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def slapd() -> Iterator[Slapd]:
    server = Slapd(tls=True)
    server.start()
    server.add_person(
        "anna",
        "anna-secret",
        cn="Anna Amato",
        givenName="Anna",
        sn="Amato",
        mail="anna@uni.example.org",
        preferredLanguage="de-DE",
    )
    server.add_person(
        "bert", "bert-secret", cn="Bert Brandt", sn="Brandt", mail="bert@uni.example.org"
    )
    server.add_person("carla", "carla-secret", cn="Carla", sn="Conte", mail="carla@uni.example.org")
    server.add_group("rrze-netz", "anna", "carla")
    server.add_group("rrze-mail", "bert")
    server.add_group("staff", "anna", "bert")
    yield server
    server.stop()


def directory(slapd: Slapd, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "server_uri": slapd.uri,
        "bind_dn": ROOT_DN,
        "bind_password": ROOT_PASSWORD,
        "user_search_base": PEOPLE,
        "user_filter": "(uid=%(user)s)",
        "attr_map": {
            "first_name": "givenName",
            "last_name": "sn",
            "email": "mail",
            "language": "preferredLanguage",
        },
        "group_search_base": GROUPS,
        "group_type": "groupOfNames",
        "create_agents": True,
    }
    config.update(overrides)
    return config


@pytest.fixture
def network(db: None) -> tuple[Role, Group]:
    netz = Group.objects.create(name="netz")
    role = Role.objects.create(name="Network")
    RoleGrant.objects.create(role=role, group=netz, permission="ro")
    return role, netz


@pytest.fixture
def directory_settings(slapd: Slapd, settings: Any, network: tuple[Role, Group]) -> Any:
    Group.objects.create(name="mail")
    settings.SPORTELLO_AGENT_LDAP = [directory(slapd)]
    settings.SPORTELLO_SSO_GROUP_MAP = {
        f"CN=rrze-netz,{GROUPS}": {"roles": ["Network"], "grants": {"netz": ["rw"]}},
        f"cn=rrze-mail,{GROUPS}": {"grants": {"mail": "rw", "netz": "ro"}},
    }
    return settings


def grants(agent: User) -> set[tuple[str, str]]:
    return set(AgentGrant.objects.filter(agent=agent).values_list("group__name", "permission"))


def test_search_then_bind_creates_the_agent_with_roles_and_grants(directory_settings: Any) -> None:
    assert authenticate(None, username="anna", password="wrong") is None
    assert not User.objects.filter(username="anna").exists()
    anna = authenticate(None, username="anna", password="anna-secret")
    assert isinstance(anna, User)
    anna.refresh_from_db()
    assert (anna.first_name, anna.last_name, anna.email, anna.language) == (
        "Anna",
        "Amato",
        "anna@uni.example.org",
        "de",
    )
    assert anna.auth_source == AuthSource.LDAP and not anna.has_usable_password()
    assert list(anna.roles.values_list("name", flat=True)) == ["Network"]
    assert grants(anna) == {("netz", "rw")}
    bert = authenticate(None, username="bert", password="bert-secret")
    assert isinstance(bert, User)
    assert not bert.roles.exists() and grants(bert) == {("mail", "rw"), ("netz", "ro")}


def test_direct_bind_and_several_directories_in_order(
    slapd: Slapd, directory_settings: Any
) -> None:
    nowhere = directory(slapd, user_search_base=f"ou=nobody,{SUFFIX}", create_agents=True)
    bind = directory(slapd, user_dn_template=f"uid=%(user)s,{PEOPLE}", bind_dn="", bind_password="")
    directory_settings.SPORTELLO_AGENT_LDAP = [nowhere, bind]
    carla = authenticate(None, username="carla", password="carla-secret")
    assert isinstance(carla, User) and carla.email == "carla@uni.example.org"
    assert grants(carla) == {("netz", "rw")}
    assert authenticate(None, username="carla", password="bert-secret") is None


def test_start_tls_needs_a_trusted_certificate(slapd: Slapd, directory_settings: Any) -> None:
    directory_settings.SPORTELLO_AGENT_LDAP = [
        directory(slapd, start_tls=True, ca_file=slapd.ca_file)
    ]
    assert isinstance(authenticate(None, username="bert", password="bert-secret"), User)
    User.objects.filter(username="bert").delete()
    directory_settings.SPORTELLO_AGENT_LDAP = [directory(slapd, start_tls=True)]
    assert authenticate(None, username="bert", password="bert-secret") is None
    assert not User.objects.filter(username="bert").exists()


def test_without_creation_only_known_agents_log_in(slapd: Slapd, directory_settings: Any) -> None:
    directory_settings.SPORTELLO_AGENT_LDAP = [directory(slapd, create_agents=False)]
    assert authenticate(None, username="anna", password="anna-secret") is None
    User.objects.create(username="anna", email="old@example.org")
    anna = authenticate(None, username="anna", password="anna-secret")
    assert isinstance(anna, User) and anna.email == "anna@uni.example.org"


def test_roles_are_re_evaluated_at_each_login(slapd: Slapd, directory_settings: Any) -> None:
    admin_role = Role.objects.create(name="Queue admins")  # not in the map: left alone
    carla = authenticate(None, username="carla", password="carla-secret")
    assert isinstance(carla, User)
    admin_role.agents.add(carla)
    AgentGrant.objects.create(agent=carla, group=Group.objects.get(name="mail"), permission="note")
    slapd.modify(
        f"dn: cn=rrze-netz,{GROUPS}\nchangetype: modify\ndelete: member\n"
        f"member: uid=carla,{PEOPLE}\n"
    )
    try:
        carla = authenticate(None, username="carla", password="carla-secret")
        assert isinstance(carla, User)
        assert set(carla.roles.values_list("name", flat=True)) == {"Queue admins"}
        assert grants(carla) == {("mail", "note")}
    finally:
        slapd.modify(
            f"dn: cn=rrze-netz,{GROUPS}\nchangetype: modify\nadd: member\n"
            f"member: uid=carla,{PEOPLE}\n"
        )


def test_the_directory_deactivates_agents(slapd: Slapd, directory_settings: Any) -> None:
    staff = f"cn=staff,{GROUPS}"
    directory_settings.SPORTELLO_AGENT_LDAP = [directory(slapd, active_group=staff)]
    anna = authenticate(None, username="anna", password="anna-secret")
    assert isinstance(anna, User) and anna.is_active
    carla = authenticate(None, username="carla", password="carla-secret")
    assert isinstance(carla, User) and not carla.is_active
    # The login page refuses an inactive agent.
    client = Client()
    response = client.post("/login/", {"username": "carla", "password": "carla-secret"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_login_page_rotates_the_session(directory_settings: Any) -> None:
    client = Client()
    client.get("/login/")
    before = client.session.session_key
    response = client.post("/login/", {"username": "anna", "password": "anna-secret"})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.session["_auth_user_id"] == str(User.objects.get(username="anna").pk)


def test_sync_updates_roles_and_deactivates_vanished_agents(
    slapd: Slapd, directory_settings: Any
) -> None:
    anna = authenticate(None, username="anna", password="anna-secret")
    assert isinstance(anna, User)
    ghost = User.objects.create(username="ghost", email="ghost@example.org", auth_source="ldap")
    local = User.objects.create(username="local", email="local@example.org")
    # The map changes: rrze-netz now also gives note on mail.
    directory_settings.SPORTELLO_SSO_GROUP_MAP[f"CN=rrze-netz,{GROUPS}"]["grants"]["mail"] = "note"
    out = StringIO()
    call_command("ldap", "sync", stdout=out)
    assert out.getvalue().strip() == "1 agents updated, 1 deactivated"
    ghost.refresh_from_db()
    local.refresh_from_db()
    assert not ghost.is_active and local.is_active
    assert grants(anna) == {("netz", "rw"), ("mail", "note")}


def test_sync_without_directories_is_an_error(settings: Any) -> None:
    from django.core.management.base import CommandError

    settings.SPORTELLO_AGENT_LDAP = []
    with pytest.raises(CommandError, match="no agent directory"):
        call_command("ldap", "sync")


def test_directory_groups_read_only(directory_settings: Any) -> None:
    found = ldap.directory_groups("anna")
    assert found is not None
    attrs, groups = found
    assert attrs["mail"] == "anna@uni.example.org"
    assert f"cn=rrze-netz,{GROUPS}".lower() in [g.lower() for g in groups]
    assert ldap.directory_groups("nobody") is None
    assert not User.objects.filter(username="anna").exists()


def test_the_map_reports_unknown_names(settings: Any, network: tuple[Role, Group]) -> None:
    settings.SPORTELLO_SSO_GROUP_MAP = {
        "x": {"roles": ["Network", "Nope"], "grants": {"gone": "rx"}}
    }
    result = role_mapping.resolve(["X"])
    assert result.roles == {"Network", "Nope"}
    assert result.problems == ["unknown permission rx", "unknown role Nope", "unknown group gone"]


def test_whois_shows_the_mapping_without_logging_in(directory_settings: Any) -> None:
    out = StringIO()
    call_command("sso", "whois", "anna", "--group", "students", stdout=out)
    text = out.getvalue()
    assert "agent: none yet" in text
    assert f"directory entry: uid=anna,{PEOPLE}" in text
    assert "  mail: anna@uni.example.org" in text
    assert "groups (given, directory):" in text and "  students" in text
    assert "mapped roles: Network" in text
    assert "mapped grants: rw on netz" in text
    assert not User.objects.filter(username="anna").exists()
    out = StringIO()
    call_command("sso", "whois", "nobody", stdout=out)
    assert "directory entry: not found" in out.getvalue()
    assert "mapped roles: -" in out.getvalue()
