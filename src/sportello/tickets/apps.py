from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "sportello.tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from sportello.core import cache
        from sportello.tickets.models import DynamicField, Priority, State, TicketType

        for model in (State, Priority, TicketType, DynamicField):
            cache.watch(model)
