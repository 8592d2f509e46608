from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from sportello.kb.models import Category, FaqItem


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("full_name", "comment", "valid")
    list_filter = ("valid",)
    search_fields = ("full_name",)
    filter_horizontal = ("groups",)
    fields = ("name", "parent", "comment", "groups", "valid")


@admin.register(FaqItem)
class FaqItemAdmin(admin.ModelAdmin[FaqItem]):
    """Read-only here: articles change through the FAQ pages, which keep versions and the
    history."""

    list_display = ("number", "title", "category", "visibility", "language", "valid")
    list_filter = ("visibility", "language", "valid")
    search_fields = ("number", "title")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: FaqItem | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: FaqItem | None = None) -> bool:
        return False
