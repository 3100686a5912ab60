from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PopulationConfig(AppConfig):
    name = "population"
    verbose_name = _("Population register (ewidencja ludności)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import roles

        full = (
            "population.view_resident",
            "population.add_resident",
            "population.change_resident",
            "population.view_registration",
            "population.add_registration",
            "population.change_registration",
            "population.view_certificate",
            "population.issue_certificate",
            "population.view_datadisclosure",
            "population.disclose_data",
            "population.view_statistics",
            "population.import_central",
            "population.apply_reconciliation",
            "population.view_centralimport",
        )
        roles.grant(roles.POPULATION_CLERK, *full)
        roles.grant(roles.ADMINISTRATOR, *full)
        roles.grant(roles.HEAD_OF_UNIT, "population.view_statistics")
        # Menu entries (core.navigation.register) are registered by the view modules' apps hooks below.
        from population import menu

        menu.register()
        from core.demo import register_seeder
        from population.demo import seed_population

        register_seeder("population", seed_population, order=20)
