from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from sportello.api.v1 import api as api_v1

admin.site.site_header = _("Sportello administration")
admin.site.site_title = _("Sportello administration")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("sportello.portal.urls")),
    path("faq/", include("sportello.portal.public_urls")),
    path("search/", include("sportello.web.search_urls")),
    path("api/v1/", api_v1.urls),
    path("", include("sportello.web.action_urls")),
    path("", include("sportello.web.urls")),
]
