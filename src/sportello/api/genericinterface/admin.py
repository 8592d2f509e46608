"""Webservices in the admin: a name and its operations with their routes, as in
Znuny's webservice configuration (the built-in connector needs no row)."""

from __future__ import annotations

from django.contrib import admin

from sportello.api.genericinterface.models import Webservice, WebserviceOperation


class OperationInline(admin.TabularInline[WebserviceOperation, Webservice]):
    model = WebserviceOperation
    extra = 1
    fields = ("name", "type", "methods", "route", "include_ticket_data")


@admin.register(Webservice)
class WebserviceAdmin(admin.ModelAdmin[Webservice]):
    list_display = ("name", "valid", "comment")
    search_fields = ("name",)
    inlines = (OperationInline,)
