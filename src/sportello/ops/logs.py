"""Structured logs (``SPORTELLO_LOG_FORMAT=json``): one JSON object per line with the
request id, the agent id and the ticket number where a request has them.

What must never be written, whatever a caller passes: passwords, tokens and mail bodies.
Fields of those names are replaced, API tokens (``spt_…``) and the secret parts of the
portal's link URLs are masked in the text. Mail bodies are never logged by the code;
this formatter is the second line for the first two.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REDACTED = "[redacted]"
SECRET_FIELDS = re.compile(
    r"pass(word|wd)?|token|secret|authorization|cookie|body|raw|session", re.IGNORECASE
)
SECRET_TEXT = [
    (re.compile(r"spt_[A-Za-z0-9_\-]+"), "spt_" + REDACTED),
    (
        re.compile(r"((?:pass(?:word|wd)?|token|secret)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,;]+", re.I),
        r"\1" + REDACTED,
    ),
    # The portal's one-time links carry their secret in the path.
    (
        re.compile(r"(/(?:login/link|password/reset|forms/confirm)/)[^/\s\"']+"),
        r"\1" + REDACTED,
    ),
    (re.compile(r"(Bearer\s+)\S+", re.IGNORECASE), r"\1" + REDACTED),
]

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
agent_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("agent_id", default=None)
ticket_number: contextvars.ContextVar[str] = contextvars.ContextVar("ticket_number", default="")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


def redact(text: str) -> str:
    for pattern, replacement in SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


class ContextFilter(logging.Filter):
    """Stamps each record with the context of the request being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.agent_id = agent_id.get()
        record.ticket = ticket_number.get()
        return True


class JsonFormatter(_JsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("timestamp", True)
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            *args,
            rename_fields={"levelname": "level", "name": "logger"},
            **kwargs,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        for key in ("request_id", "agent_id", "ticket"):
            value = getattr(record, key, None)
            if value:
                log_data[key] = value
        for key in list(log_data):
            if SECRET_FIELDS.search(key):
                log_data[key] = REDACTED
            elif isinstance(log_data[key], str):
                log_data[key] = redact(log_data[key])
            elif not isinstance(log_data[key], int | float | bool | type(None)):
                # Objects passed as extras (Django's ``request``) print their URL.
                log_data[key] = redact(str(log_data[key]))

    def formatException(self, ei: Any) -> str:
        return redact(str(super().formatException(ei)))


class RequestContextMiddleware:
    """Gives every request an id (the proxy's ``X-Request-ID`` when well-formed), echoed
    in the response; the agent and the ticket are added once the view is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = str(request.META.get("HTTP_X_REQUEST_ID", ""))
        rid = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        # Kept until the response is closed (``clear`` on request_finished): Django logs
        # an error response after the middleware returned it.
        request_id.set(rid)
        agent_id.set(None)
        ticket_number.set("")
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]
    ) -> None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            agent_id.set(user.pk)
        number = kwargs.get("number")
        if number:
            ticket_number.set(str(number))


def clear(**kwargs: Any) -> None:
    request_id.set("")
    agent_id.set(None)
    ticket_number.set("")
