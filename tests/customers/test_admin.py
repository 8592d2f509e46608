from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sportello.accounts.models import User
from sportello.customers.models import CustomerUser

pytestmark = pytest.mark.django_db


def test_admin_creates_customer_with_password(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.org", "long-pass-1"))
    url = reverse("admin:customers_customeruser_add")
    data = {
        "login": "anna",
        "email": "anna@uni.example.org",
        "source": "database",
        "valid": "on",
        "new_password": "123",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and not CustomerUser.objects.exists()  # too short
    response = client.post(url, {**data, "new_password": "Admin-Set-Secret-1"})
    assert response.status_code == 302
    anna = CustomerUser.objects.get()
    assert anna.check_password("Admin-Set-Secret-1")
    change = reverse("admin:customers_customeruser_change", args=[anna.pk])
    response = client.post(change, {**data, "first_name": "Anna", "new_password": ""})
    assert response.status_code == 302
    anna.refresh_from_db()
    assert anna.first_name == "Anna" and anna.check_password("Admin-Set-Secret-1")
    # The stored hash is never shown.
    assert anna.password.encode() not in client.get(change).content
