"""Hooks of the register area (menu entries, demo seeders), called from TaxesConfig.ready."""


def register() -> None:
    pass
