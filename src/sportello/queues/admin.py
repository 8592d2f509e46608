from django.contrib import admin

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
class SalutationAdmin(admin.ModelAdmin[Salutation]):
    list_display = ("name", "valid")


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin[Signature]):
    list_display = ("name", "valid")
