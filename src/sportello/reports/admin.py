from __future__ import annotations

from django.contrib import admin

from sportello.reports.models import ReportSchedule, ScheduleRun, Statistic


@admin.register(Statistic)
class StatisticAdmin(admin.ModelAdmin[Statistic]):
    list_display = ("name", "kind", "valid", "changed", "changed_by")
    list_filter = ("kind", "valid")
    search_fields = ("name",)
    readonly_fields = ("created", "created_by", "changed", "changed_by")


class ScheduleRunInline(admin.TabularInline[ScheduleRun, ReportSchedule]):
    """The last deliveries (newest first), read only."""

    model = ScheduleRun
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("-started",)
    readonly_fields = ("due", "started", "recipients", "ok", "error")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).order_by("-started")


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin[ReportSchedule]):
    list_display = ("statistic", "frequency", "time", "time_zone", "next_run", "valid")
    list_filter = ("frequency", "valid")
    filter_horizontal = ("agents",)
    readonly_fields = ("next_run",)
    inlines = [ScheduleRunInline]


@admin.register(ScheduleRun)
class ScheduleRunAdmin(admin.ModelAdmin[ScheduleRun]):
    list_display = ("schedule", "due", "started", "ok", "error")
    list_filter = ("ok",)
    readonly_fields = ("schedule", "due", "started", "recipients", "ok", "error")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
