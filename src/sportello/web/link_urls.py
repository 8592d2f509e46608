"""The agent pages that mail links to, in a URL configuration of their own.

Notifications and auto-responses carry a ticket's link. Reversing it through the
project's URL configuration imports every view module, a good part of the start of a
process that files one message (``sportello ingest_mail``). This configuration holds only
the linked pages, their views imported on the first request; ``web.urls`` includes these
very patterns, so a link reversed here is the route the agent interface serves.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.urls import path


def ticket_zoom(request: HttpRequest, number: str) -> HttpResponseBase:
    from sportello.web.views import zoom as views

    return views.ticket_zoom(request, number)


urlpatterns = [
    path("ticket/<str:number>/", ticket_zoom, name="ticket"),
]
