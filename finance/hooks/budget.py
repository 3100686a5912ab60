"""Hooks of the budget area (menu entries), called from FinanceConfig.ready."""

from django.utils.translation import gettext_lazy as _

from core.navigation import MenuItem
from core.navigation import register as register_menu


def register() -> None:
    register_menu(
        MenuItem("finance-budget", _("Budget plan and Rb-27S"), "finance:budget-plan", "finance.manage_budget", 62)
    )
    register_menu(
        MenuItem("finance-dashboard", _("Finance dashboard"), "finance:budget-dashboard", "finance.manage_budget", 61)
    )
