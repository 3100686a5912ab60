"""Hooks of the search area (menu entries, demo seeders, event handlers), called from DocumentsConfig.ready."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from core.navigation import MenuItem
    from core.navigation import register as add

    # Everyone who sees cases also holds view_incomingentry (clerks, heads, registry); results are filtered anyway.
    add(
        MenuItem("documents-search", _("Search cases and mail"), "documents:search", "documents.view_incomingentry", 49)
    )
