"""Hooks of the changes area (the menu entry of the changing / ending decisions), called from TaxesConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from core.navigation import MenuItem
    from core.navigation import register as register_menu

    item = MenuItem("taxes-changes", _("Changes during the year"), "taxes:change-list", "taxes.assess_taxes", 85)
    register_menu(item)
