"""The search page's URLs (namespace ``search``): the page, its exports and saved searches."""

from django.urls import path

from sportello.web.views import search as views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("templates/save/", views.template_save, name="template-save"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template-delete"),
]
