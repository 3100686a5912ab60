"""Demo data of the EZD beyond what the areas seed themselves (run by ``manage.py seed_demo``; idempotent).

* ``documents-cases`` — the demo clerk ("referent") opens a case from each letter assigned to him, and the demo
  office has one older ad hoc case under KPA so that the deadline reports and the digest show an overdue case;
* ``documents-postal-fees`` — a DEMO price list for the książka nadawcza. Postal prices are the operator's
  contract prices, which an administrator enters as dated rows (admin → Stawki opłat); the rows seeded here say so
  in their legal basis and are never used for a real office.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

DEMO_CLERK, DEMO_HEAD = "referent", "kierownik"
DEMO_FEES = [
    ("postal_registered_zpo", "List polecony ze zwrotnym potwierdzeniem odbioru (DEMO)", Decimal("14.50")),
    ("postal_ordinary", "List zwykły (DEMO)", Decimal("5.20")),
    ("courier", "Przesyłka kurierska (DEMO)", Decimal("25.00")),
]
DEMO_FEE_BASIS = "cennik demonstracyjny — w urzędzie administrator wpisuje cennik z umowy z operatorem pocztowym"


def seed_cases(*, actor=None, stdout=None) -> str:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from documents.models import Case, IncomingEntry, JrwaClass
    from documents.services.cases import case_open

    users = {u.username: u for u in get_user_model().objects.filter(username__in=(DEMO_CLERK, DEMO_HEAD))}
    clerk, head = users.get(DEMO_CLERK), users.get(DEMO_HEAD)
    if clerk is None or head is None or head.org_unit is None:
        return "no demo clerk"
    classes = {c.symbol: c for c in JrwaClass.objects.filter(version__is_current=True, symbol__in=("3120", "1431"))}
    if "3120" not in classes:
        return "no JRWA class 3120"
    opened = 0
    waiting = IncomingEntry.objects.filter(status=IncomingEntry.Status.ASSIGNED_CLERK, assigned_to=clerk).order_by("pk")
    for entry in waiting:
        jrwa = classes["3120"] if entry.form_code in ("IN-1", "DN-1", "") else classes.get("1431", classes["3120"])
        case_open(actor=clerk, unit=entry.assigned_unit, jrwa=jrwa, title=entry.title[:500], entry=entry)
        opened += 1
    title = "Zwrot nadpłaty podatku od nieruchomości (sprawa z zeszłego miesiąca)"
    if not Case.objects.filter(title=title).exists():
        case_open(
            actor=head,
            owner=clerk,
            unit=head.org_unit,
            jrwa=classes["3120"],
            title=title,
            opened_on=timezone.localdate() - datetime.timedelta(days=45),
            procedure="kpa",
        )
        opened += 1
    return f"{opened} cases opened"


def seed_postal_fees(*, actor=None, stdout=None) -> str:
    from core.models import FeeRate

    created = 0
    for code, name, amount in DEMO_FEES:
        if not FeeRate.objects.filter(code=code).exists():
            FeeRate.objects.create(
                code=code, name=name, amount=amount, valid_from=datetime.date(2026, 1, 1), legal_basis=DEMO_FEE_BASIS
            )
            created += 1
    return f"{created} demo postal fee rates"
