from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_reference(sender, **kwargs) -> None:
    from finance.reference import reference_sync

    reference_sync()


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Finance and accounting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import roles

        view = ("finance.view_balances", "finance.view_obligoraccount", "finance.view_payment")
        roles.grant(
            roles.ACCOUNTANT,
            *view,
            "finance.post_entries",
            "finance.manage_payments",
            "finance.manage_refunds",
            "finance.manage_ledger",
            "finance.view_bankstatement",
            "finance.view_journalentry",
        )
        roles.grant(roles.ACCOUNTANT, "finance.manage_collection", "finance.operate_cash_desk", "finance.manage_budget")
        roles.grant(roles.TAX_CLERK, *view, "finance.post_entries", "finance.manage_collection")
        roles.grant(roles.TAX_CLERK, "finance.issue_certificates")
        roles.grant(roles.HEAD_OF_UNIT, *view, "finance.view_journalentry", "finance.sign_titles")
        roles.grant(roles.HEAD_OF_UNIT, "finance.manage_budget")
        roles.grant(
            roles.ADMINISTRATOR,
            *view,
            "finance.manage_ledger",
            "finance.view_journalentry",
            "finance.view_bankstatement",
            "finance.add_interestrate",
            "finance.view_interestrate",
            "finance.add_financeparameter",
            "finance.view_financeparameter",
            "finance.add_bankprofile",
            "finance.change_bankprofile",
            "finance.view_bankprofile",
        )
        post_migrate.connect(_sync_reference, sender=self, dispatch_uid="finance-reference-sync")
        from finance import hooks

        hooks.register()
