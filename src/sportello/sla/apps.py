from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sportello.sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from sportello.sla import subscribers  # noqa: F401
