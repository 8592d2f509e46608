"""Customers create, see once, use and revoke their own API tokens in the portal."""

from __future__ import annotations

import re

from django.test import Client

from sportello.api.models import ApiToken
from sportello.customers.models import CustomerUser
from tests.api.conftest import ApiClient


def test_create_use_and_revoke(client_a: Client, customer_a: CustomerUser) -> None:
    assert client_a.get("/portal/tokens/").status_code == 200
    created = client_a.post("/portal/tokens/", {"name": "my script", "expires": "30"})
    assert created.status_code == 200 and "no-store" in created["Cache-Control"]
    match = re.search(r"<code data-secret>(spt_[^<]+)</code>", created.content.decode())
    assert match is not None
    secret = match.group(1)
    token = ApiToken.objects.get()
    assert (token.customer, token.scope, token.name) == (customer_a, "customer", "my script")
    assert ApiClient(secret).get("/customer/tickets").status_code == 200
    listing = client_a.get("/portal/tokens/").content.decode()
    assert "my script" in listing and secret not in listing
    assert client_a.post(f"/portal/tokens/{token.pk}/revoke/").status_code == 302
    assert ApiClient(secret).get("/customer/tickets").status_code == 401
    assert client_a.post("/portal/tokens/", {"name": ""}).status_code == 400


def test_logged_out_visitors_are_sent_to_the_login(client: Client, db: None) -> None:
    response = client.get("/portal/tokens/")
    assert response.status_code == 302 and "/portal/login/" in response["Location"]
