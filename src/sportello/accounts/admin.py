from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from sportello.accounts import permissions
from sportello.accounts.models import (
    AdminArea,
    AgentDefaults,
    AgentGrant,
    Group,
    Role,
    RoleGrant,
    User,
    time_zones,
)


class AgentGrantInline(admin.TabularInline[AgentGrant, User]):
    model = AgentGrant
    extra = 0
    verbose_name = _("permission on a group")
    verbose_name_plural = _("permissions on groups")


def _language_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("language"),
        choices=[("", _("as the browser asks")), *settings.LANGUAGES],
        required=False,
    )


def _time_zone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("time zone"),
        choices=[("", _("the server's time zone")), *((z, z) for z in time_zones())],
        required=False,
    )


class AgentForm(UserChangeForm[User]):
    language = _language_field()
    time_zone = _time_zone_field()


class AgentDefaultsForm(forms.ModelForm[AgentDefaults]):
    language = _language_field()
    time_zone = _time_zone_field()

    class Meta:
        model = AgentDefaults
        fields = ("language", "time_zone", "refresh_seconds", "skin")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [AgentGrantInline]
    form = AgentForm
    list_display = (
        "username",
        "first_name",
        "last_name",
        "email",
        "auth_source",
        "is_active",
        "is_staff",
    )
    list_filter = (*BaseUserAdmin.list_filter, "auth_source")
    # Directory and single sign-on set it; the admin sees where an agent comes from.
    readonly_fields = ("auth_source",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Identity source"), {"fields": ("auth_source",)}),
        (
            _("Preferences"),
            {
                "fields": (
                    "language",
                    "time_zone",
                    "name_suffix",
                    "refresh_seconds",
                    "skin",
                    "out_of_office_start",
                    "out_of_office_end",
                )
            },
        ),
    )

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        # Agents appear in ticket history; deactivate them instead.
        return False


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin[Group]):
    list_display = ("name", "comment", "valid")
    search_fields = ("name",)


class RoleGrantInline(admin.TabularInline[RoleGrant, Role]):
    model = RoleGrant
    extra = 0
    verbose_name = _("permission on a group")
    verbose_name_plural = _("permissions on groups")


class RoleForm(forms.ModelForm[Role]):
    admin_areas = forms.MultipleChoiceField(
        label=_("administration areas"),
        choices=AdminArea.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Areas its agents may administer for the queues of their rw groups."),
    )

    class Meta:
        model = Role
        fields = ("name", "comment", "valid", "agents", "admin_areas")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
    form = RoleForm
    list_display = ("name", "comment", "valid")
    search_fields = ("name",)
    filter_horizontal = ("agents",)
    inlines = [RoleGrantInline]

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Grants changed: the acting admin's cached view of them is stale.
        permissions.forget(request.user)


@admin.register(AgentDefaults)
class AgentDefaultsAdmin(admin.ModelAdmin[AgentDefaults]):
    """One row: the language, time zone, refresh interval and skin of new agents."""

    form = AgentDefaultsForm

    list_display = ("__str__", "language", "time_zone", "refresh_seconds", "skin")

    def has_add_permission(self, request: object) -> bool:
        return not AgentDefaults.objects.exists()

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
