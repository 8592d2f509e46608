"""Importing a webservice from Znuny's YAML export (``sportello webservice import``)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from sportello.accounts.models import User
from sportello.api.genericinterface.models import Webservice
from sportello.api.genericinterface.webservices import import_webservice
from sportello.core.errors import InvalidInput
from tests.api.genericinterface.conftest import AGENT_PASSWORD

EXPORT = """---
Description: Tickets for the monitoring
Provider:
  Operation:
    ticket-create:
      Type: Ticket::TicketCreate
      IncludeTicketData: '1'
    ticket-search:
      Type: Ticket::TicketSearch
    link-add:
      Type: Link::LinkAdd
  Transport:
    Type: HTTP::REST
    Config:
      RouteOperationMapping:
        ticket-create:
          RequestMethod: [POST]
          Route: /ticket-create
        ticket-search:
          RequestMethod: [POST]
          Route: /ticket-search
        link-add:
          RequestMethod: [POST]
          Route: /link
"""


def test_import_and_serve(tmp_path: Path, gi_agent: User) -> None:
    path = tmp_path / "monitoring.yml"
    path.write_text(EXPORT)
    out, err = StringIO(), StringIO()
    call_command("webservice", "import", str(path), "--name", "Monitoring", stdout=out, stderr=err)
    assert "ticket-create, ticket-search" in out.getvalue()
    assert "link-add (Link::LinkAdd)" in err.getvalue()
    service = Webservice.objects.get(name="Monitoring")
    assert service.comment == "Tickets for the monitoring"
    create = service.operations.get(name="ticket-create")
    assert (create.methods, create.route, create.include_ticket_data) == (
        "POST", "/ticket-create", True
    )  # fmt: skip
    body = {
        "UserLogin": "gi-agent", "Password": AGENT_PASSWORD,
        "Ticket": {"Title": "Disk full", "Queue": "Raw", "State": "new", "Priority": "4 high",
                   "CustomerUser": "monitor@example.org"},
        "Article": {"Subject": "Disk full", "Body": "/var at 99%", "ContentType": "text/plain"},
    }  # fmt: skip
    url = "/znuny/nph-genericinterface.pl/Webservice/Monitoring/ticket-create"
    answer = Client().post(url, json.dumps(body), "application/json").json()
    assert answer["Ticket"]["Priority"] == "4 high"
    # Importing again replaces the operations.
    import_webservice(EXPORT.replace("/ticket-search", "/search"), name="Monitoring")
    assert service.operations.get(name="ticket-search").route == "/search"
    assert service.operations.count() == 2


@pytest.mark.parametrize(
    "text",
    ["- just a list", "Provider: {Transport: {Type: HTTP::SOAP}}", "a: [unclosed",
     EXPORT.replace("Route: /ticket-create", "Route: ''")],
)  # fmt: skip
def test_bad_exports_are_refused(text: str, transactional_db: None) -> None:
    with pytest.raises(InvalidInput):
        import_webservice(text, name="Broken")
    assert not Webservice.objects.exists()


def test_the_command_reports_a_missing_file(tmp_path: Path, transactional_db: None) -> None:
    with pytest.raises(CommandError):
        call_command("webservice", "import", str(tmp_path / "none.yml"), "--name", "X")
