from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

from sportello.accounts import permissions


class SportelloAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        # Staff as usual, and agents whose role grants an administration area (the
        # mini-admin), who then see only the pages of their areas.
        user = request.user
        if not user.is_active:
            return False
        return bool(user.is_staff) or bool(permissions.admin_areas(user))


class SportelloAdminConfig(AdminConfig):
    default_site = "sportello.accounts.admin_site.SportelloAdminSite"
