"""Hooks of the cases area (menu entries, demo seeders, event handlers), called from DocumentsConfig.ready."""

from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_reference_data(sender, using="default", **kwargs) -> None:
    """After migrate: insert the missing deadline rules, and the demo JRWA if there is no JRWA at all."""
    from documents.models import DeadlineRule, JrwaVersion
    from documents.services.deadlines import deadline_rules_sync
    from documents.services.jrwa import jrwa_sync_demo

    tables = set(connections[using].introspection.table_names())
    if not {DeadlineRule._meta.db_table, JrwaVersion._meta.db_table} <= tables:
        return  # documents not migrated (yet) on this database
    if using != "default":
        return
    deadline_rules_sync()
    jrwa_sync_demo()


def register() -> None:
    from django.apps import apps

    from core.navigation import MenuItem
    from core.navigation import register as register_menu

    post_migrate.connect(
        _sync_reference_data, sender=apps.get_app_config("documents"), dispatch_uid="documents.cases.reference_data"
    )
    register_menu(MenuItem("documents-cases", _("Cases"), "documents:case-list", "documents.view_case", 32))
    register_menu(MenuItem("documents-jrwa", _("JRWA"), "documents:jrwa-list", "documents.view_jrwaclass", 38))
