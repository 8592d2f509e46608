from django.contrib import admin

from sportello.accounts.admin_scopes import QueueScopedAdmin
from sportello.accounts.models import AdminArea
from sportello.queues.models import Queue, Salutation, Signature, SystemAddress


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin[Queue]):
    list_display = ("full_name", "group", "system_address", "follow_up_policy", "valid")
    list_select_related = ("group", "system_address")
    search_fields = ("full_name",)
    readonly_fields = ("full_name",)


@admin.register(SystemAddress)
class SystemAddressAdmin(admin.ModelAdmin[SystemAddress]):
    list_display = ("email", "display_name", "queue", "valid")
    list_select_related = ("queue",)
    search_fields = ("email", "display_name")


@admin.register(Salutation)
class SalutationAdmin(QueueScopedAdmin):
    list_display = ("name", "valid")
    admin_area = AdminArea.SALUTATIONS
    queue_lookup = "queue"


@admin.register(Signature)
class SignatureAdmin(QueueScopedAdmin):
    list_display = ("name", "valid")
    admin_area = AdminArea.SIGNATURES
    queue_lookup = "queue"
