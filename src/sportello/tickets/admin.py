"""Admin for the ticket vocabulary. Tickets, articles and history are read-only here:
every change to a ticket goes through the actions layer."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sportello.tickets.models import DynamicField, History, Priority, State, Ticket, TicketType


@admin.register(State)
class StateAdmin(admin.ModelAdmin[State]):
    list_display = ("name", "type", "valid")
    list_filter = ("type", "valid")


@admin.register(Priority)
class PriorityAdmin(admin.ModelAdmin[Priority]):
    list_display = ("name", "color", "valid")


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin[TicketType]):
    list_display = ("name", "valid")


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "title",
        "queue",
        "state",
        "priority",
        "owner",
        "changed",
        "sla",
        "first_response_due",
        "update_due",
        "solution_due",
    )
    list_select_related = ("queue", "state", "priority", "owner", "sla")
    search_fields = ("number", "title")
    list_filter = ("state", "priority")
    show_full_result_count = False


@admin.register(History)
class HistoryAdmin(ReadOnlyAdmin):
    list_display = ("created", "ticket", "type", "actor_name", "channel")
    list_select_related = ("ticket",)
    list_filter = ("type", "channel")
    search_fields = ("ticket__number",)
    show_full_result_count = False


@admin.register(DynamicField)
class DynamicFieldAdmin(admin.ModelAdmin[DynamicField]):
    """Fields are defined here; their values change only through the actions layer."""

    list_display = ("name", "object_type", "field_type", "required", "order", "valid")
    list_filter = ("object_type", "field_type", "valid")
    search_fields = ("name",)
