"""Hooks of the accounts area (menu entries, the demo seeder), called from FinanceConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DEMO_REF = "demo"
DEMO_PEOPLE = 30


def seed_demo(*, actor=None, stdout=None) -> str:
    """Property-tax accounts of this year (four installments) for the first demo residents, a waste-fee account
    for every second one, reminder costs for every fifth, and some payments — allocated by the real services,
    so the cards show arrears with interest, split payments and overpayments. Safe to run twice."""
    import datetime
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from core.exceptions import ApplicationError
    from core.models import Party
    from finance.models import ObligorAccount, Payment, ReceivableType
    from finance.services.accounts import account_get_or_create, charge_post, reminder_cost_post
    from finance.services.payments import payment_allocate

    today = timezone.localdate()
    year = today.year
    tax = ReceivableType.objects.get(code="property_tax_person")
    waste = ReceivableType.objects.get(code="waste_fee")
    done = set(ObligorAccount.objects.filter(source_ref=DEMO_REF, year=year).values_list("party_id", flat=True))
    people = Party.objects.filter(kind=Party.Kind.PERSON).order_by("pk")[:DEMO_PEOPLE]
    created = payments = 0
    for n, party in enumerate(people):
        if party.pk in done:  # charged by an earlier run: the same first DEMO_PEOPLE persons every time
            continue
        annual = Decimal(300 + 37 * n)
        quarter = (annual / 4).quantize(Decimal("0.01"))
        dues = [datetime.date(year, m, 15) for m in (3, 5, 9, 11)]
        parts = [(due, quarter) for due in dues[:3]] + [(dues[3], annual - 3 * quarter)]
        paid = 0
        try:
            with transaction.atomic():  # the party charged completely or not at all (retried by the next run)
                account = account_get_or_create(
                    party=party, receivable_type=tax, year=year, source_app="demo", source_ref=DEMO_REF
                )
                charge_post(actor=None, account=account, amount=annual, installments=parts,
                            value_date=datetime.date(year, 2, 15), description="Decyzja wymiarowa (demo)")  # fmt: skip
                if n % 2 == 0:
                    fee = account_get_or_create(
                        party=party, receivable_type=waste, year=year, source_app="demo", source_ref=DEMO_REF
                    )
                    charge_post(actor=None, account=fee, amount=Decimal("37.00") * 12,
                                installments=[(datetime.date(year, m, 15), Decimal("37.00")) for m in range(1, 13)],
                                value_date=datetime.date(year, 1, 2), description="Deklaracja DO-1 (demo)")  # fmt: skip
                if n % 5 == 0 and datetime.date(year, 4, 10) <= today:
                    reminder_cost_post(actor=None, account=account, value_date=datetime.date(year, 4, 10))
                for k, due in enumerate(dues[: 1 + n % 3]):
                    paid_on = due + datetime.timedelta(days=(n * 7 + k * 11) % 60 - 5)
                    if paid_on > today:
                        break
                    amount = quarter if n % 4 else quarter / 2 + Decimal("0.37")
                    payment = Payment.objects.create(
                        source=Payment.Source.BANK, party=party, amount=amount.quantize(Decimal("0.01")),
                        payment_date=paid_on, received_on=paid_on, status=Payment.Status.UNIDENTIFIED,
                        indicated_type=tax, title="Podatek od nieruchomości (demo)",
                    )  # fmt: skip
                    payment_allocate(payment=payment, actor=None)
                    paid += 1
            created += 1
            payments += paid
        except ApplicationError as exc:  # e.g. a closed period: the demo goes on without that party
            if stdout:
                stdout.write(f"demo account of {party} skipped: {exc.message}\n")
    return f"accounts: {created} obligors charged, {payments} payments allocated"


def register() -> None:
    from core import demo
    from core.navigation import MenuItem
    from core.navigation import register as add

    add(MenuItem("finance-accounts", _("Obligor accounts"), "finance:account-list", "finance.view_balances", 60))
    add(MenuItem("finance-cash", _("Cash payment"), "finance:payment-cash", "finance.manage_payments", 61))
    demo.register_seeder("finance-accounts", seed_demo, order=60)
