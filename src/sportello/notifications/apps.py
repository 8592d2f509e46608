from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "sportello.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from sportello.core import cache
        from sportello.notifications import subscribers  # noqa: F401
        from sportello.notifications.models import CustomerNotification

        cache.watch(CustomerNotification)
        cache.watch(CustomerNotification.queues.through)
