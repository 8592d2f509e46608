from django.contrib import admin

from sportello.customers.models import CustomerCompany, CustomerUser


@admin.register(CustomerCompany)
class CustomerCompanyAdmin(admin.ModelAdmin[CustomerCompany]):
    list_display = ("customer_id", "name", "city", "portal_shows_company_tickets", "valid")
    search_fields = ("customer_id", "name")


@admin.register(CustomerUser)
class CustomerUserAdmin(admin.ModelAdmin[CustomerUser]):
    list_display = ("login", "email", "first_name", "last_name", "company", "source", "valid")
    list_filter = ("source", "valid")
    exclude = ("password",)
    readonly_fields = ("last_login",)
    search_fields = ("login", "email", "first_name", "last_name")
    list_select_related = ("company",)
