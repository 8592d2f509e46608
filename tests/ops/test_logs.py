"""Structured logs: the request's context on each line, never a password, a token or a
mail body."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.test import Client

from sportello.accounts.models import User
from sportello.api import tokens
from sportello.mail.ingest import ingest_message
from sportello.ops.logs import ContextFilter, JsonFormatter
from sportello.tickets.models import Ticket
from tests.mail.messages import mail

PASSWORD = "Correct-Horse-Battery-9"
BODY_MARKER = "confidential-body-text-4711"


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records]


@pytest.fixture
def json_caplog(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.django_db
def test_request_lines_carry_request_id_agent_and_ticket(
    json_caplog: pytest.LogCaptureFixture,
) -> None:
    result = ingest_message(mail(body=BODY_MARKER))
    ticket = Ticket.objects.get(number=result.ticket)
    agent = User.objects.create_user("log-agent", "l@example.org", PASSWORD)
    client = Client()
    client.force_login(agent)
    json_caplog.clear()
    # A ticket the agent may not read: the view answers 404 and Django logs a warning.
    response = client.get(f"/ticket/{ticket.number}/", HTTP_X_REQUEST_ID="req-abc.1")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-abc.1"
    lines = [line for line in _lines(json_caplog) if line.get("request_id") == "req-abc.1"]
    assert lines, _lines(json_caplog)
    assert lines[0]["agent_id"] == agent.pk
    assert lines[0]["ticket"] == ticket.number
    assert {"level", "logger", "message", "timestamp"} <= set(lines[0])


@pytest.mark.django_db
def test_a_malformed_request_id_is_replaced(json_caplog: pytest.LogCaptureFixture) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID='x"\n{injected}')
    assert len(response["X-Request-ID"]) == 32
    assert "injected" not in response["X-Request-ID"]


@pytest.mark.django_db
def test_no_password_token_or_mail_body_in_the_log(
    json_caplog: pytest.LogCaptureFixture,
) -> None:
    agent = User.objects.create_user("log-agent", "l@example.org", PASSWORD)
    secret = tokens.create_token(agent, name="logs").secret
    client = Client()
    client.post("/login/", {"username": "log-agent", "password": PASSWORD + "x"})
    client.get("/api/v1/tickets/999999", HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.get("/portal/login/link/one-time-secret-value/")
    ingest_message(mail(body=BODY_MARKER))
    # Callers that pass secrets anyway, in the text or as fields:
    logger = logging.getLogger("sportello.test")
    logger.warning("login for %s with password=%s", "log-agent", PASSWORD)
    logger.warning("token %s refused", secret)
    logger.warning("parsed", extra={"body": BODY_MARKER, "password": PASSWORD, "token": secret})
    try:
        raise ValueError(f"Bearer {secret}")
    except ValueError:
        logger.exception("failed")
    text = "\n".join(json.dumps(line) for line in _lines(json_caplog))
    assert "one-time-secret-value" not in text
    for value in (PASSWORD, secret, BODY_MARKER):
        assert value not in text
    assert "[redacted]" in text
