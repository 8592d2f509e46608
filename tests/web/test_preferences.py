from __future__ import annotations

import re
import zoneinfo
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from sportello.accounts.models import AgentDefaults, User
from sportello.accounts.services import update_appearance
from sportello.core.actor import Actor
from sportello.core.errors import InvalidInput
from sportello.notifications.models import Notification
from sportello.queues.models import Queue
from sportello.tickets import actions
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_notification_inbox_badge_and_mark_read(
    client: Client, agent: User, other_agent: User, queue: Queue, actor: Actor,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    ticket = make_ticket(queue, actor)
    with django_capture_on_commit_callbacks(execute=True):
        actions.set_owner(ticket, other_agent, actor=actor)
        actions.set_responsible(ticket, other_agent, actor=actor)
    client.force_login(other_agent)
    page = client.get(reverse("web:notifications"))
    assert page.status_code == 200
    assert page.context["unread_notifications"] == 2
    assert ticket.number in page.content.decode()
    first = Notification.objects.filter(agent=other_agent).order_by("id").first()
    assert first is not None
    client.post(reverse("web:notifications-read"), {"id": [first.pk]})
    assert Notification.objects.filter(agent=other_agent, read_at__isnull=True).count() == 1
    client.post(reverse("web:notifications-read"))
    assert Notification.objects.filter(agent=other_agent, read_at__isnull=True).count() == 0
    # Nobody marks another agent's notifications.
    client.force_login(agent)
    Notification.objects.update(read_at=None)
    client.post(reverse("web:notifications-read"), {"id": [first.pk]})
    assert Notification.objects.filter(agent=other_agent, read_at__isnull=True).count() == 2


def test_preferences_choose_queues_absence_and_notification_types(
    client: Client, agent: User, queue: Queue
) -> None:
    client.force_login(agent)
    assert client.get(reverse("web:preferences")).status_code == 200
    data = {
        "my_queues": [queue.pk],
        "out_of_office_start": "2026-12-20",
        "out_of_office_end": "2027-01-06",
        "notify_new_ticket_app": "on",
        "notify_follow_up_email": "on",
        "notify_follow_up_app": "on",
    }
    response = client.post(reverse("web:preferences"), data)
    assert response.status_code == 302
    agent.refresh_from_db()
    assert list(agent.my_queues.all()) == [queue]
    assert str(agent.out_of_office_start) == "2026-12-20"
    assert agent.wants("new_ticket", "app") and not agent.wants("new_ticket", "email")
    assert agent.wants("follow_up", "email") and not agent.wants("owner_update", "app")


def test_preferences_refuse_a_half_absence(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.post(reverse("web:preferences"), {"out_of_office_start": "2026-12-20"})
    assert response.status_code == 400
    agent.refresh_from_db()
    assert agent.out_of_office_start is None


def _save(client: Client, **fields: Any) -> Any:
    return client.post(reverse("web:preferences"), fields)


def test_language_preference_switches_the_agent_ui(client: Client, agent: User) -> None:
    client.force_login(agent)
    with translation.override("de"):
        german = translation.gettext("Log out")
    with translation.override("it"):
        italian = translation.gettext("Log out")
    assert german != "Log out" and italian != "Log out"
    # The browser asks for English; the agent's choice wins.
    assert _save(client, language="de").status_code == 302
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert german in page and '<html lang="de">' in page
    _save(client, language="it")
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert italian in page and '<html lang="it">' in page
    # No choice: the browser's language again.
    _save(client, language="")
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert german in page
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log out" in page


def test_the_portal_keeps_the_customers_language(client: Client, agent: User) -> None:
    agent.language = "de"
    agent.save()
    client.force_login(agent)
    with translation.override("it"):
        italian = translation.gettext("Log in to My requests")
    assert italian != "Log in to My requests"
    page = client.get(reverse("portal:login"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert italian in page


def test_times_are_shown_in_the_agents_time_zone(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    client.force_login(agent)

    def shown(zone: str) -> str:
        with timezone.override(zoneinfo.ZoneInfo(zone)), translation.override("en"):
            return date_format(timezone.localtime(ticket.changed), "SHORT_DATETIME_FORMAT")

    tokyo, new_york = shown("Asia/Tokyo"), shown("America/New_York")
    assert tokyo != new_york
    _save(client, language="en", time_zone="Asia/Tokyo")
    page = client.get(reverse("web:home")).content.decode()
    assert tokyo in page and new_york not in page
    _save(client, language="en", time_zone="America/New_York")
    page = client.get(reverse("web:ticket", args=[ticket.number])).content.decode()
    assert new_york in page and tokyo not in page
    # The zone is per request: the next request of nobody is in the server's zone.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_out_of_office_is_shown_next_to_the_agents_name(
    client: Client, agent: User, other_agent: User, queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    today = timezone.localdate()
    other_agent.out_of_office_start = today - timedelta(days=1)
    other_agent.out_of_office_end = today + timedelta(days=3)
    other_agent.save()
    actions.set_owner(ticket, other_agent, actor=actor)
    actions.set_responsible(ticket, other_agent, actor=actor)
    client.force_login(agent)
    until = date_format(other_agent.out_of_office_end, "SHORT_DATE_FORMAT")
    label = f"Paolo Verdi (out of office until {until})"
    zoom = client.get(reverse("web:ticket", args=[ticket.number])).content.decode()
    assert zoom.count(label) >= 2  # owner and responsible
    dialog = client.get(reverse("actions:dialog", args=[ticket.number, "owner"]))
    assert label in dialog.content.decode()
    assert "Erika Muster (out of office" not in dialog.content.decode()
    # Back at work: the plain name.
    other_agent.out_of_office_end = today - timedelta(days=1)
    other_agent.save()
    zoom = client.get(reverse("web:ticket", args=[ticket.number])).content.decode()
    assert "out of office until" not in zoom and "Paolo Verdi" in zoom


def test_name_suffix_skin_and_refresh(client: Client, agent: User) -> None:
    client.force_login(agent)
    assert (
        _save(client, name_suffix="von Hohenberg", skin="dark", refresh_seconds="300").status_code
        == 302
    )
    agent.refresh_from_db()
    assert agent.display_name == "Erika Muster von Hohenberg"
    page = client.get(reverse("web:queue-view")).content.decode()
    body = re.search(r"<body[^>]*>", page)
    assert body and 'class="skin-dark"' in body.group(0) and 'data-refresh="300"' in body.group(0)
    # The dashboard refreshes each widget's body instead of reloading the page.
    page = client.get(reverse("web:home")).content.decode()
    body = re.search(r"<body[^>]*>", page)
    assert body and 'class="skin-dark"' in body.group(0) and "data-refresh" not in body.group(0)
    assert 'hx-trigger="every 300s"' in page
    assert "Erika Muster von Hohenberg" in page
    # Only overviews refresh; the preferences page does not.
    assert "data-refresh" not in client.get(reverse("web:preferences")).content.decode()
    # The top bar's switch flips the saved skin and goes back where it was.
    response = client.post(reverse("web:skin"), {"next": reverse("web:home")})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    agent.refresh_from_db()
    assert agent.skin == "light"
    assert 'class="skin-light"' in client.get(reverse("web:home")).content.decode()
    # Never to another site.
    response = client.post(reverse("web:skin"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("web:preferences")


def test_dark_skin_stylesheet_is_a_body_class() -> None:
    css = (Path(settings.PACKAGE_DIR) / "web" / "static" / "web" / "sportello.css").read_text()
    assert "body.skin-dark {" in css and "body.skin-light {" in css


@pytest.mark.parametrize(
    "fields",
    [
        {"language": "fr"},
        {"time_zone": "Mars/Olympus"},
        {"refresh_seconds": "7"},
        {"refresh_seconds": "abc"},
        {"skin": "pink"},
    ],
)
def test_unknown_choices_are_refused(client: Client, agent: User, fields: dict[str, str]) -> None:
    client.force_login(agent)
    response = _save(client, **fields)
    assert response.status_code == 400
    agent.refresh_from_db()
    assert (agent.language, agent.time_zone, agent.refresh_seconds, agent.skin) == (
        "",
        "",
        0,
        "light",
    )


def test_the_service_refuses_unknown_values(agent: User) -> None:
    with pytest.raises(InvalidInput):
        update_appearance(agent, {"time_zone": "Nowhere/Town"})
    with pytest.raises(InvalidInput):
        update_appearance(agent, {"is_superuser": "1"})
    update_appearance(agent, {"time_zone": "Europe/Rome", "language": "it"})
    agent.refresh_from_db()
    assert (agent.time_zone, agent.language) == ("Europe/Rome", "it")


def test_admin_defaults_apply_to_new_agents(db: None) -> None:
    plain = User.objects.create_user("before", password="pw-before-long")
    assert (plain.language, plain.time_zone, plain.refresh_seconds, plain.skin) == (
        "",
        "",
        0,
        "light",
    )
    AgentDefaults(language="de", time_zone="Europe/Rome", refresh_seconds=300, skin="dark").save()
    new = User.objects.create_user("after", password="pw-after-long")
    new.refresh_from_db()
    assert (new.language, new.time_zone, new.refresh_seconds, new.skin) == (
        "de",
        "Europe/Rome",
        300,
        "dark",
    )
    # An explicit choice is kept; existing agents are not touched.
    chosen = User.objects.create_user("chosen", password="pw-chosen-long", language="it")
    assert chosen.language == "it"
    plain.refresh_from_db()
    assert plain.language == ""
    assert AgentDefaults.load().language == "de"
    with pytest.raises(ValidationError):
        AgentDefaults(language="fr").full_clean()


def test_dates_follow_the_agents_language(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    client.force_login(agent)
    local = timezone.localtime(ticket.changed)
    for language in ("de", "it", "en"):
        _save(client, language=language)
        with translation.override(language):
            expected = date_format(local, "SHORT_DATETIME_FORMAT")
        assert expected in client.get(reverse("web:home")).content.decode()
    with translation.override("de"):
        assert date_format(local, "SHORT_DATE_FORMAT") == local.strftime("%d.%m.%Y")
