"""Hooks of the ledger area (menu entries), called from FinanceConfig.ready."""

from django.utils.translation import gettext_lazy as _

from core.navigation import MenuItem
from core.navigation import register as register_menu


def register() -> None:
    register_menu(
        MenuItem("finance-ledger", _("General ledger"), "finance:ledger-trial-balance", "finance.manage_ledger", 64)
    )
    register_menu(MenuItem("finance-refunds", _("Refund orders"), "finance:refunds", "finance.manage_refunds", 63))
