"""Hooks of the rates area (menu entries, demo seeders), called from TaxesConfig.ready."""


def register() -> None:
    pass
