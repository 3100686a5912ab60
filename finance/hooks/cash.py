"""Hooks of the cash area (menu entries, demo seeders), called from FinanceConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DEMO_DESK = {"code": "K1", "name": "Kasa główna"}


def seed_demo(*, actor=None, stdout=None) -> str:
    """One cash desk "K1 Kasa główna" (idempotent)."""
    from finance.models import CashDesk

    _desk, created = CashDesk.objects.get_or_create(code=DEMO_DESK["code"], defaults={"name": DEMO_DESK["name"]})
    return f"cash: desk {DEMO_DESK['code']} {'created' if created else 'present'}"


def register() -> None:
    from core import demo, navigation

    # "finance-cash" is the accounts area's "Cash payment": a key is unique or the older entry disappears
    navigation.register(
        navigation.MenuItem("finance-cash-desk", _("Cash desk"), "finance:cash-desk", "finance.operate_cash_desk", 67)
    )
    demo.register_seeder("finance-cash-desk", seed_demo, order=67)
