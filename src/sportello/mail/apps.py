from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "sportello.mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        # Subscribers register on import; Huey's tasks are found through mail.tasks,
        # so a process that never queues a task does not import Huey (the MTA pipe).
        from sportello.core import cache
        from sportello.mail import autoresponses, feedparser_patterns  # noqa: F401
        from sportello.mail.models import AutoResponse, PostmasterFilter

        # The stdlib feed parser, sped up for every process that parses mail.
        feedparser_patterns.install()
        cache.watch(PostmasterFilter)
        cache.watch(AutoResponse)
        cache.watch(AutoResponse.queues.through)
