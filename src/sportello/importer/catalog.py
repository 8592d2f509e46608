"""Configuration steps: valid flags, states, priorities, types, groups, system addresses,
salutations, signatures, queues, templates and auto-responses, services, SLAs and
dynamic field definitions (in this order: each step's references exist before it)."""

from __future__ import annotations

from datetime import time
from typing import Any

import yaml
from django.utils.translation import gettext as _

from sportello.accounts.models import Group
from sportello.importer.context import Context
from sportello.mail.models import AutoResponse, AutoResponseType, StandardTemplate, TemplateType
from sportello.queues.models import FollowUpPolicy, Queue, Salutation, Signature, SystemAddress
from sportello.sla.models import SLA, Calendar, Service, WorkingHours
from sportello.tickets.models import (
    DynamicField,
    DynamicFieldObject,
    DynamicFieldType,
    Priority,
    State,
    StateType,
    TicketType,
)

STATE_TYPES = {value: value for value in StateType.values}
FOLLOW_UP = {
    "possible": FollowUpPolicy.REOPEN,
    "reject": FollowUpPolicy.REJECT,
    "new ticket": FollowUpPolicy.NEW_TICKET,
}
TEMPLATE_TYPES = {
    "Answer": TemplateType.ANSWER,
    "Forward": TemplateType.FORWARD,
    "Create": TemplateType.CREATE,
    "Note": TemplateType.NOTE,
    "PhoneCall": TemplateType.PHONE_CALL,
}
AUTO_RESPONSE_TYPES = {
    "auto reply": AutoResponseType.NEW_TICKET,
    "auto reject": AutoResponseType.REJECT,
    "auto follow up": AutoResponseType.FOLLOW_UP,
    "auto reply/new ticket": AutoResponseType.NEW_AFTER_CLOSED,
}
FIELD_TYPES = {
    "Text": DynamicFieldType.TEXT,
    "TextArea": DynamicFieldType.TEXTAREA,
    "Checkbox": DynamicFieldType.CHECKBOX,
    "Dropdown": DynamicFieldType.DROPDOWN,
    "Multiselect": DynamicFieldType.MULTISELECT,
    "Date": DynamicFieldType.DATE,
    "DateTime": DynamicFieldType.DATETIME,
}
FIELD_OBJECTS = {"Ticket": DynamicFieldObject.TICKET, "Article": DynamicFieldObject.ARTICLE}


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def import_catalog(ctx: Context) -> None:
    src = ctx.source
    ctx.valid_ids = {int(i) for i, name in src.all("SELECT id, name FROM valid") if name == "valid"}
    # State types and states.
    types = dict(src.all("SELECT id, name FROM ticket_state_type"))
    for id_, name, comment, type_id, valid_id in src.all(
        "SELECT id, name, comments, type_id, valid_id FROM ticket_state ORDER BY id"
    ):
        type_name = _s(types.get(type_id))
        state_type = STATE_TYPES.get(type_name)
        if state_type is None:
            ctx.report.problem(
                _(
                    "State “%(state)s” has the state type “%(type)s”, which has no counterpart; "
                    "imported as open."
                )
                % {"state": name, "type": type_name}
            )
            state_type = StateType.OPEN
        ctx.upsert(
            "ticket_state",
            id_,
            State,
            {"name": name},
            {"type": state_type, "comment": _s(comment)[:250], "valid": ctx.is_valid(valid_id)},
        )
    for id_, name, color, valid_id in src.all(
        "SELECT id, name, color, valid_id FROM ticket_priority ORDER BY id"
    ):
        color = _s(color) if _s(color).startswith("#") and len(_s(color)) == 7 else "#cdcdcd"
        ctx.upsert(
            "ticket_priority",
            id_,
            Priority,
            {"name": name},
            {"color": color, "valid": ctx.is_valid(valid_id)},
        )
    for id_, name, valid_id in src.all("SELECT id, name, valid_id FROM ticket_type ORDER BY id"):
        ctx.upsert(
            "ticket_type", id_, TicketType, {"name": name}, {"valid": ctx.is_valid(valid_id)}
        )
    for id_, name, comment, valid_id in src.all(
        "SELECT id, name, comments, valid_id FROM permission_groups ORDER BY id"
    ):
        ctx.upsert(
            "permission_groups",
            id_,
            Group,
            {"name": name},
            {"comment": _s(comment)[:250], "valid": ctx.is_valid(valid_id)},
        )
    for table, model in (("salutation", Salutation), ("signature", Signature)):
        for id_, name, text, comment, valid_id in src.all(
            f"SELECT id, name, text, comments, valid_id FROM {table} ORDER BY id"  # noqa: S608
        ):
            ctx.upsert(
                table,
                id_,
                model,
                {"name": name},
                {"text": _s(text), "comment": _s(comment)[:250], "valid": ctx.is_valid(valid_id)},
            )
    _import_calendars_slas_services(ctx)
    _import_queues(ctx)
    _import_templates(ctx)
    _import_dynamic_fields(ctx)


def _calendar(ctx: Context, name: Any) -> Calendar | None:
    """Znuny's calendars 1 to 9 live in its system configuration: a calendar of that name is
    created once with the default hours, for the admin to adjust."""
    if not _s(name):
        return None
    title = _("Znuny calendar %(n)s") % {"n": name}
    calendar, created = Calendar.objects.get_or_create(name=title)
    if created:
        # The default calendar's zone and hours (Monday to Friday, 08:00-17:00 when there
        # is none): without hours no clock of its tickets could ever run out.
        default = Calendar.objects.filter(is_default=True).first()
        if default is not None:
            calendar.time_zone = default.time_zone
            calendar.save(update_fields=["time_zone"])
        hours = (
            [(h.weekday, h.start, h.end) for h in default.hours.all()]
            if default is not None
            else [(day, time(8), time(17)) for day in range(5)]
        )
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, start=start, end=end)
            for day, start, end in hours
        )
        ctx.report.count("calendar", "created")
        ctx.report.note(
            _("Working hours of Znuny's calendars are not in its database: check “%(name)s”.")
            % {"name": title}
        )
    return calendar


def _import_queues(ctx: Context) -> None:
    src = ctx.source
    follow_ups = dict(src.all("SELECT id, name FROM follow_up_possible"))
    rows = src.all(
        "SELECT id, name, group_id, unlock_timeout, system_address_id, salutation_id, "
        "signature_id, follow_up_id, calendar_name, comments, valid_id FROM queue"
    )
    addresses = src.all(
        "SELECT id, value0, value1, queue_id, comments, valid_id FROM system_address ORDER BY id"
    )
    for id_, email, display, _queue, comment, valid_id in addresses:
        ctx.upsert(
            "system_address",
            id_,
            SystemAddress,
            {"email": _s(email).strip().lower()},
            {
                "display_name": _s(display)[:200],
                "comment": _s(comment)[:250],
                "valid": ctx.is_valid(valid_id),
            },
        )
    by_name: dict[str, Queue] = {}
    # Parents first: ``IT`` before ``IT::Network``.
    for row in sorted(rows, key=lambda r: (str(r[1]).count("::"), str(r[1]))):
        id_, name, group_id, unlock, address_id, sal_id, sig_id, fu_id, cal, comment, valid = row
        parent_name, _sep, leaf = str(name).rpartition("::")
        parent = by_name.get(parent_name) if parent_name else None
        if parent_name and parent is None:
            ctx.report.skip(
                "queue", name, _("its parent queue “%(p)s” is missing") % {"p": parent_name}
            )
            continue
        group_target = ctx.mapping.get("permission_groups", group_id)
        if group_target is None:
            ctx.report.skip("queue", name, _("its group %(id)s is missing") % {"id": group_id})
            continue
        policy = FOLLOW_UP.get(_s(follow_ups.get(fu_id)))
        if policy is None:
            ctx.report.problem(
                _("Queue “%(q)s”: follow-up option “%(o)s” has no counterpart; follow-ups reopen.")
                % {"q": name, "o": follow_ups.get(fu_id)}
            )
            policy = FollowUpPolicy.REOPEN
        lookup: dict[str, Any] = {"name": leaf, "parent": parent}
        queue = ctx.upsert(
            "queue",
            id_,
            Queue,
            lookup,
            {
                "group_id": group_target,
                "unlock_timeout": int(unlock or 0),
                "system_address_id": ctx.mapping.get("system_address", address_id),
                "salutation_id": ctx.mapping.get("salutation", sal_id),
                "signature_id": ctx.mapping.get("signature", sig_id),
                "follow_up_policy": policy,
                "calendar": _calendar(ctx, cal),
                "comment": _s(comment)[:250],
                "valid": ctx.is_valid(valid),
            },
        )
        by_name[str(name)] = queue
    # Each system address files its mail into its queue.
    for id_, _email, _display, queue_id, _comment, _valid in addresses:
        target = ctx.mapping.get("queue", queue_id)
        address = ctx.mapping.get("system_address", id_)
        if target is not None and address is not None:
            SystemAddress.objects.filter(pk=address).exclude(queue_id=target).update(
                queue_id=target
            )


def _assign(ctx: Context, sql: str, kind: str, relation: Any) -> None:
    """Queue assignments (``queue_standard_template``, ``queue_auto_response``)."""
    wanted: dict[int, set[int]] = {}
    for queue_id, object_id in ctx.source.all(sql):
        queue, target = ctx.mapping.get("queue", queue_id), ctx.mapping.get(kind, object_id)
        if queue is not None and target is not None:
            wanted.setdefault(target, set()).add(queue)
    for target, queues in wanted.items():
        current = set(
            relation.objects.filter(**{f"{relation.fk}_id": target}).values_list(
                "queue_id", flat=True
            )
        )
        relation.objects.bulk_create(
            [
                relation.model(**{f"{relation.fk}_id": target, "queue_id": q})
                for q in queues - current
            ]
        )


class _Through:
    def __init__(self, model: Any, fk: str) -> None:
        self.model, self.fk, self.objects = model, fk, model.objects


def _import_templates(ctx: Context) -> None:
    src = ctx.source
    for id_, name, text, template_type, comment, valid_id in src.all(
        "SELECT id, name, text, template_type, comments, valid_id FROM standard_template"
    ):
        kind = TEMPLATE_TYPES.get(_s(template_type))
        if kind is None:
            ctx.report.skip(
                "standard_template",
                name,
                _("template type “%(t)s” has no counterpart") % {"t": template_type},
            )
            continue
        ctx.upsert(
            "standard_template",
            id_,
            StandardTemplate,
            {"name": name},
            {
                "type": kind,
                "text": _s(text),
                "comment": _s(comment)[:250],
                "valid": ctx.is_valid(valid_id),
            },
        )
    _assign(
        ctx,
        "SELECT queue_id, standard_template_id FROM queue_standard_template",
        "standard_template",
        _Through(StandardTemplate.queues.through, "standardtemplate"),
    )
    types = dict(src.all("SELECT id, name FROM auto_response_type"))
    for id_, name, subject, text, type_id, comment, valid_id in src.all(
        "SELECT id, name, text0, text1, type_id, comments, valid_id FROM auto_response"
    ):
        response_type = AUTO_RESPONSE_TYPES.get(_s(types.get(type_id)))
        if response_type is None:
            ctx.report.skip(
                "auto_response",
                name,
                _("auto-response type “%(t)s” has no counterpart") % {"t": types.get(type_id)},
            )
            continue
        ctx.upsert(
            "auto_response",
            id_,
            AutoResponse,
            {"name": name},
            {
                "type": response_type,
                "subject": _s(subject)[:250],
                "text": _s(text),
                "comment": _s(comment)[:250],
                "valid": ctx.is_valid(valid_id),
            },
        )
    _assign(
        ctx,
        "SELECT queue_id, auto_response_id FROM queue_auto_response",
        "auto_response",
        _Through(AutoResponse.queues.through, "autoresponse"),
    )


def _import_calendars_slas_services(ctx: Context) -> None:
    src = ctx.source
    for id_, name, cal, first, first_notify, update, solution, comment, valid_id in src.all(
        "SELECT id, name, calendar_name, first_response_time, first_response_notify, "
        "update_time, solution_time, comments, valid_id FROM sla ORDER BY id"
    ):
        ctx.upsert(
            "sla",
            id_,
            SLA,
            {"name": name},
            {
                "calendar": _calendar(ctx, cal),
                "first_response_minutes": int(first or 0),
                "update_minutes": int(update or 0),
                "solution_minutes": int(solution or 0),
                "warning_percent": min(int(first_notify or 0), 99),
                "comment": _s(comment)[:250],
                "valid": ctx.is_valid(valid_id),
            },
        )
    rows = src.all("SELECT id, name, comments, valid_id FROM service")
    by_name: dict[str, Service] = {}
    for id_, name, comment, valid_id in sorted(rows, key=lambda r: str(r[1]).count("::")):
        parent_name, _sep, leaf = str(name).rpartition("::")
        parent = by_name.get(parent_name) if parent_name else None
        if parent_name and parent is None:
            ctx.report.skip(
                "service", name, _("its parent service “%(p)s” is missing") % {"p": parent_name}
            )
            continue
        by_name[str(name)] = ctx.upsert(
            "service",
            id_,
            Service,
            {"name": leaf, "parent": parent},
            {"comment": _s(comment)[:250], "valid": ctx.is_valid(valid_id)},
        )
    _assign_slas(ctx)


def _assign_slas(ctx: Context) -> None:
    through = Service.slas.through
    pairs = {
        (ctx.mapping.get("service", s), ctx.mapping.get("sla", a))
        for s, a in ctx.source.all("SELECT service_id, sla_id FROM service_sla")
    }
    current = set(through.objects.values_list("service_id", "sla_id"))
    through.objects.bulk_create(
        [through(service_id=s, sla_id=a) for s, a in pairs - current if s and a]
    )


def _field_config(ctx: Context, name: str, text: Any) -> dict[str, Any]:
    if not text:
        return {}
    try:
        config = yaml.safe_load(_s(text))
    except yaml.YAMLError:
        ctx.report.problem(
            _("Dynamic field “%(f)s”: its configuration cannot be read; imported without choices.")
            % {"f": name}
        )
        return {}
    return config if isinstance(config, dict) else {}


def _import_dynamic_fields(ctx: Context) -> None:
    for id_, name, label, order, field_type, object_type, config, valid_id in ctx.source.all(
        "SELECT id, name, label, field_order, field_type, object_type, config, valid_id "
        "FROM dynamic_field ORDER BY id"
    ):
        kind, obj = FIELD_TYPES.get(_s(field_type)), FIELD_OBJECTS.get(_s(object_type))
        if kind is None or obj is None:
            ctx.report.skip(
                "dynamic_field",
                name,
                _("field type %(t)s of %(o)s has no counterpart")
                % {"t": field_type, "o": object_type},
            )
            continue
        settings = _field_config(ctx, str(name), config)
        possible = settings.get("PossibleValues") or {}
        choices = (
            [{"key": str(key), "labels": {"en": str(value)}} for key, value in possible.items()]
            if isinstance(possible, dict)
            else []
        )
        default = settings.get("DefaultValue")
        if kind == DynamicFieldType.MULTISELECT and default is not None:
            default = default if isinstance(default, list) else [default]
        ctx.upsert(
            "dynamic_field",
            id_,
            DynamicField,
            {"name": name},
            {
                "object_type": obj,
                "field_type": kind,
                "labels": {"en": _s(label)},
                "choices": choices,
                "default": default if default not in ("", None) else None,
                "order": int(order or 0),
                "valid": ctx.is_valid(valid_id),
            },
        )
