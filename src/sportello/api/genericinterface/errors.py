"""The two ways an operation refuses, as Znuny answers them."""

from __future__ import annotations


class OperationError(Exception):
    """``{"Error":{"ErrorCode":"TicketGet.AccessDenied","ErrorMessage":…}}`` with HTTP
    200: what clients read as the operation's refusal."""

    def __init__(self, operation: str, kind: str, message: str):
        super().__init__(f"{operation}: {message}")
        self.code = f"{operation}.{kind}"
        self.message = f"{operation}: {message}"


class Fault(Exception):
    """An operation that fails without an error code (Znuny's ``Success => 0``): HTTP 500
    with ``{"faultcode":"Server","faultstring":…}``."""
