"""Enforcement titles (tytuły wykonawcze TW-1): which arrears a title may demand, and for how much. Pure: no ORM.

Rules (upea art. 15 § 1, art. 26–27; domain reference §7, E8):

- a title may be issued only for arrears covered by a reminder that was **delivered**, and only from the
  ``enforcement_wait_days + 1``-th day after the delivery (7 days must *pass*: delivered 10.03 → not on 17.03,
  possible on 18.03);
- it demands what is still unpaid of each installment on its issue date (current principal > 0); interest is not
  capitalised: the title states the date from which it runs (the day after the effective due date) and the rate;
- the legal basis of the obligation is a text per receivable type (:data:`LEGAL_BASIS`; there is no column for it
  in ``finance/data/receivable_types.csv``), the kind of interest is :data:`INTEREST_KIND`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

ONE_DAY = datetime.timedelta(days=1)
ZERO = Decimal("0.00")

INTEREST_KIND = "odsetki za zwłokę, art. 53 Ordynacji podatkowej"
ENFORCEMENT_BASIS = (
    "art. 26 § 1 i art. 27 ustawy z dnia 17 czerwca 1966 r. o postępowaniu egzekucyjnym w administracji; "
    "należność jest wymagalna, upomnienie doręczono (art. 15 § 1)"
)

_UPOL = "ustawa z dnia 12 stycznia 1991 r. o podatkach i opłatach lokalnych"
_OP = "ustawa z dnia 29 sierpnia 1997 r. Ordynacja podatkowa"
LEGAL_BASIS: dict[str, str] = {
    "property_tax_person": f"art. 2–6 {_UPOL}; decyzja ustalająca wysokość podatku (art. 21 {_OP})",
    "property_tax_legal": f"art. 2–6 {_UPOL}; deklaracja (art. 21 § 1 pkt 1 {_OP})",
    "agricultural_tax_person": "art. 1–6a ustawy z dnia 15 listopada 1984 r. o podatku rolnym; decyzja ustalająca",
    "agricultural_tax_legal": "art. 1–6a ustawy z dnia 15 listopada 1984 r. o podatku rolnym; deklaracja",
    "forest_tax_person": "art. 1–6 ustawy z dnia 30 października 2002 r. o podatku leśnym; decyzja ustalająca",
    "forest_tax_legal": "art. 1–6 ustawy z dnia 30 października 2002 r. o podatku leśnym; deklaracja",
    "transport_tax_person": f"art. 8–9 {_UPOL}; deklaracja",
    "transport_tax_legal": f"art. 8–9 {_UPOL}; deklaracja",
    "waste_fee": (
        "art. 6h–6n ustawy z dnia 13 września 1996 r. o utrzymaniu czystości i porządku w gminach; deklaracja "
        "lub decyzja określająca wysokość opłaty"
    ),
    "market_fee": f"art. 15–19 {_UPOL}; uchwała rady gminy w sprawie opłaty targowej",
    "dog_fee": f"art. 18a {_UPOL}; uchwała rady gminy w sprawie opłaty od posiadania psów",
}
DEFAULT_LEGAL_BASIS = f"{_OP}; decyzja lub deklaracja ustalająca zobowiązanie"


def legal_basis(receivable_type_codes: Iterable[str]) -> str:
    """The legal basis of the obligations of the given receivable types (each once, in order of first use)."""
    seen: list[str] = []
    for code in receivable_type_codes:
        text = LEGAL_BASIS.get(code, DEFAULT_LEGAL_BASIS)
        if text not in seen:
            seen.append(text)
    return "; ".join(seen) or DEFAULT_LEGAL_BASIS


def earliest_issue_date(delivered_on: datetime.date, wait_days: int) -> datetime.date:
    """The first day a title may be issued: ``wait_days`` full days after the delivery must have passed."""
    return delivered_on + datetime.timedelta(days=int(wait_days) + 1)


def may_issue(*, delivered_on: datetime.date | None, issue_date: datetime.date, wait_days: int) -> bool:
    return delivered_on is not None and issue_date >= earliest_issue_date(delivered_on, wait_days)


def interest_from(effective_due_date: datetime.date) -> datetime.date:
    """Interest runs from the day after the (effective) due date (OP art. 53 § 4)."""
    return effective_due_date + ONE_DAY


@dataclass(frozen=True)
class OpenItem:
    """An installment a delivered reminder demanded, with what is unpaid of it on the title's issue date."""

    account_id: int
    installment_id: int | None
    due_date: datetime.date  # effective due date
    principal: Decimal  # unpaid on the issue date
    period: str = ""


@dataclass(frozen=True)
class TitleItem:
    account_id: int
    installment_id: int | None
    due_date: datetime.date
    interest_from: datetime.date
    principal: Decimal
    period: str = ""


def title_items(items: Iterable[OpenItem]) -> list[TitleItem]:
    """What a title demands: the still unpaid installments (principal > 0), oldest first."""
    out = [
        TitleItem(i.account_id, i.installment_id, i.due_date, interest_from(i.due_date), i.principal, i.period)
        for i in items
        if i.principal > 0
    ]
    out.sort(key=lambda t: (t.due_date, t.installment_id or 0))
    return out


def title_interest_from(items: Iterable[TitleItem]) -> datetime.date | None:
    """The title's own "interest runs from": the earliest of its items'."""
    dates = [i.interest_from for i in items]
    return min(dates) if dates else None


def title_principal(items: Iterable[TitleItem]) -> Decimal:
    return sum((i.principal for i in items), ZERO)


def fully_paid(states: Iterable[tuple[Decimal, Decimal]]) -> bool:
    """A title is paid when every item's installment has neither principal nor interest left."""
    states = list(states)
    return bool(states) and all(p <= 0 and i <= 0 for p, i in states)
