"""Registrations of the finance app, one module per area, each with ``register()``."""

from finance.hooks import accounts, bank, budget, cash, certificates, ledger, reminders, titles


def register() -> None:
    for area in (accounts, bank, ledger, reminders, titles, certificates, cash, budget):
        area.register()
