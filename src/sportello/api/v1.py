"""Version 1 of the native API, mounted at ``/api/v1/``: the OpenAPI 3.1 document at
``openapi.json``, interactive docs (ninja's packaged Swagger UI) at ``docs``."""

from __future__ import annotations

from ninja import NinjaAPI

from sportello.api import catalog, errors, faq, tickets
from sportello.api.auth import AgentSessionAuth, PerTokenThrottle, TokenAuth

api = NinjaAPI(
    title="Sportello API",
    version="1",
    description=(
        "Authenticate with a personal API token (`Authorization: Bearer spt_…`, created in "
        "the preferences or with `sportello token create`) or the agent's session cookie "
        "(unsafe methods then need the CSRF token). Errors are "
        '`{"error": {"code": …, "message": …, "field": …}}`.'
    ),
    urls_namespace="api",
    auth=[TokenAuth(), AgentSessionAuth()],
    throttle=[PerTokenThrottle()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("", tickets.router)
api.add_router("", catalog.router)
api.add_router("", faq.router)
