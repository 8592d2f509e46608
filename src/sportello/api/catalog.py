"""The lists a client picks values from: queues the agent may read, states, priorities
and ticket types (valid ones only), and the dynamic field definitions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import codes_4xx

from sportello.accounts import permissions
from sportello.api import auth
from sportello.api.schemas import DynamicFieldOut, ErrorOut, NamedOut, QueueOut, StateOut
from sportello.tickets.models import DynamicField, Priority, State, TicketType

router = Router(tags=["catalog"])


@router.get("/queues", response={200: list[QueueOut], codes_4xx: ErrorOut})
def queues(request: HttpRequest) -> Any:
    readable = permissions.readable_queues(auth.agent(request))
    return readable.filter(valid=True).order_by("full_name")


@router.get("/states", response={200: list[StateOut], codes_4xx: ErrorOut})
def states(request: HttpRequest) -> Any:
    return State.objects.filter(valid=True).order_by("name")


@router.get("/priorities", response={200: list[NamedOut], codes_4xx: ErrorOut})
def priorities(request: HttpRequest) -> Any:
    return Priority.objects.filter(valid=True).order_by("name")


@router.get("/types", response={200: list[NamedOut], codes_4xx: ErrorOut})
def types(request: HttpRequest) -> Any:
    return TicketType.objects.filter(valid=True).order_by("name")


@router.get("/dynamic-fields", response={200: list[DynamicFieldOut], codes_4xx: ErrorOut})
def dynamic_field_definitions(request: HttpRequest) -> Any:
    return [
        {
            "name": field.name,
            "label": field.label,
            "object_type": field.object_type,
            "field_type": field.field_type,
            "choices": field.choices or [],
            "required": field.required,
            "valid": field.valid,
        }
        for field in DynamicField.objects.order_by("order", "name")
    ]
