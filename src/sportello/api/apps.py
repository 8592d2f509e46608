from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "sportello.api"
    label = "api"
    verbose_name = _("REST API")

    def ready(self) -> None:
        from sportello.api import webhooks  # noqa: F401  (subscribes to the events)
        from sportello.api.models import Webhook
        from sportello.core import cache

        cache.watch(Webhook)
        cache.watch(Webhook.queues.through)
