"""Back-office menu entries of the residents register (each shown only with its permission)."""

from django.utils.translation import gettext_lazy as _

from core.navigation import MenuItem
from core.navigation import register as add


def register() -> None:
    """Each feature's view module adds its entries here when it is built."""
    add(MenuItem("residents", _("Residents"), "population:resident-list", "population.view_resident", 20))
    add(
        MenuItem(
            "population-stats", _("Population statistics"), "population:statistics", "population.view_statistics", 21
        )
    )
    add(
        MenuItem("population-sync", _("PESEL register sync"), "population:import-list", "population.import_central", 22)
    )
    add(
        MenuItem(
            "population-disclosures",
            _("Data disclosures"),
            "population:disclosure-list",
            "population.disclose_data",
            23,
        )
    )
