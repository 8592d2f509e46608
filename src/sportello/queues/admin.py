from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from sportello.accounts.admin_scopes import QueueScopedAdmin
from sportello.accounts.models import AdminArea
from sportello.core.errors import InvalidInput
from sportello.queues import services
from sportello.queues.models import Queue, Salutation, Signature, SystemAddress
from sportello.tickets.rich_text_admin import RichTextAdminForm


class QueueForm(forms.ModelForm[Queue]):
    """Name and parent checked by the queue service (a clear error, not a failed save).
    The admin builds the form's fields from the model (``ModelAdmin.get_form``)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "name" not in data:
            return data  # already refused as empty
        try:
            services.check_change(self.instance, data.get("name") or "", data.get("parent"))
        except InvalidInput as error:
            raise forms.ValidationError(str(error)) from None
        return data


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin[Queue]):
    form = QueueForm
    list_display = ("full_name", "group", "system_address", "follow_up_policy", "valid")
    list_select_related = ("group", "system_address")
    search_fields = ("full_name",)
    readonly_fields = ("full_name",)

    def save_model(self, request: HttpRequest, obj: Queue, form: Any, change: bool) -> None:
        # A renamed or moved queue takes its sub-queues' full names along.
        if change:
            services.rename_queue(obj, obj.name, parent=obj.parent)
        else:
            super().save_model(request, obj, form, change)


@admin.register(SystemAddress)
class SystemAddressAdmin(admin.ModelAdmin[SystemAddress]):
    list_display = ("email", "display_name", "queue", "valid")
    list_select_related = ("queue",)
    search_fields = ("email", "display_name")


@admin.register(Salutation)
class SalutationAdmin(QueueScopedAdmin):
    form = RichTextAdminForm
    list_display = ("name", "valid")
    admin_area = AdminArea.SALUTATIONS
    queue_lookup = "queue"


@admin.register(Signature)
class SignatureAdmin(QueueScopedAdmin):
    form = RichTextAdminForm
    list_display = ("name", "valid")
    admin_area = AdminArea.SIGNATURES
    queue_lookup = "queue"
