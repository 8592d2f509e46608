from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sportello.sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from sportello.core import cache
        from sportello.sla import subscribers  # noqa: F401
        from sportello.sla.models import SLA, Calendar, Holiday, Service, WorkingHours

        # Service-level configuration, read for every due-time recomputation.
        for model in (Calendar, WorkingHours, Holiday, SLA, Service):
            cache.watch(model)
