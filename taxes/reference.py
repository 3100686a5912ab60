"""Reference data of the taxes app (taxes/data/*.csv), loaded after every migrate: rate categories, maximum rates,
rye and wood prices, hectare multipliers, exemption reasons, the GUS income figures of the waste fee caps. Existing
rows are kept (an administrator may have corrected them); missing ones are added. Returns the number of rows added.

The coarse transport categories of the first data set (replaced by the classes of upol annexes 1–3, see
docs/transport-tax-classes.md) are removed with their maximum rates when no object version and no rate uses them;
a used one is kept."""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
OBSOLETE_CATEGORIES = (
    "truck_12_2ax_air", "truck_12_2ax_other", "truck_12_3ax_air", "truck_12_3ax_other", "truck_12_4ax_air",
    "truck_12_4ax_other", "tractor_12_36", "tractor_36_plus", "trailer_12_plus",
)  # fmt: skip


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def reference_sync() -> int:
    from taxes.models import CommodityPrice, ExemptionReason, HectareMultiplier, MaxRate, RateCategory, WasteIncome

    _drop_obsolete()
    added = 0
    existing = set(RateCategory.objects.values_list("code", flat=True))
    new = [
        RateCategory(code=r["code"], tax=r["tax"], unit=r["unit"], order=int(r["order"]), name=r["name"])
        for r in _rows("rate_categories.csv")
        if r["code"] not in existing
    ]
    RateCategory.objects.bulk_create(new, ignore_conflicts=True)
    added += len(new)

    categories = dict(RateCategory.objects.values_list("code", "id"))
    existing = set(MaxRate.objects.values_list("year", "category_id"))
    new = [
        MaxRate(
            year=int(r["year"]),
            category_id=categories[r["category"]],
            maximum=Decimal(r["maximum"]),
            minimum=Decimal(r["minimum"]),
            source=r["source"][:300],
        )
        for r in _rows("max_rates.csv")
        if r["category"] in categories and (int(r["year"]), categories[r["category"]]) not in existing
    ]
    MaxRate.objects.bulk_create(new, ignore_conflicts=True)
    added += len(new)

    existing = set(CommodityPrice.objects.values_list("kind", "year"))
    new = [
        CommodityPrice(kind=r["kind"], year=int(r["year"]), price=Decimal(r["price"]), source=r["source"])
        for r in _rows("commodity_prices.csv")
        if (r["kind"], int(r["year"])) not in existing
    ]
    CommodityPrice.objects.bulk_create(new, ignore_conflicts=True)
    added += len(new)

    existing = set(HectareMultiplier.objects.values_list("land_type", "land_class", "district", "valid_from"))
    new = []
    for r in _rows("hectare_multipliers.csv"):
        key = (r["land_type"], r["land_class"], int(r["district"]), datetime.date.fromisoformat(r["valid_from"]))
        if key not in existing:
            new.append(
                HectareMultiplier(
                    land_type=key[0],
                    land_class=key[1],
                    district=key[2],
                    valid_from=key[3],
                    multiplier=Decimal(r["multiplier"]),
                )
            )
    HectareMultiplier.objects.bulk_create(new, ignore_conflicts=True)
    added += len(new)

    existing = set(ExemptionReason.objects.values_list("code", flat=True))
    new = [
        ExemptionReason(
            code=r["code"],
            tax=r["tax"],
            name=r["name"],
            legal_basis=r["legal_basis"],
            by_resolution=r["by_resolution"] == "1",
        )
        for r in _rows("exemption_reasons.csv")
        if r["code"] not in existing
    ]
    ExemptionReason.objects.bulk_create(new, ignore_conflicts=True)
    added += len(new)

    existing = set(WasteIncome.objects.values_list("year", flat=True))
    new = [
        WasteIncome(
            year=int(r["year"]),
            amount=Decimal(r["amount"]),
            applies_from=datetime.date.fromisoformat(r["applies_from"]),
            derived=r["derived"] == "1",
            source=r["source"][:300],
        )
        for r in _rows("waste_income.csv")
        if int(r["year"]) not in existing
    ]
    WasteIncome.objects.bulk_create(new, ignore_conflicts=True)
    added += len(new)
    return added


def _drop_obsolete() -> None:
    from taxes.models import MaxRate, ObjectVersion, Rate, RateCategory

    unused = (
        RateCategory.objects.filter(code__in=OBSOLETE_CATEGORIES)
        .exclude(pk__in=ObjectVersion.objects.values("category_id"))
        .exclude(pk__in=Rate.objects.values("category_id"))
    )
    ids = list(unused.values_list("pk", flat=True))
    if ids:
        MaxRate.objects.filter(category_id__in=ids).delete()
        RateCategory.objects.filter(pk__in=ids).delete()
