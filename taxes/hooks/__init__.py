"""Registrations of the taxes app, one module per area, each with ``register()``."""

from taxes.hooks import declarations, rates
from taxes.hooks import register as register_area


def register() -> None:
    for area in (rates, register_area, declarations):
        area.register()
