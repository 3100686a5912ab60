"""Resolutions and rates: the maximum/minimum check, the tax of the category, copying a year, permissions, the
reference data and the selectors feeding the engine."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from taxes.models import CommodityPrice, ExemptionReason, HectareMultiplier, MaxRate, Rate, RateCategory, YearSettings
from taxes.reference import reference_sync
from taxes.selectors import (
    conventions_for_year,
    due_date_shift,
    hectare_multiplier,
    rates_for_year,
    rye_price,
    wood_price,
    year_rates,
    year_settings,
)
from taxes.services.rates import rate_set, rates_copy_from_year, resolution_create
from tests.taxes.conftest_rates import *  # noqa: F403

D = Decimal
pytestmark = pytest.mark.django_db


def test_reference_data_seeded_and_sync_keeps_rows():
    assert MaxRate.objects.get(year=2026, category__code="land_business").maximum == D("1.45")
    assert MaxRate.objects.get(year=2025, category__code="building_residential").maximum == D("1.19")
    assert MaxRate.objects.get(year=2024, category__code="land_revitalisation").maximum == D("4.39")
    assert MaxRate.objects.get(year=2026, category__code="agri_farm").maximum == D("166.05")
    assert MaxRate.objects.get(year=2026, category__code="forest").maximum == D("61.9014")
    assert MaxRate.objects.get(year=2026, category__code="truck_3ax_17_19_air").maximum == D("4809.70")
    assert MaxRate.objects.get(year=2026, category__code="truck_3ax_17_19_other").minimum == D("485.68")
    assert rye_price(2025) == D("86.34")
    assert wood_price(2026) == D("281.37")
    assert hectare_multiplier("arable", "IVa", 2) == D("1.00")
    assert hectare_multiplier("meadow", "IV", 2) == D("0.70")
    assert HectareMultiplier.objects.count() == 56
    assert ExemptionReason.objects.filter(tax="agricultural", code="upr_class_v_vi").exists()
    limit = MaxRate.objects.get(year=2026, category__code="land_other")
    limit.maximum = D("0.70")
    limit.save()
    CommodityPrice.objects.filter(kind="rye", year=2024).delete()
    assert reference_sync() == 1
    limit.refresh_from_db()
    assert limit.maximum == D("0.70")
    assert reference_sync() == 0


def test_resolution_create_audited_and_unique(rates_admin, rate_counts):
    before = rate_counts()
    resolution = resolution_create(
        actor=rates_admin, year=2026, tax="forest", number=" XV/121/2025 ", adopted_on=datetime.date(2025, 11, 27)
    )
    assert resolution.number == "XV/121/2025"
    event = AuditEvent.objects.get(action="taxes.resolution.create")
    assert event.details["number"] == "XV/121/2025"
    assert rate_counts() == (before[0] + 1, before[1], before[2] + 1)
    with pytest.raises(ServiceValidationError) as exc:
        resolution_create(
            actor=rates_admin, year=2026, tax="forest", number="2", adopted_on=datetime.date(2025, 11, 28)
        )
    assert exc.value.message == _("A resolution on this tax for %(year)s is already recorded.") % {"year": 2026}
    assert rate_counts() == (before[0] + 1, before[1], before[2] + 1)


def test_rate_set_within_maximum(rates_admin, resolution_2026, rate_category, rate_counts):
    before = rate_counts()
    rate = rate_set(actor=rates_admin, resolution=resolution_2026, category=rate_category("land_business"), rate="1.45")
    assert rate.rate == D("1.45")
    rate_set(actor=rates_admin, resolution=resolution_2026, category=rate_category("land_business"), rate=D("1.40"))
    assert rates_for_year(2026) == {"land_business": D("1.4000")}
    events = AuditEvent.objects.filter(action="taxes.rate.set").order_by("seq")
    assert [e.details["previous"] for e in events] == [None, "1.4500"]
    assert rate_counts() == (before[0], before[1] + 1, before[2] + 2)


def test_rate_above_maximum_refused_nothing_written(rates_admin, resolution_2026, rate_category, rate_counts):
    before = rate_counts()
    with pytest.raises(ServiceValidationError) as exc:
        rate_set(actor=rates_admin, resolution=resolution_2026, category=rate_category("land_business"), rate="1.50")
    expected = _("The rate %(rate)s exceeds the maximum %(maximum)s %(unit)s for %(year)s.") % {
        "rate": "1.50",
        "maximum": "1.45",
        "unit": _("zł per m²"),
        "year": 2026,
    }
    assert exc.value.message == expected
    assert exc.value.errors == {"rate": [expected]}
    assert rate_counts() == before


def test_rate_below_minimum_and_negative_refused(rates_admin, rate_category, rate_counts):
    resolution = resolution_create(
        actor=rates_admin, year=2026, tax="transport", number="XV/122/2025", adopted_on=datetime.date(2025, 11, 27)
    )
    before = rate_counts()
    category = rate_category("truck_2ax_15_plus_other")  # annex 1 (M.P. 2025 poz. 1113): minimum 1199.27
    with pytest.raises(ServiceValidationError) as exc:
        rate_set(actor=rates_admin, resolution=resolution, category=category, rate="1199")
    assert exc.value.message == _(
        "The rate %(rate)s is below the statutory minimum %(minimum)s %(unit)s for %(year)s."
    ) % {"rate": "1199.00", "minimum": "1199.27", "unit": _("zł per vehicle"), "year": 2026}
    with pytest.raises(ServiceValidationError):
        rate_set(actor=rates_admin, resolution=resolution, category=rate_category("truck_3_5_5_5"), rate="-1")
    with pytest.raises(ServiceValidationError):
        rate_set(actor=rates_admin, resolution=resolution, category=rate_category("truck_3_5_5_5"), rate="1.00001")
    assert rate_counts() == before


def test_rate_without_maximum_and_of_other_tax_refused(rates_admin, resolution_2026, rate_category, rate_counts):
    MaxRate.objects.filter(year=2026, category__code="land_water").delete()
    before = rate_counts()
    with pytest.raises(ServiceValidationError) as exc:
        rate_set(actor=rates_admin, resolution=resolution_2026, category=rate_category("land_water"), rate="1")
    assert "rate" in exc.value.errors
    forest = rate_category("forest")
    with pytest.raises(ServiceValidationError) as exc:
        rate_set(actor=rates_admin, resolution=resolution_2026, category=forest, rate="1")
    assert exc.value.errors == {
        "category": [_("The category %(category)s belongs to another tax.") % {"category": forest.name}]
    }
    assert rate_counts() == before


def test_permissions(rates_clerk, rates_admin, resolution_2026, rate_category, rate_counts):
    before = rate_counts()
    with pytest.raises(ApplicationError) as exc:
        rate_set(actor=rates_clerk, resolution=resolution_2026, category=rate_category("land_other"), rate="0.5")
    assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        resolution_create(actor=rates_clerk, year=2026, tax="forest", number="1", adopted_on=datetime.date(2025, 1, 1))
    with pytest.raises(ApplicationError):
        rates_copy_from_year(actor=None, year=2026, from_year=2025)
    assert rate_counts() == before


def test_copy_from_year_checks_maximum(rates_admin, rate_category, rate_counts):
    old = resolution_create(
        actor=rates_admin, year=2025, tax="property", number="1/2024", adopted_on=datetime.date(2024, 11, 1)
    )
    rate_set(actor=rates_admin, resolution=old, category=rate_category("land_other"), rate="0.73")
    rate_set(actor=rates_admin, resolution=old, category=rate_category("building_residential"), rate="1.19")
    new = resolution_create(
        actor=rates_admin, year=2026, tax="property", number="1/2025", adopted_on=datetime.date(2025, 11, 1)
    )
    before = rate_counts()
    with pytest.raises(ServiceValidationError) as exc:  # 0.73 × 1.07 = 0.78 > 0.77
        rates_copy_from_year(actor=rates_admin, year=2026, from_year=2025, index=D("1.07"))
    assert set(exc.value.errors) == {"land_other", "building_residential"}
    assert rate_counts() == before
    rate_set(actor=rates_admin, resolution=new, category=rate_category("land_other"), rate="0.75")
    result = rates_copy_from_year(actor=rates_admin, year=2026, from_year=2025, index=D("1.045"))
    assert [(r.category.code, r.rate) for r in result.copied] == [("building_residential", D("1.24"))]
    assert result.skipped == ["land_other"]
    assert rates_for_year(2026) == {"land_other": D("0.7500"), "building_residential": D("1.2400")}
    assert AuditEvent.objects.filter(action="taxes.rate.copy").count() == 1


def test_year_rates_and_conventions_feed_the_engine(rates_admin, resolution_2026, rate_category):
    from taxes.domain.engine import TaxableItem, assess_tax

    rate_set(actor=rates_admin, resolution=resolution_2026, category=rate_category("building_residential"), rate="1.25")
    rate_set(actor=rates_admin, resolution=resolution_2026, category=rate_category("land_other"), rate="0.77")
    rates = year_rates(2026)
    assert rates.rye_price == D("66.42")
    assert rates.rate("agri_farm") == D("166.0500")
    assert rates.multipliers[("arable", "IVa", 2)] == D("1.00")
    items = [
        TaxableItem("property", "building_residential", "m2", area=D("120")),
        TaxableItem("property", "land_other", "m2", area=D("800")),
    ]
    assert assess_tax("property", items, rates, conventions_for_year(2026)).amount == D("766")
    assert year_settings(2030).pk is None
    assert year_settings(2030).installment_rounding == "grosze"
    YearSettings.objects.create(year=2026, installment_rounding="zloty_first", tax_district=3)
    assert conventions_for_year(2026).installment_rounding == "zloty_first"
    assert conventions_for_year(2026).tax_district == 3
    shift = due_date_shift(2025)
    assert shift(datetime.date(2025, 3, 15)) == datetime.date(2025, 3, 17)
    assert shift(datetime.date(2025, 12, 24)) == datetime.date(2025, 12, 29)


def test_categories_cover_the_taxes():
    codes = set(RateCategory.objects.values_list("code", flat=True))
    assert {"land_business", "land_water", "land_other", "land_revitalisation", "structure"} <= codes
    assert {"building_residential", "building_business", "building_seed", "building_health", "building_other"} <= codes
    assert {"agri_farm", "agri_other", "forest", "forest_reserve", "bus_lt22", "bus_22_plus"} <= codes
    assert RateCategory.objects.get(code="structure").unit == "percent"
    assert Rate.objects.count() == 0


def test_demo_seeder_adopts_the_maxima_idempotently():
    from taxes.hooks.rates import seed_demo

    seed_demo()
    assert rates_for_year(2026)["land_other"] == D("0.7700")
    assert rates_for_year(2025)["building_residential"] == D("1.1900")
    count = Rate.objects.count()
    seed_demo()
    assert Rate.objects.count() == count
