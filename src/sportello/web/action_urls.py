"""URLs of the ticket and article action dialogs (lock, note, merge, split, …)."""

from django.urls import path

from sportello.web.views import ticket_actions as views

app_name = "actions"

urlpatterns = [
    path("ticket/<str:number>/history/", views.history, name="history"),
    path("ticket/<str:number>/do/<slug:name>/", views.simple_action, name="simple"),
    path("ticket/<str:number>/undo/", views.undo, name="undo"),
    path("ticket/<str:number>/action/<slug:name>/", views.dialog_view, name="dialog"),
    path("ticket/<str:number>/open/<slug:name>/", views.open_dialog, name="open"),
    path("ticket/<str:number>/article-action/", views.article_pick, name="article-pick"),
    path(
        "ticket/<str:number>/article/<int:article_number>/action/<slug:name>/",
        views.dialog_view,
        name="article-dialog",
    ),
    path(
        "ticket/<str:number>/article/<int:article_number>/action/<slug:name>/open/",
        views.open_dialog,
        name="article-open",
    ),
]
