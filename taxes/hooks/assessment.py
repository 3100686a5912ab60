"""Hooks of the assessment area (the menu entry of the assessment runs), called from TaxesConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from core.navigation import MenuItem
    from core.navigation import register as register_menu

    register_menu(MenuItem("taxes-assessment", _("Assessment"), "taxes:assessment-runs", "taxes.assess_taxes", 83))
