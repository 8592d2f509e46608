"""Webservices from Znuny's own export (the YAML of *Admin → Web Services → Export*, or
the files under ``var/webservices/examples``): the provider's operations with their
types and IncludeTicketData, and the REST transport's RouteOperationMapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sportello.api.genericinterface.models import OperationType, Webservice, WebserviceOperation
from sportello.core.errors import InvalidInput


@dataclass
class Imported:
    webservice: Webservice
    operations: list[str] = field(default_factory=list)
    # Operations of a type Sportello does not serve (Link, FAQ, ITSM …): left out.
    skipped: list[str] = field(default_factory=list)


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(_("The export has no valid %(part)s."), part=where)
    return value


def import_webservice(text: str | bytes, *, name: str) -> Imported:
    """Create the webservice ``name`` from a Znuny export, or replace its operations."""
    name = name.strip()
    if not name or "/" in name:
        raise InvalidInput(_("A webservice needs a name without slashes."))
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidInput(_("The file is not valid YAML: %(error)s"), error=str(error)) from None
    config = _mapping(config, "configuration")
    provider = _mapping(config.get("Provider"), "Provider")
    transport = _mapping(provider.get("Transport"), "Provider → Transport")
    if transport.get("Type") != "HTTP::REST":
        raise InvalidInput(_("Only webservices with the HTTP::REST transport can be served."))
    routes = _mapping(
        _mapping(transport.get("Config"), "Transport → Config").get("RouteOperationMapping"),
        "RouteOperationMapping",
    )
    result_rows: list[WebserviceOperation] = []
    skipped: list[str] = []
    for operation, settings in _mapping(provider.get("Operation"), "Provider → Operation").items():
        settings = _mapping(settings, str(operation))
        if settings.get("Type") not in OperationType.values:
            skipped.append(f"{operation} ({settings.get('Type')})")
            continue
        route = _mapping(routes.get(operation), f"RouteOperationMapping → {operation}")
        path = str(route.get("Route") or "")
        if not path.startswith("/"):
            raise InvalidInput(_("Operation %(name)s has no route."), name=operation)
        methods = route.get("RequestMethod") or ["GET", "POST", "PUT", "PATCH", "DELETE"]
        methods = [methods] if isinstance(methods, str) else methods
        result_rows.append(
            WebserviceOperation(
                name=str(operation)[:100],
                type=settings["Type"],
                route=path[:300],
                methods=",".join(str(m).upper() for m in methods)[:100],
                include_ticket_data=str(settings.get("IncludeTicketData", "0")) == "1",
            )
        )
    with transaction.atomic():
        webservice, _created = Webservice.objects.update_or_create(
            name=name[:200],
            defaults={"comment": str(config.get("Description") or "")[:250], "valid": True},
        )
        webservice.operations.all().delete()
        for row in result_rows:
            row.webservice = webservice
        WebserviceOperation.objects.bulk_create(result_rows)
    return Imported(webservice, sorted(r.name for r in result_rows), skipped)
