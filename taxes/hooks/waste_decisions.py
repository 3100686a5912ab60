"""Hooks of the waste fee decisions (ucpg art. 6o), called from TaxesConfig.ready: the receipt handler that records
the delivery of a decision handed over to EZD (refs ``waste-decision:<id>``; the tax decisions' handler ignores them
and this one ignores theirs)."""

from __future__ import annotations


def register() -> None:
    from documents.events import register_receipt_handler
    from taxes.services.waste_decisions import on_waste_decision_receipt

    register_receipt_handler("taxes", on_waste_decision_receipt)
