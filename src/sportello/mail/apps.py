from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "sportello.mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        # Subscribers register on import.
        from sportello.mail import autoresponses, outbox_tasks  # noqa: F401
