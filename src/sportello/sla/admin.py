from __future__ import annotations

from typing import Any

from django.contrib import admin

from sportello.sla.models import SLA, Calendar, EscalationNotice, Holiday, Service, WorkingHours


class WorkingHoursInline(admin.TabularInline[WorkingHours, Calendar]):
    model = WorkingHours
    extra = 1


class HolidayInline(admin.TabularInline[Holiday, Calendar]):
    model = Holiday
    extra = 1


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin[Calendar]):
    list_display = (
        "name",
        "time_zone",
        "holiday_country",
        "holiday_subdivision",
        "is_default",
        "valid",
    )
    list_filter = ("valid", "is_default")
    search_fields = ("name",)
    readonly_fields = ("changed",)
    inlines = [WorkingHoursInline, HolidayInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin[Service]):
    list_display = ("full_name", "sla", "valid")
    list_select_related = ("sla",)
    list_filter = ("valid",)
    search_fields = ("full_name",)
    readonly_fields = ("full_name",)


@admin.register(SLA)
class SLAAdmin(admin.ModelAdmin[SLA]):
    list_display = (
        "name",
        "first_response_minutes",
        "update_minutes",
        "solution_minutes",
        "warning_percent",
        "calendar",
        "valid",
    )
    list_select_related = ("calendar",)
    list_filter = ("valid",)
    search_fields = ("name",)


@admin.register(EscalationNotice)
class EscalationNoticeAdmin(admin.ModelAdmin[EscalationNotice]):
    """Read-only: what the escalation sweep told, and what it could not deliver."""

    list_display = ("ticket", "kind", "created", "delivered", "attempts")
    list_filter = ("kind",)
    list_select_related = ("ticket",)
    readonly_fields = ("ticket", "kind", "created", "delivered", "attempts")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
