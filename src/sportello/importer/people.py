"""Agents (with their preferences, My Queues and group grants), roles, customer
companies and customer users (Znuny's database back end), with their password hashes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sportello.accounts.hashers import UnsupportedHash, encode_znuny
from sportello.accounts.models import AgentGrant, Permission, Role, RoleGrant, User, time_zones
from sportello.customers.models import CustomerCompany, CustomerUser
from sportello.importer.context import Context

PERMISSIONS = set(Permission.values)


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def _password(ctx: Context, kind: str, login: str, stored: Any) -> str:
    if not _s(stored):
        return "!"  # no password login, as Django's unusable password
    try:
        return encode_znuny(_s(stored))
    except UnsupportedHash:
        ctx.report.problem(
            _(
                "%(kind)s “%(login)s”: the stored password has a form that cannot be checked "
                "(DES crypt or plain text); the password must be reset."
            )
            % {"kind": kind, "login": login}
        )
        return "!"


def _preferences(ctx: Context, table: str, key_column: str) -> dict[str, dict[str, str]]:
    prefs: dict[str, dict[str, str]] = {}
    for owner, key, value in ctx.source.all(
        f"SELECT {key_column}, preferences_key, preferences_value FROM {table}"  # noqa: S608
    ):
        prefs.setdefault(str(owner), {})[str(key)] = ctx.source.text(value)
    return prefs


def _day(prefs: dict[str, str], prefix: str) -> date | None:
    try:
        return date(
            int(prefs[f"{prefix}Year"]), int(prefs[f"{prefix}Month"]), int(prefs[f"{prefix}Day"])
        )
    except (KeyError, ValueError):
        return None


def _language(ctx: Context, who: str, value: str) -> str:
    code = value.split("_")[0].lower()
    if not value:
        return ""
    if code not in dict(settings.LANGUAGES):
        ctx.report.problem(
            _("%(who)s: language “%(lang)s” is not offered; the browser's language applies.")
            % {"who": who, "lang": value}
        )
        return ""
    return code


def import_agents(ctx: Context) -> None:
    src = ctx.source
    prefs = _preferences(ctx, "user_preferences", "user_id")
    zones = set(time_zones())
    for id_, login, pw, first, last, valid_id in src.all(
        "SELECT id, login, pw, first_name, last_name, valid_id FROM users ORDER BY id"
    ):
        mine = prefs.get(str(id_), {})
        zone = mine.get("UserTimeZone", "")
        if zone and zone not in zones:
            ctx.report.problem(
                _("Agent “%(a)s”: unknown time zone “%(z)s”.") % {"a": login, "z": zone}
            )
            zone = ""
        away = mine.get("OutOfOffice") == "1"
        values: dict[str, Any] = {
            "first_name": _s(first)[:150],
            "last_name": _s(last)[:150],
            "email": mine.get("UserEmail", "")[:254],
            "is_active": ctx.is_valid(valid_id),
            "language": _language(ctx, _s(login), mine.get("UserLanguage", "")),
            "time_zone": zone,
            "out_of_office_start": _day(mine, "OutOfOfficeStart") if away else None,
            "out_of_office_end": _day(mine, "OutOfOfficeEnd") if away else None,
        }
        target = ctx.mapping.get("users", id_)
        existing = User.objects.filter(pk=target).first() if target else None
        # A password changed (or upgraded at login) since the last run stays.
        if existing is None or existing.password.startswith(("znuny$", "!")):
            values["password"] = _password(ctx, _("Agent"), _s(login), pw)
        agent = ctx.upsert("users", id_, User, {"username": _s(login)[:150]}, values)
        _my_queues(ctx, agent, id_)
    _grants(ctx)


def _my_queues(ctx: Context, agent: User, znuny_id: Any) -> None:
    wanted: set[int] = {
        target
        for target in (
            ctx.mapping.get("queue", q)
            for (q,) in ctx.source.all(
                "SELECT queue_id FROM personal_queues WHERE user_id = %s", [znuny_id]
            )
        )
        if target is not None
    }
    current = set(agent.my_queues.values_list("pk", flat=True))
    if wanted - current:
        agent.my_queues.add(*(wanted - current))


def _grants(ctx: Context) -> None:
    src = ctx.source
    for id_, name, comment, valid_id in src.all(
        "SELECT id, name, comments, valid_id FROM roles ORDER BY id"
    ):
        ctx.upsert(
            "roles",
            id_,
            Role,
            {"name": name},
            {"comment": _s(comment)[:250], "valid": ctx.is_valid(valid_id)},
        )
    for role_id, user_id in src.all("SELECT role_id, user_id FROM role_user"):
        role, agent = ctx.mapping.get("roles", role_id), ctx.mapping.get("users", user_id)
        if role and agent:
            Role.agents.through.objects.get_or_create(role_id=role, user_id=agent)
    has_value = "permission_value" in src.columns("group_user")
    user_sql = "SELECT user_id, group_id, permission_key FROM group_user"
    if has_value:  # OTRS 6 kept a value column; 0 meant no grant
        user_sql += " WHERE permission_value = 1"
    for user_id, group_id, key in src.all(user_sql):
        _grant(ctx, AgentGrant, "agent_id", ctx.mapping.get("users", user_id), group_id, key)
    for role_id, group_id, key in src.all(
        "SELECT role_id, group_id, permission_key FROM group_role WHERE permission_value = 1"
    ):
        _grant(ctx, RoleGrant, "role_id", ctx.mapping.get("roles", role_id), group_id, key)


def _grant(
    ctx: Context, model: Any, owner: str, owner_id: int | None, group_id: Any, key: Any
) -> None:
    group = ctx.mapping.get("permission_groups", group_id)
    if owner_id is None or group is None:
        return
    if _s(key) not in PERMISSIONS:
        ctx.report.skip("permission", f"{key}@{group_id}", _("permission type has no counterpart"))
        return
    _obj, created = model.objects.get_or_create(
        **{owner: owner_id, "group_id": group, "permission": _s(key)}
    )
    ctx.report.count("permission", "created" if created else "unchanged")


def import_customers(ctx: Context) -> None:
    src = ctx.source
    for cid, name, street, city, country, comment, valid_id in src.all(
        "SELECT customer_id, name, street, city, country, comments, valid_id FROM customer_company"
    ):
        ctx.upsert(
            "customer_company",
            cid,
            CustomerCompany,
            {"customer_id": cid},
            {
                "name": _s(name)[:200],
                "street": _s(street)[:200],
                "city": _s(city)[:200],
                "country": _s(country)[:200],
                "comment": _s(comment)[:250],
                "valid": ctx.is_valid(valid_id),
            },
        )
    prefs = _preferences(ctx, "customer_preferences", "user_id")
    for batch in src.rows(
        "SELECT login, email, customer_id, pw, first_name, last_name, phone, valid_id "
        "FROM customer_user ORDER BY id"
    ):
        for login, email, cid, pw, first, last, phone, valid_id in batch:
            values: dict[str, Any] = {
                "email": _s(email)[:254],
                "first_name": _s(first)[:100],
                "last_name": _s(last)[:100],
                "phone": _s(phone)[:100],
                "company_id": ctx.mapping.get("customer_company", cid),
                "language": _language(
                    ctx, _s(login), prefs.get(_s(login), {}).get("UserLanguage", "")
                ),
                "valid": ctx.is_valid(valid_id),
            }
            target = ctx.mapping.get("customer_user", login)
            existing = CustomerUser.objects.filter(pk=target).first() if target else None
            if existing is None or existing.password.startswith(("znuny$", "!")):
                values["password"] = _password(ctx, _("Customer"), _s(login), pw)
            ctx.upsert("customer_user", login, CustomerUser, {"login": _s(login)[:200]}, values)
