from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_reference(sender, **kwargs) -> None:
    from taxes.reference import reference_sync

    reference_sync()


class TaxesConfig(AppConfig):
    name = "taxes"
    verbose_name = _("Local taxes and fees")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import roles

        view = ("taxes.view_taxobject", "taxes.view_declaration", "taxes.view_decision")
        roles.grant(roles.TAX_CLERK, *view, "taxes.manage_register", "taxes.assess_taxes", "taxes.view_resolution")
        roles.grant(roles.HEAD_OF_UNIT, *view, "taxes.view_resolution")
        roles.grant(roles.ACCOUNTANT, *view)
        roles.grant(
            roles.ADMINISTRATOR, "taxes.manage_rates", "taxes.view_resolution", "taxes.view_maxrate",
            "taxes.add_maxrate", "taxes.view_commodityprice", "taxes.add_commodityprice",
            "taxes.view_yearsettings", "taxes.add_yearsettings", "taxes.change_yearsettings",
            "taxes.change_maxrate", "taxes.change_commodityprice", "taxes.view_ratecategory", "taxes.add_ratecategory",
            "taxes.change_ratecategory", "taxes.view_hectaremultiplier", "taxes.add_hectaremultiplier",
            "taxes.change_hectaremultiplier", "taxes.view_exemptionreason", "taxes.add_exemptionreason",
            "taxes.change_exemptionreason", "taxes.manage_waste_rates", "taxes.view_wasteresolution",
            "taxes.view_wasteincome", "taxes.add_wasteincome", "taxes.change_wasteincome",
        )  # fmt: skip
        post_migrate.connect(_sync_reference, sender=self, dispatch_uid="taxes-reference-sync")
        from taxes import hooks

        hooks.register()
