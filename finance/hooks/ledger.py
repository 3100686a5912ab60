"""Hooks of the ledger area (menu entries, demo seeders), called from FinanceConfig.ready."""


def register() -> None:
    pass
