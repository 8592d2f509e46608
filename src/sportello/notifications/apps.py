from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "sportello.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from sportello.notifications import subscribers  # noqa: F401
