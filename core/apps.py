from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core: parties, addresses, organisation, audit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import navigation, roles

        roles.register_core_permissions()
        navigation.register_core_menu()
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="core.sync_roles")


def _sync_roles_after_migrate(sender, app_config=None, using="default", **kwargs):
    """After the last app's post_migrate (when every permission exists), make role groups match."""
    from django.apps import apps

    if app_config is None or app_config is not list(apps.get_app_configs())[-1]:
        return
    from core.reference import reference_sync
    from core.services.roles import roles_sync

    roles_sync()
    reference_sync()
