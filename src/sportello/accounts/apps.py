from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sportello.accounts"
    verbose_name = _("Agents")

    def ready(self) -> None:
        from sportello.accounts import selectors
        from sportello.accounts.models import Group, User
        from sportello.core import actor, cache

        actor.use_system_user(selectors.system_user)

        # Only the system user is cached: logins of other agents must not clear the cache.
        cache.watch(User, when=lambda user: user.is_system)
        cache.watch(User.my_queues.through)
        cache.watch(Group)
