"""Admin pages for objects that scoped administrators may edit too.

A full admin (superuser) sees everything. An agent whose role lists the page's area
(``Role.admin_areas``) sees and edits only the objects used by queues of the groups they
hold ``rw`` on, may not add or delete, and may not change which queues use an object.
Every decision comes from ``sportello.accounts.permissions``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from sportello.accounts import permissions


class QueueScopedAdmin(admin.ModelAdmin[Any]):
    admin_area: str = ""
    # The lookup from the model to the queues using it (``queue`` for a signature).
    queue_lookup: str = ""
    # Fields a scoped administrator may not change (the queue assignment).
    scoped_readonly_fields: tuple[str, ...] = ()

    def _full(self, request: HttpRequest) -> bool:
        return permissions.is_full_admin(request.user)

    def _scoped(self, request: HttpRequest) -> bool:
        return self.admin_area in permissions.admin_areas(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._full(request) or self._scoped(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_change_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self._full(request):
            return True
        if not self._scoped(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._full(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._full(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if self._full(request):
            return queryset
        queues = permissions.administered_queues(request.user, self.admin_area)
        return queryset.filter(**{f"{self.queue_lookup}__in": queues}).distinct()

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if self._full(request):
            return fields
        return fields + self.scoped_readonly_fields
