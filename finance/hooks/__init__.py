"""Registrations of the finance app, one module per area, each with ``register()``."""

from finance.hooks import accounts, bank, ledger


def register() -> None:
    for area in (accounts, bank, ledger):
        area.register()
