"""URLs of the ticket and article action dialogs (lock, note, merge, split, …)."""

from django.urls import path  # noqa: F401

app_name = "actions"

urlpatterns: list = []
