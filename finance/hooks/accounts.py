"""Hooks of the accounts area (menu entries, demo seeders), called from FinanceConfig.ready."""


def register() -> None:
    pass
