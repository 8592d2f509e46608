"""TicketCreate records the GenericInterface as the ticket's origin; TicketUpdate's
``Article->TimeUnit`` is accounted time, TicketGet shows it."""

from __future__ import annotations

from typing import Any

from sportello.tickets.models import Ticket, TicketOrigin, TimeAccounting


def test_generic_interface_records_its_origin_and_time_units(gi_agent: Any) -> None:
    from tests.api.genericinterface.test_operations import ARTICLE, LOGIN, create, gi

    created = create()
    ticket = Ticket.objects.get(pk=created["TicketID"])
    assert TicketOrigin.objects.get(ticket=ticket).channel == "gi"
    body = {**LOGIN, "TicketID": str(ticket.pk), "Article": {**ARTICLE, "TimeUnit": "17"}}
    updated = gi("PATCH", f"/Ticket/{ticket.pk}", body)
    assert "Error" not in updated, updated
    assert TimeAccounting.objects.get(ticket=ticket).minutes == 17
    bad = gi("PATCH", f"/Ticket/{ticket.pk}", {**body, "Article": {**ARTICLE, "TimeUnit": "-2"}})
    assert bad["Error"]["ErrorCode"] == "TicketUpdate.InvalidParameter"
    shown = gi("GET", f"/Ticket/{ticket.pk}", **LOGIN, AllArticles=1)["Ticket"][0]
    assert shown["TimeUnit"] == 17
