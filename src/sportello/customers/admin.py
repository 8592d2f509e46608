from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from sportello.customers.models import CustomerCompany, CustomerSource, CustomerUser


@admin.register(CustomerCompany)
class CustomerCompanyAdmin(admin.ModelAdmin[CustomerCompany]):
    list_display = ("customer_id", "name", "city", "portal_shows_company_tickets", "valid")
    search_fields = ("customer_id", "name")


class CustomerUserForm(forms.ModelForm[CustomerUser]):
    new_password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the current password. Not used for LDAP customers."),
    )

    class Meta:
        model = CustomerUser
        fields = (
            "login", "email", "first_name", "last_name", "phone", "company", "language",
            "source", "valid",
        )  # fmt: skip

    def clean_new_password(self) -> str:
        password: str = self.cleaned_data.get("new_password") or ""
        if password:
            validate_password(password, self.instance)  # type: ignore[arg-type]
        return password

    def save(self, commit: bool = True) -> CustomerUser:
        customer = super().save(commit=False)
        password = self.cleaned_data.get("new_password")
        if password and customer.source == CustomerSource.DATABASE:
            customer.set_password(password)
        elif not customer.password:
            customer.set_unusable_password()
        if commit:
            customer.save()
        return customer


@admin.register(CustomerUser)
class CustomerUserAdmin(admin.ModelAdmin[CustomerUser]):
    form = CustomerUserForm
    list_display = ("login", "email", "first_name", "last_name", "company", "source", "valid")
    list_filter = ("source", "valid")
    search_fields = ("login", "email", "first_name", "last_name")
    list_select_related = ("company",)
    readonly_fields = ("last_login",)
