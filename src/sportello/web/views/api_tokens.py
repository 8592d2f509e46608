"""The agent's personal API tokens on the preferences page: create (the token is shown
this once), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sportello.accounts.decorators import agent_required
from sportello.api import tokens
from sportello.core.errors import DomainError, NotFound
from sportello.web.forms.api_tokens import ApiTokenForm


@agent_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    agent = request.user
    form = ApiTokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            new = tokens.create_token(
                agent,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_in_days=form.cleaned_data["expires"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            secret, form = new.secret, ApiTokenForm()
    context = {"form": form, "tokens": tokens.tokens_of(agent), "secret": secret}  # type: ignore[arg-type]
    status = 400 if request.method == "POST" and not secret else 200
    response = render(request, "web/api_tokens.html", context, status=status)
    # The page may hold a token in clear: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


@agent_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = tokens.revoke_token(pk, agent=request.user)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    messages.success(request, _("API token “%(name)s” revoked.") % {"name": token.name})
    return redirect("web:api-tokens")
