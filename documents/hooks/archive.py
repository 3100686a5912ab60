"""Hooks of the archive area (menu entries, demo seeders, event handlers), called from DocumentsConfig.ready."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from core.navigation import MenuItem
    from core.navigation import register as add

    add(MenuItem("documents-archive", _("Office archive"), "documents:archive", "documents.manage_archive", 48))
