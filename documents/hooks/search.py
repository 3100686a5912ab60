"""Hooks of the search area (menu entries, demo seeders, event handlers), called from DocumentsConfig.ready."""


def register() -> None:
    pass
