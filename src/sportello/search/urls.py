from django.urls import path

from sportello.search import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("templates/save/", views.template_save, name="template-save"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template-delete"),
]
