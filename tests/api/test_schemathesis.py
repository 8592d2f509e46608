"""schemathesis against the live OpenAPI document of ``/api/v1/``: every operation with
generated valid and invalid requests, sent over HTTP to the application on loopback with
an admin token. No answer may be a server error, and every answer must be one the
document declares (status, content type, body schema). The run is bounded and
deterministic (derandomized, a few examples per operation and mode)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sportello.accounts.models import User
from sportello.api import tokens
from sportello.customers.models import CustomerUser
from tests.conftest import grant_rw_on_users

# Committed data the server thread sees; the migrations' data comes back after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EXAMPLES = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_no_server_error_and_conformance(live_server: Any, settings: Any) -> None:
    settings.SPORTELLO_API_RATE = "1000000/m"
    agent = grant_rw_on_users(
        User.objects.create_user("fuzzer", email="f@example.org", password="x" * 12)
    )
    User.objects.filter(pk=agent.pk).update(is_superuser=True)
    secret = tokens.create_token(agent, name="fuzz", scope="admin").secret
    customer = CustomerUser.objects.create(login="fuzzy", email="fuzzy@example.org")
    customer_secret = tokens.create_customer_token(customer, name="fuzz").secret
    document = requests.get(live_server.url + "/api/v1/openapi.json", timeout=30)
    assert document.status_code == 200
    schema = schemathesis.openapi.from_dict(document.json())
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        # The customer routes take a customer's token, every other one the agent's.
        token = customer_secret if "/customer/" in operation.path else secret
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, token, live_server.url)
            except Exception as failure:  # one report per operation and mode, then on
                failures.append(f"{operation.label} ({mode}): {failure}"[:2000])
    assert failures == [], "\n\n".join(failures)


def _fuzz(operation: Any, mode: GenerationMode, token: str, base_url: str) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        response = case.call(base_url=base_url, session=requests.Session())
        case.validate_response(response, checks=CHECKS)

    run()
