"""Request forms (seed 000): for logged-in customers, anonymously with address
confirmation, and embedded in other sites' pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sportello.accounts import permissions
from sportello.customers.models import CustomerUser
from sportello.portal import auth, selectors, services, throttle, tokens
from sportello.portal.forms import RequestSubmissionForm
from sportello.portal.models import RequestForm
from sportello.portal.views import faq
from sportello.portal.views.common import error_page, render, request_too_large

HOUR = timedelta(hours=1)


@require_GET
def form_list(request: HttpRequest) -> HttpResponse:
    customer = auth.get_customer(request)
    return render(request, "form_list.html", {"forms": selectors.usable_forms(customer)})


def _rate_limited(request: HttpRequest) -> HttpResponse | None:
    ip = auth.client_ip(request)
    limit = settings.SPORTELLO_PORTAL_FORMS_PER_IP_HOUR
    if throttle.exceeded("form-ip", ip, limit=limit, window=HOUR):
        return error_page(
            request, _("Too many requests from your network. Please try again later."), 429
        )
    throttle.hit("form-ip", ip)
    return None


def _handle(
    request: HttpRequest, request_form: RequestForm, customer: CustomerUser | None, *, embed: bool
) -> HttpResponse:
    anonymous = customer is None
    form = RequestSubmissionForm(
        request_form,
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        anonymous=anonymous,
    )
    status = 200
    if request.method == "POST":
        refused = request_too_large(request) or _rate_limited(request)
        if refused is not None:
            return refused
        if form.is_valid():
            data = form.cleaned_data
            title = data.get("title") or request_form.title
            if customer is not None:
                ticket = services.file_request(
                    request_form,
                    customer=customer,
                    email=customer.email,
                    title=title,
                    body=data.get("description", ""),
                    attachments=services.uploads_to_attachments(data.get("attachments", [])),
                    faq_suggestion_opened=bool(faq.opened_numbers(request)),
                )
                faq.record_opened(request, request_form, ticket.number, anonymous=False)
                return redirect("portal:form-done", slug=request_form.slug, number=ticket.number)
            services.hold_anonymous_request(
                request_form,
                email=data["email"],
                name=data["name"],
                title=title,
                body=data.get("description", ""),
                uploads=data.get("attachments", []),
                language=get_language() or "",
            )
            faq.record_opened(request, request_form, "", anonymous=True)
            return render(request, "form_check_mail.html", {"email": data["email"], "embed": embed})
        status = 400
    context: dict[str, Any] = {
        "request_form": request_form,
        "form": form,
        "embed": embed,
        "faq_opened": request.POST.get("faq_opened", "")[:200],
        "faq_visit": (
            posted_visit
            if services.VISIT_TOKEN.fullmatch(posted_visit := request.POST.get("faq_visit", ""))
            else services.new_visit()
        ),
    }
    return render(request, "form.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest, slug: str) -> HttpResponse:
    customer = auth.get_customer(request)
    form = selectors.form_by_slug(slug)
    if not permissions.customer_may_use_form(customer, form):
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('portal:login')}?{query}")
    return _handle(request, form, customer, embed=False)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "POST"])
def embedded_form(request: HttpRequest, slug: str) -> HttpResponse:
    """The form inside another site's iframe. Always anonymous: third-party frames get no
    session cookie (SameSite), and ignoring the session means a forged post carries no
    one's authority, which is why CSRF protection is not needed here. Framing is allowed
    for the form's own list of origins only."""
    form = selectors.form_by_slug(slug)
    if permissions.customer_may_use_form(None, form):
        response = _handle(request, form, None, embed=True)
    else:
        response = render(request, "form_login_needed.html", {"request_form": form, "embed": True})
    origins = form.embedding_origins()
    response._csp_replace = {"frame-ancestors": origins or ["'none'"]}  # type: ignore[attr-defined]
    if origins:
        response.xframe_options_exempt = True
    return response


@require_GET
@auth.customer_required
def form_done(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    customer = auth.get_customer(request)
    assert customer is not None
    ticket = selectors.my_ticket(customer, number)
    return render(request, "form_done.html", {"ticket": ticket})


@never_cache
@require_http_methods(["GET", "POST"])
def form_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the confirmation mail; GET asks, POST files the ticket."""
    submission = tokens.check_confirm_token(token)
    if submission is None:
        return error_page(
            request, _("This link is invalid or has expired. Please send the form again."), 400
        )
    if request.method == "POST":
        ticket = services.confirm_anonymous_request(submission)
        return render(request, "form_done.html", {"ticket": ticket, "anonymous": True})
    return render(request, "form_confirm.html", {"submission": submission, "token": token})
