from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "sportello.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from sportello.search import subscribers  # noqa: F401
