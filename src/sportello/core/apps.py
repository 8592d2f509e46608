from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "sportello.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from sportello.core import cache, db, events, live  # noqa: F401  (subscribes)

        db.install_connection_hooks()
        events.before_dispatch(cache.refresh_before_dispatch)
