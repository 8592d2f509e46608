from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "sportello.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from django.core.signals import request_finished

        from sportello.ops import logs, metrics

        metrics.register()
        request_finished.connect(logs.clear, dispatch_uid="sportello.ops.logs.clear")
