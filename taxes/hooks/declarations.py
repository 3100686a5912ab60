"""Hooks of the declarations area (the menu entry), called from TaxesConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from core.navigation import MenuItem
    from core.navigation import register as add

    add(MenuItem("taxes-declarations", _("Tax declarations"), "taxes:declaration-list", "taxes.view_declaration", 71))
