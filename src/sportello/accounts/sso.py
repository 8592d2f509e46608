"""An agent signed on by an identity provider (OIDC or SAML): found by login, created
when the configuration allows, names and address refreshed, mapped roles and grants
re-evaluated (``role_mapping``). Who may do what still comes from the grants alone."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from sportello.accounts import role_mapping
from sportello.accounts.models import AuthSource, User
from sportello.core.signon import SignOnRefused

log = logging.getLogger(__name__)
FIELDS = {"email": 254, "first_name": 150, "last_name": 150}


def _language(value: str) -> str:
    code = value.strip().lower().replace("_", "-")[:2]
    return code if code in dict(settings.LANGUAGES) else ""


@transaction.atomic
def agent_for(identity: dict[str, Any], *, source: AuthSource, create: bool) -> User:
    """The agent ``identity`` (login, email, names, language, groups) stands for."""
    login = str(identity.get("login") or "").strip()
    if not login or len(login) > 150:
        raise SignOnRefused("no usable login in the identity")
    agent = User.objects.filter(username__iexact=login).first()
    if agent is None:
        if not create:
            raise SignOnRefused(f"no agent {login} and creation is off")
        agent = User(username=login, auth_source=source)
        agent.set_unusable_password()
        log.info("agent %s created at first sign-on (%s)", login, source)
    if agent.is_system:
        raise SignOnRefused("the system user cannot sign on")
    for name, length in FIELDS.items():
        value = str(identity.get(name) or "").strip()
        if value:
            setattr(agent, name, value[:length])
    language = _language(str(identity.get("language") or ""))
    if language:
        agent.language = language
    agent.save()
    if not agent.is_active:
        raise SignOnRefused(f"agent {login} is deactivated")
    if identity.get("groups") is not None:
        role_mapping.apply(agent, identity["groups"])
    return agent
