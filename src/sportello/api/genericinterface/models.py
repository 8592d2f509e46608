"""Admin-defined webservices (a name and its route → operation map, as in Znuny's
webservice YAML) and GenericInterface sessions (only a digest of the SessionID kept)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OperationType(models.TextChoices):
    SESSION_CREATE = "Session::SessionCreate", "Session::SessionCreate"
    SESSION_GET = "Session::SessionGet", "Session::SessionGet"
    SESSION_REMOVE = "Session::SessionRemove", "Session::SessionRemove"
    TICKET_CREATE = "Ticket::TicketCreate", "Ticket::TicketCreate"
    TICKET_GET = "Ticket::TicketGet", "Ticket::TicketGet"
    TICKET_SEARCH = "Ticket::TicketSearch", "Ticket::TicketSearch"
    TICKET_UPDATE = "Ticket::TicketUpdate", "Ticket::TicketUpdate"
    TICKET_HISTORY_GET = "Ticket::TicketHistoryGet", "Ticket::TicketHistoryGet"


class Webservice(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    comment = models.CharField(_("comment"), max_length=250, blank=True)
    valid = models.BooleanField(_("valid"), default=True)

    class Meta:
        app_label = "api"
        verbose_name = _("GenericInterface webservice")
        verbose_name_plural = _("GenericInterface webservices")

    def __str__(self) -> str:
        return self.name


class WebserviceOperation(models.Model):
    """One operation of a webservice and the route that reaches it (Znuny's
    ``Provider → Operation`` and ``Transport → RouteOperationMapping`` in one row)."""

    webservice = models.ForeignKey(
        Webservice,
        on_delete=models.CASCADE,
        related_name="operations",
        verbose_name=_("webservice"),
    )
    name = models.CharField(_("operation name"), max_length=100)
    type = models.CharField(_("operation type"), max_length=40, choices=OperationType.choices)
    route = models.CharField(
        _("route"),
        max_length=300,
        help_text=_("A path such as /Ticket/:TicketID; :Name takes one path segment."),
    )
    methods = models.CharField(
        _("request methods"),
        max_length=100,
        default="GET",
        help_text=_("Comma-separated HTTP methods, such as GET or POST,PUT."),
    )
    include_ticket_data = models.BooleanField(
        _("include ticket data"),
        default=False,
        help_text=_("TicketCreate and TicketUpdate answer with the ticket as well."),
    )

    class Meta:
        app_label = "api"
        verbose_name = _("webservice operation")
        verbose_name_plural = _("webservice operations")
        constraints = [
            models.UniqueConstraint(
                fields=["webservice", "name"], name="api_webservice_operation_name_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.methods} {self.route})"


class GenericInterfaceSession(models.Model):
    """A SessionID of SessionCreate: for an agent or a customer user (by login)."""

    digest = models.CharField(_("digest"), max_length=64, unique=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    customer_login = models.CharField(_("customer user"), max_length=250, blank=True)
    created = models.DateTimeField(_("created"))
    expires = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        app_label = "api"
        verbose_name = _("GenericInterface session")
        verbose_name_plural = _("GenericInterface sessions")

    def __str__(self) -> str:
        return f"{self.agent or self.customer_login} ({self.created:%Y-%m-%d %H:%M})"
