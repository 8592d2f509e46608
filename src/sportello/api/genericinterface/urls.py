"""``/otrs/nph-genericinterface.pl/Webservice/<Name>/<route>`` and the same under
``/znuny/``, by name or by ``WebserviceID/<id>``."""

from django.urls import re_path

from sportello.api.genericinterface.transport import dispatch

app_name = "genericinterface"

_PREFIX = r"^(?:otrs|znuny)/nph-genericinterface\.pl/"

urlpatterns = [
    re_path(_PREFIX + r"Webservice/(?P<name>[^/]+)/?(?P<path>.*)$", dispatch, name="webservice"),
    re_path(
        _PREFIX + r"WebserviceID/(?P<webservice_id>\d+)/?(?P<path>.*)$",
        dispatch,
        name="webservice-id",
    ),
]
