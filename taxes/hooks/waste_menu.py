"""The waste fee's entries of the back-office menu (issue 9), called from TaxesConfig.ready: properties and
declarations, the DO-1 intake from EZD, the verification queue, the imports, the charge runs, the decisions under
art. 6o and the statistics; each with the permission its screen requires, after the other taxes entries (70–85)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

VIEW, MANAGE, ASSESS = "taxes.view_declaration", "taxes.manage_register", "taxes.assess_taxes"


def items() -> list:
    from core.navigation import MenuItem

    return [
        MenuItem("taxes-waste-properties", _("Waste fee: properties"), "taxes:waste-property-list", VIEW, 86),
        MenuItem("taxes-waste-intake", _("Waste fee: DO-1 from EZD"), "taxes:waste-declaration-from-entry", MANAGE, 86),
        MenuItem("taxes-waste-findings", _("Waste fee: verification"), "taxes:waste-findings", MANAGE, 87),
        MenuItem("taxes-waste-imports", _("Waste fee: imports"), "taxes:waste-imports", VIEW, 87),
        MenuItem("taxes-waste-charges", _("Waste fee: monthly charges"), "taxes:waste-charges", ASSESS, 88),
        MenuItem("taxes-waste-decisions", _("Waste fee: decisions"), "taxes:waste-decision-list", ASSESS, 88),
        MenuItem("taxes-waste-stats", _("Waste fee: statistics"), "taxes:waste-stats", VIEW, 89),
    ]


def register() -> None:
    from core.navigation import register as add

    for item in items():
        add(item)
