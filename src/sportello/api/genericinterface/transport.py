"""The HTTP side, as Znuny's ``Transport::HTTP::REST``: the request data is the JSON body
(never for GET), the query string (``&``/``;``, ``+`` a space, a repeated key a list)
and the route's parameters, later ones winning; ``X-OTRS-Header-*`` headers set the
credentials. An operation's refusal is HTTP 200 ``{"Error":…}``; no matching route and a
broken body are HTTP 500 text, as Znuny answers them (clients test for exactly that)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sportello.api.genericinterface import routes, session, ticket_get, ticket_search, ticket_write
from sportello.api.genericinterface.errors import Fault, OperationError
from sportello.api.genericinterface.models import OperationType as T
from sportello.api.genericinterface.routes import Route
from sportello.core.errors import DomainError, NotFound, PermissionDenied

Operation = Callable[[HttpRequest, dict[str, Any], Route], dict[str, Any]]

OPERATIONS: dict[str, Operation] = {
    T.SESSION_CREATE: session.session_create,
    T.SESSION_GET: session.session_get,
    T.SESSION_REMOVE: session.session_remove,
    T.TICKET_CREATE: ticket_write.ticket_create,
    T.TICKET_GET: ticket_get.ticket_get,
    T.TICKET_HISTORY_GET: ticket_get.ticket_history_get,
    T.TICKET_SEARCH: ticket_search.ticket_search,
    T.TICKET_UPDATE: ticket_write.ticket_update,
}
HEADERS = ("UserLogin", "CustomerUserLogin", "SessionID", "Password", "TwoFactorToken")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def _json(data: Any, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, status=status, content_type="application/json; charset=UTF-8")


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=UTF-8")


def _fault(message: str) -> HttpResponse:
    body = json.dumps({"faultcode": "Server", "faultstring": message}, ensure_ascii=False)
    return _text(body, 500)


def query_data(query_string: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for pair in query_string.replace(";", "&").split("&"):
        if not pair:
            continue
        key, _sep, value = pair.partition("=")
        key, value = unquote_plus(key), unquote_plus(value)
        value = "" if value == "0" else value  # Znuny's ``$Value || ''``
        if key in data:
            existing = data[key]
            data[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            data[key] = value
    return data


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.method == "GET":  # Znuny ignores a GET's body (OTRS bug#14203)
        return {}
    raw = request.body
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise Fault("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Fault("The request body must be a JSON object.")
    return data


def request_data(request: HttpRequest, params: dict[str, str]) -> dict[str, Any]:
    data = _body(request)
    data.update(query_data(request.META.get("QUERY_STRING", "")))
    data.update(params)
    for name in HEADERS:
        value = request.headers.get(f"X-OTRS-Header-{name}")
        if value:
            data[name] = value
    data["RequestMethod"] = request.method
    return data


@csrf_exempt
def dispatch(
    request: HttpRequest, name: str = "", webservice_id: str = "", path: str = ""
) -> HttpResponse:
    found = routes.routes_by_id(webservice_id) if webservice_id else routes.routes_named(name)
    method = request.method or "GET"
    route_path = "/" + path
    matched = routes.match(found, method, route_path) if found is not None else None
    if matched is None:
        return _text(
            f"HTTP::REST Error while determine Operation for request URI '{route_path}'.", 500
        )
    route, params = matched
    try:
        data = request_data(request, params)
        result = OPERATIONS[route.type](request, data, route)
    except RequestDataTooBig:
        return _text("Request size too big!", 413)
    except Fault as fault:
        return _fault(str(fault))
    except OperationError as error:
        return _json({"Error": {"ErrorCode": error.code, "ErrorMessage": error.message}})
    except DomainError as error:
        # An action's refusal (permission, precondition) in Znuny's terms.
        denied = isinstance(error, (PermissionDenied, NotFound))
        kind = "AccessDenied" if denied else "InvalidParameter"
        message = f"{route.short_type}: {error}"
        return _json(
            {"Error": {"ErrorCode": f"{route.short_type}.{kind}", "ErrorMessage": message}}
        )
    return _json(result)
