"""SessionCreate, SessionGet and SessionRemove."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sportello.api.genericinterface import auth
from sportello.api.genericinterface.errors import OperationError
from sportello.api.genericinterface.routes import Route


def session_create(request: HttpRequest, data: dict[str, Any], route: Route) -> dict[str, Any]:
    op = "SessionCreate"
    if not any(isinstance(data.get(k), str) for k in ("UserLogin", "CustomerUserLogin")):
        raise OperationError(op, "MissingParameter", "UserLogin or CustomerUserLogin is missing!")
    if not data.get("Password"):
        raise OperationError(op, "MissingParameter", "Password parameter is missing!")
    caller = auth.login(request, data)
    if caller is None:
        raise OperationError(op, "AuthFail", "Authorization failing!")
    return {"SessionID": auth.create_session(caller)}


def session_get(request: HttpRequest, data: dict[str, Any], route: Route) -> dict[str, Any]:
    op = "SessionGet"
    if not data.get("SessionID"):
        raise OperationError(op, "MissingParameter", "SessionID is missing!")
    caller = auth.session_caller(data.get("SessionID"))
    if caller is None:
        raise OperationError(op, "SessionInvalid", "SessionID is Invalid!")
    if caller.agent is not None:
        agent = caller.agent
        values = {
            "UserID": str(agent.pk),
            "UserLogin": agent.username,
            "UserFirstname": agent.first_name,
            "UserLastname": agent.last_name,
            "UserFullname": agent.get_full_name() or agent.username,
            "UserEmail": agent.email,
            "UserType": "User",
        }
    else:
        customer = caller.customer
        assert customer is not None
        values = {
            "UserID": customer.login,
            "UserLogin": customer.login,
            "UserFirstname": customer.first_name,
            "UserLastname": customer.last_name,
            "UserFullname": customer.full_name,
            "UserEmail": customer.email,
            "UserCustomerID": customer.company.customer_id if customer.company else "",
            "UserType": "Customer",
        }
    return {"SessionData": [{"Key": k, "Value": v} for k, v in sorted(values.items())]}


def session_remove(request: HttpRequest, data: dict[str, Any], route: Route) -> dict[str, Any]:
    op = "SessionRemove"
    if not data.get("SessionID"):
        raise OperationError(op, "MissingParameter", "SessionID is missing!")
    if not auth.remove_session(data.get("SessionID")):
        raise OperationError(op, "Fail", "Session could not be removed!")
    return {"Success": 1}
