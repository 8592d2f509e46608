"""Which operation a request reaches: the built-in route sets and admin-defined
webservices, matched as Znuny's REST transport does (operations in alphabetical order of
their names, the first whose method and ``^route$`` match wins; ``:Name`` takes one
path segment and becomes request data)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import unquote

from sportello.api.genericinterface.models import OperationType as T
from sportello.api.genericinterface.models import Webservice

# The name real installations give the ticket connector; it is served built in unless
# an admin-defined webservice of that name replaces it.
BUILTIN_NAME = "GenericTicketConnectorREST"


@dataclass(frozen=True)
class Route:
    name: str
    type: str
    methods: tuple[str, ...]
    template: str
    include_ticket_data: bool = False

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        parts = re.split(r"(:\w+)", self.template)
        regex = "".join(
            f"(?P<{part[1:]}>[^/]+)" if part.startswith(":") else re.escape(part) for part in parts
        )
        return re.compile(f"^{regex}$")

    @property
    def short_type(self) -> str:
        """``TicketGet`` of ``Ticket::TicketGet``: the prefix of the error codes."""
        return self.type.rpartition("::")[2]


# Znuny's development/webservices/GenericTicketConnectorREST.yml, pyotrs's defaults.
DEVELOPMENT = (
    Route("SessionCreate", T.SESSION_CREATE, ("POST",), "/Session"),
    Route("SessionGet", T.SESSION_GET, ("GET",), "/Session/:SessionID"),
    Route("TicketCreate", T.TICKET_CREATE, ("POST",), "/Ticket"),
    Route("TicketGet", T.TICKET_GET, ("GET",), "/Ticket/:TicketID"),
    Route("TicketGetList", T.TICKET_GET, ("GET",), "/TicketList"),
    Route("TicketHistoryGet", T.TICKET_HISTORY_GET, ("GET",), "/TicketHistory/:TicketID"),
    Route("TicketSearch", T.TICKET_SEARCH, ("GET",), "/Ticket"),
    Route("TicketUpdate", T.TICKET_UPDATE, ("PATCH",), "/Ticket/:TicketID"),
)
# Znuny 7's Ready2Adopt var/webservices/examples/GenericTicketConnectorREST.yml.
READY2ADOPT = (
    Route("SessionCreate", T.SESSION_CREATE, ("POST",), "/Session"),
    Route("SessionDelete", T.SESSION_REMOVE, ("DELETE",), "/Session/:SessionID"),
    Route("SessionGet", T.SESSION_GET, ("GET",), "/Session/:SessionID"),
    Route("TicketCreate", T.TICKET_CREATE, ("POST",), "/Ticket"),
    Route("TicketGet", T.TICKET_GET, ("GET",), "/Ticket/:TicketID"),
    Route("TicketHistoryGet", T.TICKET_HISTORY_GET, ("GET",), "/Ticket/History/:TicketID"),
    Route("TicketSearch", T.TICKET_SEARCH, ("POST",), "/Ticket/Search"),
    Route("TicketUpdate", T.TICKET_UPDATE, ("PATCH",), "/Ticket/:TicketID"),
)


def _sorted(routes: list[Route]) -> tuple[Route, ...]:
    return tuple(sorted(routes, key=lambda r: (r.name, r.template)))


# Both sets at once: no request of one reaches a different operation in the other.
BUILTIN = _sorted(list(dict.fromkeys([*DEVELOPMENT, *READY2ADOPT])))


def _defined(webservice: Webservice) -> tuple[Route, ...]:
    return _sorted(
        [
            Route(
                op.name,
                op.type,
                tuple(m.strip().upper() for m in op.methods.split(",") if m.strip()),
                op.route,
                op.include_ticket_data,
            )
            for op in webservice.operations.all()
        ]
    )


def routes_named(name: str) -> tuple[Route, ...] | None:
    """The routes of the webservice ``name``: an admin-defined one, else the built-in
    connector; None for an unknown or invalid name."""
    webservice = Webservice.objects.filter(name=name, valid=True).first()
    if webservice is not None:
        return _defined(webservice)
    return BUILTIN if name == BUILTIN_NAME else None


def routes_by_id(webservice_id: str) -> tuple[Route, ...] | None:
    if not webservice_id.isdigit():
        return None
    webservice = Webservice.objects.filter(pk=int(webservice_id), valid=True).first()
    return _defined(webservice) if webservice is not None else None


def match(routes: tuple[Route, ...], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in routes:
        if method not in route.methods:
            continue
        found = route.pattern.match(path)
        if found:
            return route, {k: unquote(v) for k, v in found.groupdict().items()}
    return None
