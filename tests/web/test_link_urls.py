"""Links in mail are reversed without the agent interface, and are its very routes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.test import Client
from django.urls import clear_script_prefix, reverse, set_script_prefix

from sportello.accounts.models import User
from sportello.core.actor import Actor
from sportello.queues.models import Queue
from sportello.tickets.selectors import ticket_url
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_link_is_the_zoom_route(
    client: Client, agent: User, queue: Queue, actor: Actor
) -> None:
    ticket = make_ticket(queue, actor)
    assert ticket_url(ticket) == reverse("web:ticket", args=[ticket.number])
    set_script_prefix("/helpdesk/")  # served below a path
    try:
        assert ticket_url(ticket) == f"/helpdesk/ticket/{ticket.number}/"
        assert ticket_url(ticket) == reverse("web:ticket", args=[ticket.number])
    finally:
        clear_script_prefix()
    link = ticket_url(ticket)
    assert client.get(link).status_code == 302  # the zoom's own login check
    client.force_login(agent)
    page = client.get(link)
    assert page.status_code == 200 and ticket.number in page.content.decode()


def test_reversing_a_link_loads_no_view_module() -> None:
    code = (
        "import django, sys; django.setup()\n"
        "from sportello.tickets.models import Ticket\n"
        "from sportello.tickets.selectors import ticket_url\n"
        "print(ticket_url(Ticket(number='1')))\n"
        "print(sorted(m for m in sys.modules if m.startswith('sportello.web.')"
        " and m != 'sportello.web.link_urls'"
        " and not m.startswith(('sportello.web.apps', 'sportello.web.models'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["/ticket/1/", "[]"], done.stderr
