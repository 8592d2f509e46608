"""Per-request language and time zone from the logged-in agent's preferences.

Runs after the authentication middleware. The customer portal is left alone: it speaks
the customer's language (``portal.auth``), whoever else is logged in in the same browser.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone, translation

PORTAL_NAMESPACE = "portal"


class AgentPreferencesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            return self.get_response(request)
        finally:
            # The next request in this thread starts from the server's zone again.
            timezone.deactivate()

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        match = request.resolver_match
        if match is not None and PORTAL_NAMESPACE in match.namespaces:
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or getattr(user, "is_system", False):
            return
        language = getattr(user, "language", "")
        if language in self.languages:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        zone = getattr(user, "time_zone", "")
        if zone:
            # A zone since removed from the tz database: the server's zone.
            with suppress(zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.activate(zoneinfo.ZoneInfo(zone))
