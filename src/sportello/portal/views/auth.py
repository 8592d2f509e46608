"""Customer login (password or emailed link), logout and password reset."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from sportello.customers import backends
from sportello.customers.models import CustomerSource
from sportello.portal import auth, mails, throttle, tokens
from sportello.portal.forms import EmailForm, LoginForm, SetPasswordForm
from sportello.portal.views import sso
from sportello.portal.views.common import error_page, render

INVALID_LINK = gettext_lazy("This link is invalid or has expired. Please ask for a new one.")


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    portal_root = reverse("portal:my-requests")
    if wanted.startswith(portal_root) and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}
    ):
        return wanted
    return portal_root


def _sign_on_methods(next_url: str) -> list[dict[str, str]]:
    """The single sign-on buttons of the log-in page, as configured."""
    methods = []
    query = f"?{urlencode({'next': next_url})}"
    for config, url in (
        (settings.SPORTELLO_CUSTOMER_SAML, "portal:saml-begin"),
        (settings.SPORTELLO_CUSTOMER_OIDC, "portal:oidc-begin"),
    ):
        if config:
            provider = config.get("label") or _("your university account")
            methods.append(
                {
                    "url": reverse(url) + query,
                    "label": _("Log in with %(provider)s") % {"provider": provider},
                }
            )
    return methods


def _window() -> timedelta:
    return timedelta(minutes=settings.SPORTELLO_PORTAL_LOGIN_WINDOW_MINUTES)


def _blocked(login: str, ip: str) -> bool:
    window = _window()
    return throttle.exceeded(
        "login-account", login, limit=settings.SPORTELLO_PORTAL_LOGIN_FAILURES_PER_ACCOUNT,
        window=window,
    ) or throttle.exceeded(
        "login-ip", ip, limit=settings.SPORTELLO_PORTAL_LOGIN_FAILURES_PER_IP, window=window
    )  # fmt: skip


@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if auth.get_customer(request) is not None:
        return HttpResponseRedirect(_next_url(request))
    form = LoginForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        login_name = form.cleaned_data["login"].strip().lower()
        ip = auth.client_ip(request)
        # One count per account, whether it is named by login or by address.
        known = backends.find(login_name)
        account = f"customer:{known.pk}" if known is not None else login_name
        if _blocked(account, ip):
            error = _(
                "Too many failed logins. Please wait %(minutes)s minutes, or ask for a login "
                "link by email."
            ) % {"minutes": settings.SPORTELLO_PORTAL_LOGIN_WINDOW_MINUTES}
            status = 429
        else:
            customer = backends.authenticate(login_name, form.cleaned_data["password"])
            if customer is not None:
                throttle.clear("login-account", account)
                auth.login(request, customer)
                return HttpResponseRedirect(_next_url(request))
            throttle.hit("login-account", account)
            throttle.hit("login-ip", ip)
            error = _("Your login or password was wrong. Please try again.")
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "error": error,
        "next": _next_url(request),
        "email_form": EmailForm(),
        "sso_methods": _sign_on_methods(_next_url(request)),
    }
    return render(request, "login.html", context, status=status)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """End the session, and the one at the identity provider it began at."""
    return sso.views.logout(request, auth.logout)


def _mail_allowed(request: HttpRequest, email: str) -> bool:
    """At most so many mailed links per IP and per address each hour."""
    limit = settings.SPORTELLO_PORTAL_MAILS_PER_IP_HOUR
    hour = timedelta(hours=1)
    keys = (("mail-ip", auth.client_ip(request)), ("mail-address", email.lower()))
    if any(throttle.exceeded(scope, key, limit=limit, window=hour) for scope, key in keys):
        return False
    for scope, key in keys:
        throttle.hit(scope, key)
    return True


def _mail_link(request: HttpRequest, purpose: str) -> HttpResponse:
    form = EmailForm(request.POST)
    if not form.is_valid():
        return render(request, "link_sent.html", {"form": form, "purpose": purpose}, status=400)
    email = form.cleaned_data["email"]
    if not _mail_allowed(request, email):
        return error_page(
            request, _("Too many requests for links. Please try again in an hour."), 429
        )
    customer = backends.find(email)
    # Same answer whether or not the address is known: no way to probe for accounts.
    if customer is not None and customer.valid and customer.email:
        if purpose == tokens.LOGIN:
            template, name, minutes = (
                "login_link",
                "portal:link-login",
                (settings.SPORTELLO_PORTAL_LINK_MINUTES),
            )
        else:
            template, name, minutes = (
                "password_reset",
                "portal:password-reset-confirm",
                (settings.SPORTELLO_PORTAL_RESET_MINUTES),
            )
        if purpose == tokens.LOGIN or customer.source == CustomerSource.DATABASE:
            token = tokens.make_customer_token(customer, purpose)
            mails.send(
                customer.email,
                template,
                {
                    "name": customer.full_name or customer.login,
                    "url": mails.absolute(reverse(name, args=[token])),
                    "minutes": minutes,
                },
                language=customer.language,
            )
    return render(request, "link_sent.html", {"purpose": purpose})


@require_POST
def link_request(request: HttpRequest) -> HttpResponse:
    return _mail_link(request, tokens.LOGIN)


@never_cache
@require_http_methods(["GET", "POST"])
def link_login(request: HttpRequest, token: str) -> HttpResponse:
    """GET only shows a button: mail scanners that fetch links must not use them up."""
    customer = tokens.check_customer_token(token, tokens.LOGIN)
    if customer is None:
        return error_page(request, str(INVALID_LINK), 400)
    if request.method == "POST":
        auth.login(request, customer)
        return redirect("portal:my-requests")
    return render(request, "link_login.html", {"token": token})


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _mail_link(request, tokens.RESET)
    return render(request, "password_reset.html", {"form": EmailForm()})


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, token: str) -> HttpResponse:
    customer = tokens.check_customer_token(token, tokens.RESET)
    if customer is None or customer.source != CustomerSource.DATABASE:
        return error_page(request, str(INVALID_LINK), 400)
    form = SetPasswordForm(customer, request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer.set_password(form.cleaned_data["password1"])
        customer.save(update_fields=["password"])
        auth.login(request, customer)
        return redirect("portal:my-requests")
    status = 400 if request.method == "POST" else 200
    return render(request, "password_set.html", {"form": form, "token": token}, status=status)


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Choose the portal's language: remembered in a cookie, and on the customer's
    record when logged in (notifications then use it too)."""
    chosen = request.POST.get("language", "")
    response = HttpResponseRedirect(_next_url(request))
    if chosen not in dict(settings.LANGUAGES):
        return response
    customer = auth.get_customer(request)
    if customer is not None:
        customer.language = chosen
        customer.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        chosen,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response
