"""Local agent passwords, which an installation with single sign-on or a directory can
switch off (``SPORTELLO_AGENT_LOCAL_PASSWORDS=0``) except for its break-glass accounts
(``SPORTELLO_AGENT_BREAK_GLASS``): the administrators who must get in while the
identity provider or the directory is down."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from sportello.accounts.models import User

# The backend sessions name after a sign-on by OIDC or SAML (it loads the agent by id).
SESSION_BACKEND = "sportello.accounts.backends.LocalPasswordBackend"


def local_password_allowed(login: str) -> bool:
    if settings.SPORTELLO_AGENT_LOCAL_PASSWORDS:
        return True
    allowed = {name.lower() for name in settings.SPORTELLO_AGENT_BREAK_GLASS}
    return login.strip().lower() in allowed


class LocalPasswordBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is not None and not local_password_allowed(username):
            User().set_password(password)  # the same work as a real check: no timing hint
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        return user if isinstance(user, User) else None
