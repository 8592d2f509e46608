from django.contrib.auth import views as auth_views
from django.urls import path

from sportello.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("ticket/<str:number>/", views.ticket_zoom, name="ticket"),
    path("ticket/<str:number>/answer/", views.ticket_answer, name="ticket-answer"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications-read"),
    path("preferences/", views.preferences, name="preferences"),
]
