from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sportello.accounts.admin_scopes import QueueScopedAdmin
from sportello.accounts.models import AdminArea
from sportello.mail.models import (
    RETRYABLE,
    AutoResponse,
    FailedMail,
    MailAccount,
    OutboxMessage,
    OutboxStatus,
    PostmasterFilter,
    StandardTemplate,
    TemplateAttachment,
)
from sportello.mail.outbox import retry_now
from sportello.mail.retry import retry_failed_mail
from sportello.tickets.rich_text_admin import RichTextAdminForm


class MailAccountForm(forms.ModelForm[MailAccount]):
    """The password is stored encrypted and never sent back to the browser: the field
    stays empty (a mask shows one is set), and left empty keeps the stored one."""

    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted. Leave empty to keep the current password."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.password:
            self.fields["password"].widget.attrs["placeholder"] = "••••••••"

    def clean_password(self) -> str:
        value: str = self.cleaned_data.get("password") or ""
        if value:
            return value
        if self.instance.pk:
            return self.instance.password
        raise forms.ValidationError(_("Enter the account's password."))


@admin.register(MailAccount)
class MailAccountAdmin(admin.ModelAdmin[MailAccount]):
    form = MailAccountForm
    list_display = ("name", "type", "host", "username", "queue", "valid", "last_fetch")
    list_filter = ("type", "valid")
    readonly_fields = ("last_fetch", "last_error")


@admin.register(PostmasterFilter)
class PostmasterFilterAdmin(admin.ModelAdmin[PostmasterFilter]):
    list_display = ("name", "order", "stop", "valid")
    list_editable = ("order", "valid")
    list_display_links = ("name",)


@admin.register(FailedMail)
class FailedMailAdmin(admin.ModelAdmin[FailedMail]):
    list_display = (
        "received",
        "status",
        "from_address",
        "subject",
        "ticket_number",
        "size",
        "attempts",
        "source",
    )
    list_filter = ("status",)
    search_fields = ("from_address", "subject", "message_id", "ticket_number")
    readonly_fields = [f.name for f in FailedMail._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Retry the selected messages"))
    def retry(self, request: HttpRequest, queryset: QuerySet[FailedMail]) -> None:
        retryable = list(queryset.filter(status__in=RETRYABLE))
        done = sum(1 for failed in retryable if retry_failed_mail(failed) is not None)
        failed = len(retryable) - done
        self.message_user(
            request,
            ngettext("%(count)d message filed.", "%(count)d messages filed.", done)
            % {"count": done},
            messages.SUCCESS,
        )
        if failed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message failed again.", "%(count)d messages failed again.", failed
                )
                % {"count": failed},
                messages.WARNING,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        obj.raw.delete(save=False)
        super().delete_model(request, obj)


class TemplateAttachmentInline(admin.TabularInline[TemplateAttachment, StandardTemplate]):
    model = TemplateAttachment
    extra = 0


@admin.register(StandardTemplate)
class StandardTemplateAdmin(QueueScopedAdmin):
    form = RichTextAdminForm
    admin_area = AdminArea.TEMPLATES
    queue_lookup = "queues"
    scoped_readonly_fields = ("queues",)
    list_display = ("name", "type", "valid")
    list_filter = ("type", "valid")
    filter_horizontal = ("queues",)
    inlines = [TemplateAttachmentInline]


@admin.register(AutoResponse)
class AutoResponseAdmin(QueueScopedAdmin):
    admin_area = AdminArea.AUTO_RESPONSES
    queue_lookup = "queues"
    scoped_readonly_fields = ("queues",)
    list_display = ("name", "type", "language", "valid")
    list_filter = ("type", "language", "valid")
    filter_horizontal = ("queues",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = (
        "created",
        "kind",
        "primary_recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("primary_recipient", "message_id")
    exclude = ("raw",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name != "raw"]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Send the selected messages again now"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        for message in queryset.exclude(status=OutboxStatus.SENT):
            retry_now(message)
        self.message_user(request, _("Queued for sending."), messages.SUCCESS)
