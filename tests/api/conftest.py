from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from sportello.accounts.models import User
from sportello.api import tokens
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets import actions
from sportello.tickets.models import Channel, SenderType, Ticket


class ApiClient:
    """Calls ``/api/v1/`` with a bearer token and JSON bodies."""

    def __init__(self, secret: str = "", **headers: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        self.headers.update(headers)

    def call(self, method: str, path: str, body: Any = None, **extra: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        return getattr(self.client, method)(
            "/api/v1" + path,
            data=data,
            content_type="application/json",
            headers=self.headers,
            **extra,
        )

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get("/api/v1" + path, headers=self.headers, **extra)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("post", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self.call("patch", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        return self.call("put", path, body)

    def delete(self, path: str) -> Any:
        return self.call("delete", path)


def token_for(agent: User, scope: str = "write", **kwargs: Any) -> str:
    return tokens.create_token(agent, name=f"{scope} token", scope=scope, **kwargs).secret


@pytest.fixture
def api(agent: User) -> ApiClient:
    return ApiClient(token_for(agent))


@pytest.fixture
def ticket(agent: User, queue: Queue) -> Ticket:
    return actions.create_ticket(
        title="Printer on fire",
        queue=queue,
        actor=Actor(user=agent, channel="web"),
        customer_user_id="max",
        article=actions.ArticleInput(
            channel=Channel.PHONE,
            sender_type=SenderType.CUSTOMER,
            body="Smoke everywhere",
            subject="Printer",
            visible_for_customer=True,
        ),
    )
