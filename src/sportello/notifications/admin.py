from django.contrib import admin

from sportello.notifications.models import CustomerNotification, Notification


@admin.register(CustomerNotification)
class CustomerNotificationAdmin(admin.ModelAdmin[CustomerNotification]):
    list_display = ("name", "type", "language", "valid")
    list_filter = ("type", "language", "valid")
    filter_horizontal = ("queues",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("created", "agent", "type", "text", "read_at")
    list_filter = ("type",)
    list_select_related = ("agent",)
    readonly_fields = ("agent", "ticket", "type", "text", "created", "read_at")

    def has_add_permission(self, request: object) -> bool:
        return False
