"""Every admin page opens for an administrator; the spool and outbox actions work."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from sportello.accounts.models import AgentDefaults, User
from sportello.mail.models import FailedMail, FailedMailStatus
from sportello.mail.spool import spool_to_database
from sportello.queues.models import Queue, SystemAddress
from sportello.tickets.models import Ticket
from tests.mail.messages import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db: None) -> Client:
    user = User.objects.create_superuser("root", "root@example.org", "a-long-password-1")
    client = Client()
    client.force_login(user)
    return client


def test_every_changelist_and_add_page_opens(admin_client: Client) -> None:
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        response = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert response.status_code == 200, info
        response = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "x"})
        assert response.status_code == 200, info
        if model_admin.has_add_permission(response.wsgi_request):
            response = admin_client.get(reverse("admin:{}_{}_add".format(*info)))
            assert response.status_code == 200, info


def test_mail_admin_pages_exist(admin_client: Client) -> None:
    names = {f"{m._meta.app_label}.{m.__name__}" for m in admin.site._registry}
    assert {
        "mail.MailAccount", "mail.PostmasterFilter", "mail.FailedMail", "mail.OutboxMessage",
        "mail.StandardTemplate", "mail.AutoResponse", "queues.SystemAddress",
        "queues.Salutation", "queues.Signature",
    } <= names  # fmt: skip


def test_failed_mail_retry_and_delete_from_the_admin(admin_client: Client, settings: Any) -> None:
    wlan = Queue.objects.get(full_name="Raw")
    SystemAddress.objects.create(email="raw@helpdesk.example.org", queue=wlan)
    failed = spool_to_database(mail(subject="aus dem Spool"), error="boom", source="test")
    response = admin_client.post(
        reverse("admin:mail_failedmail_changelist"),
        {"action": "retry", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Ticket.objects.filter(title="aus dem Spool").count() == 1
    failed.refresh_from_db()
    assert failed.status != FailedMailStatus.FAILED
    other = spool_to_database(b"broken", error="boom", source="test")
    response = admin_client.post(
        reverse("admin:mail_failedmail_delete", args=[other.pk]), {"post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not FailedMail.objects.filter(pk=other.pk).exists()


def test_admin_sets_the_defaults_of_new_agents(admin_client: Client) -> None:
    url = reverse("admin:accounts_agentdefaults_add")
    data = {"language": "it", "time_zone": "Europe/Rome", "refresh_seconds": "300", "skin": "dark"}
    assert admin_client.post(url, {**data, "time_zone": "Mars/Base"}).status_code == 200
    assert not AgentDefaults.objects.exists()
    response = admin_client.post(url, data)
    assert response.status_code == 302
    new = User.objects.create_user("nuovo", password="pw-nuovo-long")
    assert (new.language, new.time_zone, new.refresh_seconds, new.skin) == (
        "it",
        "Europe/Rome",
        300,
        "dark",
    )
    # One row only: no second add, no delete.
    assert admin_client.get(url).status_code == 403
    assert (
        admin_client.get(reverse("admin:accounts_agentdefaults_delete", args=[1])).status_code
        == 403
    )


def test_agent_change_page_offers_languages_and_time_zones(admin_client: Client) -> None:
    agent = User.objects.create_user("erika", password="pw-erika-long")
    page = admin_client.get(reverse("admin:accounts_user_change", args=[agent.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert '<option value="de">' in content and '<option value="Europe/Rome">' in content
