"""The lists a client picks values from: queues the agent may read, states, priorities
and ticket types (valid ones only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from sportello.accounts import permissions
from sportello.api import auth
from sportello.api.schemas import NamedOut, QueueOut, StateOut
from sportello.tickets.models import Priority, State, TicketType

router = Router(tags=["catalog"])


@router.get("/queues", response=list[QueueOut])
def queues(request: HttpRequest) -> Any:
    readable = permissions.readable_queues(auth.agent(request))
    return readable.filter(valid=True).order_by("full_name")


@router.get("/states", response=list[StateOut])
def states(request: HttpRequest) -> Any:
    return State.objects.filter(valid=True).order_by("name")


@router.get("/priorities", response=list[NamedOut])
def priorities(request: HttpRequest) -> Any:
    return Priority.objects.filter(valid=True).order_by("name")


@router.get("/types", response=list[NamedOut])
def types(request: HttpRequest) -> Any:
    return TicketType.objects.filter(valid=True).order_by("name")
