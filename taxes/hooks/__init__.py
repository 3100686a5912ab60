"""Registrations of the taxes app, one module per area, each with ``register()``."""

from taxes.hooks import assessment as assessment_area
from taxes.hooks import changes as changes_area
from taxes.hooks import decisions as decisions_area
from taxes.hooks import declarations, rates, waste_decisions, waste_demo, waste_menu
from taxes.hooks import register as register_area
from taxes.hooks import waste as waste_area


def register() -> None:
    for area in (
        rates,
        register_area,
        declarations,
        decisions_area,
        assessment_area,
        changes_area,
        waste_area,
        waste_decisions,
        waste_menu,
        waste_demo,
    ):
        area.register()
