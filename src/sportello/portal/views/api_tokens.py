"""The customer's own API tokens (scope customer): create (shown this once), list,
revoke. The same tokens as ``sportello token create LOGIN --scope customer``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from sportello.api import tokens
from sportello.core.errors import DomainError, NotFound
from sportello.portal.auth import customer_required
from sportello.portal.forms import CustomerTokenForm
from sportello.portal.views.common import render
from sportello.portal.views.requests import _customer


@customer_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    form = CustomerTokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            new = tokens.create_customer_token(
                customer,
                name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            secret, form = new.secret, CustomerTokenForm()
    context = {"form": form, "tokens": tokens.tokens_of(customer), "secret": secret}
    status = 400 if request.method == "POST" and not secret else 200
    response = render(request, "api_tokens.html", context, status=status)
    # The page may hold a token in clear: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@customer_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        tokens.revoke_token(pk, customer=_customer(request))
    except NotFound:
        raise Http404 from None
    return redirect("portal:api-tokens")
