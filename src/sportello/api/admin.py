from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sportello.api.models import Webhook, WebhookDelivery, WebhookEvent


class WebhookForm(forms.ModelForm[Webhook]):
    """The secret is stored encrypted and never shown again; left empty it stays."""

    events = forms.MultipleChoiceField(
        label=_("events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        strip=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "The key of the HMAC-SHA256 signature in the X-Sportello-Signature header. "
            "Stored encrypted; leave empty to keep the current one."
        ),
    )

    class Meta:
        model = Webhook
        fields = ["name", "url", "secret", "events", "queues", "valid"]

    def clean_secret(self) -> str:
        value: str = self.cleaned_data.get("secret") or ""
        if value:
            return value
        if self.instance.pk:
            return self.instance.secret
        raise forms.ValidationError(_("Enter a secret."))


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin[Webhook]):
    form = WebhookForm
    list_display = ("name", "url", "valid")
    list_filter = ("valid",)
    search_fields = ("name", "url")
    filter_horizontal = ("queues",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    """Read-only: the delivery log."""

    list_display = ("created", "webhook", "event", "ticket_number", "status", "attempts",
                    "response_status")  # fmt: skip
    list_filter = ("status", "event", "webhook")
    list_select_related = ("webhook",)
    search_fields = ("ticket_number",)
    date_hierarchy = "created"

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


# The GenericInterface's admin pages live with its package; the admin's autodiscovery
# imports this module only (never the mail pipe's lean set-up).
from sportello.api.genericinterface import admin as _genericinterface_admin  # noqa: E402, F401
