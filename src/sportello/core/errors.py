"""Domain errors: raised by actions, presented by views, CLI and API in their own way."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused action. ``message`` is translated (lazy) for the person acting;
    ``code`` is stable for programs."""

    code = "domain_error"

    def __init__(self, message: Any, *, code: str | None = None, **params: Any) -> None:
        self.message = message
        self.params = params
        if code:
            self.code = code
        super().__init__(str(message) % params if params else str(message))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "permission_denied"


class InvalidInput(DomainError):
    code = "invalid"


class Conflict(DomainError):
    """Precondition failed because of the current state (locked by another agent, …)."""

    code = "conflict"
