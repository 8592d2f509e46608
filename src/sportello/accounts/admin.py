from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from sportello.accounts.models import AgentDefaults, Group, User, time_zones


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
    form = AgentForm
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
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


@admin.register(AgentDefaults)
class AgentDefaultsAdmin(admin.ModelAdmin[AgentDefaults]):
    """One row: the language, time zone, refresh interval and skin of new agents."""

    form = AgentDefaultsForm

    list_display = ("__str__", "language", "time_zone", "refresh_seconds", "skin")

    def has_add_permission(self, request: object) -> bool:
        return not AgentDefaults.objects.exists()

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
