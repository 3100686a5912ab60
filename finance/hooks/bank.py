"""Hooks of the bank area (menu entries, demo seeders), called from FinanceConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DEMO_PROFILE = {
    "code": "demo-bank",
    "name": "Bank demonstracyjny (MT940, cp852, separator ~)",
    "separator": "~",
    "encoding": "cp852",
    "virtual_account_field": "86_29",
    "office_account": "75102010260000000123456789",
    "sort_code": "10201026",
    "client_prefix": "987654",
    "id_length": 10,
}


def _demo_statement(virtual_accounts, day) -> bytes:
    """A statement crediting the first obligors' virtual accounts, plus one payment nobody can identify."""
    lines = [":20:DEMO" + day.strftime("%y%m%d"), f":25:/PL{DEMO_PROFILE['office_account']}", ":28C:1/1"]
    yymmdd = day.strftime("%y%m%d")
    lines.append(f":60F:C{yymmdd}PLN0,00")
    total = 0
    credits = [(10000 + 1000 * n, va.nrb, "Podatek od nieruchomości") for n, va in enumerate(virtual_accounts)]
    credits.append((4321, "", "wpłata bez opisu"))
    for n, (grosze, nrb, title) in enumerate(credits, start=1):
        amount = f"{grosze // 100},{grosze % 100:02d}"
        lines.append(f":61:{yymmdd}{day:%m%d}C{amount}N152NONREF//DEMO{n:04d}")
        sub = f"~29{nrb}" if nrb else ""
        lines.append(f":86:152~00PRZELEW~20{title}{sub}~32WPŁACAJĄCY DEMO {n}")
        total += grosze
    lines.append(f":62F:C{yymmdd}PLN{total // 100},{total % 100:02d}")
    return ("\r\n".join(lines) + "\r\n-\r\n").encode("cp852")


def seed_demo(*, actor=None, stdout=None) -> str:
    """A demo bank profile, virtual accounts for the obligors that have accounts, and one imported statement."""
    import datetime

    from django.utils import timezone

    from core.models import Party
    from finance.models import BankProfile, BankStatement, ObligorAccount, VirtualAccount
    from finance.services.statements import StatementRejected, statement_import
    from finance.services.virtual_accounts import virtual_account_for

    profile, _created = BankProfile.objects.get_or_create(code=DEMO_PROFILE["code"], defaults=DEMO_PROFILE)
    created = 0
    party_ids = list(ObligorAccount.objects.values_list("party_id", flat=True).distinct().order_by("party_id")[:200])
    for party in Party.objects.filter(pk__in=party_ids):
        if not VirtualAccount.objects.filter(party=party, profile=profile).exists():
            virtual_account_for(party=party, profile=profile, actor=actor)
            created += 1
    imported = 0
    if not BankStatement.objects.filter(profile=profile).exists():
        first = list(VirtualAccount.objects.filter(profile=profile).order_by("identifier")[:3])
        day = timezone.localdate() - datetime.timedelta(days=1)
        try:
            imported = len(statement_import(actor=None, profile=profile, data=_demo_statement(first, day)).statements)
        except StatementRejected as exc:  # e.g. a closed period: the demo goes on without a statement
            if stdout:
                stdout.write(f"demo statement not imported: {exc.message}\n")
    return f"bank: profile {profile.code}, {created} virtual accounts, {imported} statement(s)"


def register() -> None:
    from core import demo, navigation

    navigation.register(
        navigation.MenuItem(
            "finance-statements", _("Bank statements"), "finance:statement-list", "finance.manage_payments", 65
        )
    )
    navigation.register(
        navigation.MenuItem(
            "finance-unidentified",
            _("Unidentified payments"),
            "finance:payment-unidentified-list",
            "finance.manage_payments",
            66,
        )
    )
    demo.register_seeder("finance-bank", seed_demo, order=66)
