"""Hooks of the titles area (menu entries), called from FinanceConfig.ready."""

from django.utils.translation import gettext_lazy as _

from core.navigation import MenuItem
from core.navigation import register as register_menu


def register() -> None:
    register_menu(
        MenuItem("finance-titles", _("Enforcement titles"), "finance:titles", "finance.manage_collection", 67)
    )
