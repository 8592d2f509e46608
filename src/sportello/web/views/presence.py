"""Presence on a ticket: the page of an agent with a dialog open (or typing an answer)
announces it and renews it; the zoom of the others shows it (``tickets.presence``).

Both ask the permission module: the ticket must be readable (404 otherwise), and the
announced activity needs the permission its dialog needs (403)."""

from __future__ import annotations

import math
import time

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sportello.accounts import permissions
from sportello.accounts.decorators import agent_required
from sportello.accounts.models import User
from sportello.tickets import presence
from sportello.web.views.common import visible_ticket


def context(ticket_id: int, viewer: User, now: float | None = None) -> dict[str, object]:
    """What ``web/presence.html`` shows: the others at work, and when to look again."""
    now = time.time() if now is None else now
    shown = presence.current(ticket_id, exclude=viewer.pk, now=now)
    soonest = min((p.expires for p in shown), default=None)
    return {
        "presence": shown,
        "presence_expires_in": math.ceil(soonest - now) if soonest is not None else "",
    }


@require_GET
@agent_required
def region(request: HttpRequest, number: str) -> HttpResponse:
    """The zoom's presence region, refreshed on a live item or by polling."""
    ticket = visible_ticket(request, number)
    assert isinstance(request.user, User)
    return render(request, "web/presence.html", context(ticket.pk, request.user))


@require_POST
@agent_required
def announce(request: HttpRequest, number: str) -> HttpResponse:
    """``activity``: the agent works on the ticket (or still does); ``leave``: no more."""
    ticket = visible_ticket(request, number)
    user = request.user
    assert isinstance(user, User)
    if request.POST.get("leave"):
        presence.leave(ticket.pk, user.pk)
        return HttpResponse(status=204)
    activity = request.POST.get("activity", "")
    if activity not in presence.ACTIVITIES:
        return HttpResponse(_("Unknown activity."), status=400, content_type="text/plain")
    if not permissions.may(user, presence.ACTIVITIES[activity][0], ticket.queue):
        return HttpResponse(status=403)
    if not presence.allowed(user):
        return HttpResponse(
            _("Too many requests: wait a little and try again."),
            status=429,
            content_type="text/plain",
        )
    presence.announce(ticket.pk, user, activity)
    return HttpResponse(status=204)
