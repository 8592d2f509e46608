from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "sportello.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        # The GenericInterface's admin pages live with its package.
        from sportello.api.genericinterface import admin  # noqa: F401
