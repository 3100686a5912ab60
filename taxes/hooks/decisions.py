"""Hooks of the decisions area (the receipt handler for documents handed over by taxes, the menu entry), called
from TaxesConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from core.navigation import MenuItem
    from core.navigation import register as register_menu
    from documents.events import register_receipt_handler
    from taxes.services.decisions import on_receipt

    register_receipt_handler("taxes", on_receipt)
    register_menu(MenuItem("taxes-decisions", _("Tax decisions"), "taxes:decision-list", "taxes.assess_taxes", 84))
