from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render as django_render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from sportello.portal.auth import get_customer

# Room for the form fields next to the files themselves.
FORM_OVERHEAD = 1024 * 1024


def render(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    context = {"customer": get_customer(request), **(context or {})}
    return django_render(request, f"portal/{template}", context, status=status)


def error_page(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "error.html", {"message": message}, status=status)


def request_too_large(request: HttpRequest) -> HttpResponse | None:
    """Refuse an oversized upload before reading it, with a page that says why."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = settings.SPORTELLO_PORTAL_MAX_UPLOAD_SIZE
    if length <= limit + FORM_OVERHEAD:
        return None
    message = _("The attachments are too large: at most %(limit)s together.") % {
        "limit": filesizeformat(limit)
    }
    return error_page(request, message, 413)
