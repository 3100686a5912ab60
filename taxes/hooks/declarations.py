"""Hooks of the declarations area (menu entries, demo seeders), called from TaxesConfig.ready."""


def register() -> None:
    pass
