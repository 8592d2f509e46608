from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sportello.portal import services
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
    readonly_fields = ("faq_statistics",)

    @admin.display(description=_("FAQ suggestions opened"))
    def faq_statistics(self, obj: RequestForm) -> str:
        if obj.pk is None:
            return "-"
        figures = services.faq_suggestion_statistics(obj)
        return str(
            _("opened and left: %(left)s; opened and still sent: %(sent)s")
            % {"left": figures.left, "sent": figures.sent}
        )


@admin.register(PendingSubmission)
class PendingSubmissionAdmin(admin.ModelAdmin[PendingSubmission]):
    list_display = ("email", "title", "form", "created", "ticket")
    readonly_fields = ("form", "email", "name", "title", "body", "language", "created", "ticket")
