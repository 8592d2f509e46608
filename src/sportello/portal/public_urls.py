"""The public FAQ at ``/faq/``: no login, public articles only."""

from django.urls import path

from sportello.portal.views import faq

app_name = "faq"

urlpatterns = [
    path("", faq.public_faq, name="index"),
    path("feed.atom", faq.public_feed, name="feed"),
    path("sitemap.xml", faq.public_sitemap, name="sitemap"),
    path("<int:number>/", faq.public_redirect, name="short"),
    path("<int:number>-<slug:slug>/", faq.public_article, name="article"),
    path("<int:number>/rate/", faq.public_rate, name="rate"),
    path("<int:number>/attachment/<int:pk>/", faq.public_attachment, name="attachment"),
]
