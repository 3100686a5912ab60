"""Hooks of the dispatch area (menu entries, demo seeders, event handlers), called from DocumentsConfig.ready."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from core.navigation import MenuItem
    from core.navigation import register as menu_register
    from documents.services.receipts import electronic_receipt_attach
    from epuap.events import register_delivery_handler

    register_delivery_handler(electronic_receipt_attach)
    menu_register(
        MenuItem("documents-dispatch", _("Dispatch desk"), "documents:dispatch-desk", "documents.dispatch_mail", 46)
    )
    menu_register(
        MenuItem(
            "documents-receipts", _("Delivery receipts"), "documents:receipt-list", "documents.register_receipt", 47
        )
    )
