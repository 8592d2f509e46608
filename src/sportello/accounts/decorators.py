"""View decorators of the agent interfaces (the web app and the search pages)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

View = Callable[..., HttpResponseBase]


def agent_required(view: View) -> View:
    """Logged-in, active agents only; the system user never logs in."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "is_system", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
