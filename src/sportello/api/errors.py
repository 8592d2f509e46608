"""The error envelope: every refusal is ``{"error": {"code", "message", "field"}}`` with the
domain error's stable code, a message translated for the request's language
(Accept-Language) and the matching HTTP status. Nothing a client sends yields a 500."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from sportello.core import errors

# The HTTP status of each kind of domain error; codes stay the domain's own.
STATUS = {
    errors.NotFound: 404,
    errors.PermissionDenied: 403,
    errors.Conflict: 409,
    errors.InvalidInput: 400,
}


class ApiError(errors.DomainError):
    """A refusal of the API layer itself (wrong scope, unsupported value) with its status."""

    def __init__(self, status: int, message: Any, *, code: str, field: str | None = None):
        super().__init__(message, code=code)
        self.status = status
        self.field = field


def envelope(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, message: Any, field: Any = None
) -> HttpResponse:
    body = {"error": {"code": code, "message": str(message), "field": field}}
    return api.create_response(request, body, status=status)


def _domain(api: NinjaAPI) -> Any:
    def handle(request: HttpRequest, error: errors.DomainError) -> HttpResponse:
        if isinstance(error, ApiError):
            return envelope(api, request, error.status, error.code, error, error.field)
        status = next((s for kind, s in STATUS.items() if isinstance(error, kind)), 400)
        return envelope(api, request, status, error.code, error, error.params.get("field"))

    return handle


def _field(location: Any) -> str | None:
    # ninja's locations start with the part of the request ("body", "query", "path") and,
    # for a body, the parameter's name; the client knows its fields by their own names.
    parts = [str(p) for p in location]
    skip = 2 if parts[:1] == ["body"] else 1
    return ".".join(parts[skip:]) or None


def install(api: NinjaAPI) -> None:
    api.add_exception_handler(errors.DomainError, _domain(api))

    def validation(request: HttpRequest, error: Any) -> HttpResponse:
        first = error.errors[0] if error.errors else {}
        field = _field(first.get("loc", ()))
        message = _("Invalid value for %(field)s: %(problem)s") % {
            "field": field or _("the request"),
            "problem": first.get("msg", ""),
        }
        return envelope(api, request, 400, "invalid", message, field)

    def authentication(request: HttpRequest, error: Any) -> HttpResponse:
        message = _("Authentication required: a valid API token or a session.")
        response = envelope(api, request, 401, "unauthenticated", message)
        response["WWW-Authenticate"] = "Bearer"
        return response

    def http_error(request: HttpRequest, error: Any) -> HttpResponse:
        if error.status_code == 403:  # ninja's own refusal: the CSRF check of a session
            return envelope(api, request, 403, "csrf", _("CSRF check failed."))
        if error.status_code == 400:  # ninja could not parse the body
            return envelope(api, request, 400, "malformed", _("The body is not valid JSON."))
        if error.status_code == 429:
            message = _("Too many requests: wait a little and try again.")
            return envelope(api, request, 429, "rate_limited", message)
        codes = {404: "not_found", 405: "method_not_allowed"}
        code = codes.get(error.status_code, "invalid")
        return envelope(api, request, error.status_code, code, error.message)

    def not_found(request: HttpRequest, error: Any) -> HttpResponse:
        return envelope(api, request, 404, "not_found", _("Not found."))

    def too_large(request: HttpRequest, error: Any) -> HttpResponse:
        return envelope(api, request, 413, "too_large", _("The request body is too large."))

    api.add_exception_handler(ValidationError, validation)
    api.add_exception_handler(AuthenticationError, authentication)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(RequestDataTooBig, too_large)


def route_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any path under the API that names no route: the envelope, not an HTML page."""
    body = {"error": {"code": "not_found", "message": _("No such API route."), "field": None}}
    return JsonResponse(body, status=404)


def json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a method a route lacks with a plain-text 405: the envelope instead,
    keeping the ``Allow`` header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        message = _("Method %(method)s is not allowed here.") % {"method": request.method}
        body = {"error": {"code": "method_not_allowed", "message": message, "field": None}}
        replacement = JsonResponse(body, status=405)
        replacement["Allow"] = response.get("Allow", "")
        return replacement

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper


def wrap_urls(urls: tuple[list[Any], str, str]) -> tuple[list[Any], str, str]:
    """The API's URL patterns with JSON 405s, and a JSON 404 for every other path."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        if isinstance(pattern, URLPattern):
            pattern.callback = json_method_not_allowed(pattern.callback)
    fallback = re_path(r"^(?P<rest>.*)$", route_not_found, name="route-not-found")
    return [*patterns, fallback], app_name, namespace
