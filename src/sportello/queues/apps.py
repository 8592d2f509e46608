from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QueuesConfig(AppConfig):
    name = "sportello.queues"
    verbose_name = _("Queues")

    def ready(self) -> None:
        from sportello.core import cache
        from sportello.queues.models import Queue, SystemAddress

        cache.watch(Queue)
        cache.watch(SystemAddress)
