"""Hooks of the certificates area (menu entries, demo seeders), called from FinanceConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from core import navigation

    navigation.register(
        navigation.MenuItem(
            "finance-certificates", _("Certificates of arrears"), "finance:certificate-list",
            "finance.issue_certificates", 68,
        )
    )  # fmt: skip
