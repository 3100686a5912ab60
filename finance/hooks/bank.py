"""Hooks of the bank area (menu entries, demo seeders), called from FinanceConfig.ready."""


def register() -> None:
    pass
