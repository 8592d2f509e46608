from django.contrib import admin

from sportello.portal.models import PendingSubmission, RequestForm, RequestFormField


class RequestFormFieldInline(admin.TabularInline[RequestFormField, RequestForm]):
    model = RequestFormField
    extra = 0


@admin.register(RequestForm)
class RequestFormAdmin(admin.ModelAdmin[RequestForm]):
    list_display = ("name", "slug", "queue", "ticket_type", "allow_anonymous", "valid")
    list_filter = ("valid", "allow_anonymous")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [RequestFormFieldInline]


@admin.register(PendingSubmission)
class PendingSubmissionAdmin(admin.ModelAdmin[PendingSubmission]):
    list_display = ("email", "title", "form", "created", "ticket")
    readonly_fields = ("form", "email", "name", "title", "body", "language", "created", "ticket")
