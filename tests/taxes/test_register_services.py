"""Services of the tax register: objects, versions by month, shares, spouses, refusals that write nothing."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from taxes.models import Liability, ObjectVersion, TaxObject
from taxes.selectors_register import objects_of, register_for_year
from taxes.services.register import (
    liability_add,
    liability_end,
    object_create,
    object_end,
    object_version_add,
    obligation_end,
    obligation_start,
)
from tests.factories import PersonFactory
from tests.taxes.conftest_register import *  # noqa: F403
from tests.taxes.conftest_register import JAN, counts

D = Decimal
pytestmark = pytest.mark.django_db
K = TaxObject.Kind
R = Liability.Role


def _create(actor, **over):
    args = {
        "actor": actor, "kind": K.LAND, "precinct": "Testowo", "parcel": "7/2", "identifier": "",
        "version": {"valid_from": JAN, "category": "land_other", "area": D("1500")},
        "liabilities": [{"party": PersonFactory(), "role": R.OWNER, "valid_from": JAN}],
    }  # fmt: skip
    args.update(over)
    return object_create(**args)


def test_object_create_writes_object_version_liability_and_audit(tax_clerk, owner, categories):
    before = AuditEvent.objects.count()
    obj = _create(tax_clerk, liabilities=[{"party": owner, "role": R.OWNER, "valid_from": JAN}])
    v = obj.versions.get()
    assert (v.valid_from, v.valid_to, v.category.code, v.area) == (JAN, None, "land_other", D("1500.0000"))
    li = obj.liabilities.get()
    assert (li.party, li.role, li.share_numerator, li.share_denominator) == (owner, R.OWNER, 1, 1)
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.action == "taxes.object.created"
    assert event.details["version"]["area"] == "1500"


REFUSALS = [
    ({"version": {"valid_from": JAN, "category": "land_other", "area": D("-5")}}, "area",
     "The area cannot be negative (given: %(area)s).", {"area": D("-5")}),
    ({"kind": K.BUILDING, "version": {"valid_from": JAN, "category": "building_residential", "area": D("50"),
                                      "area_low": D("60")}}, "area_low",
     "The area of height 1.40–2.20 m (%(low)s) cannot exceed the whole area (%(area)s).",
     {"low": D("60"), "area": D("50")}),
    ({"parcel": ""}, "parcel", "A parcel number is required for land, agricultural land and forest.", {}),
    ({"kind": K.AGRICULTURAL, "version": {"valid_from": JAN, "category": "agri_farm", "area": D("1.5")}},
     "land_class", "Agricultural land needs its class from the land register.", {}),
    ({"kind": K.AGRICULTURAL, "version": {"valid_from": JAN, "category": "agri_farm", "area": D("1.5"),
                                          "land_class": "IVa"}},
     "land_type", "Agricultural land needs its land type (arable, meadow…).", {}),
    ({"kind": K.VEHICLE, "parcel": "", "identifier": "",
      "version": {"valid_from": JAN, "category": "truck_3_5_5_5", "vehicle_mass_kg": 5000}},
     "identifier", "A vehicle needs its registration number.", {}),
    ({"kind": K.VEHICLE, "parcel": "", "identifier": "WA 12345",
      "version": {"valid_from": JAN, "category": "truck_3_5_5_5"}},
     "vehicle_mass_kg", "A vehicle needs its permissible mass.", {}),
    ({"version": {"valid_from": datetime.date(2025, 1, 15), "category": "land_other", "area": D("10")}},
     "valid_from", "The validity must start on the first day of a month (given: %(date)s).", {"date": "15.01.2025"}),
    ({"version": {"valid_from": JAN, "valid_to": datetime.date(2025, 3, 30), "category": "land_other",
                  "area": D("10")}},
     "valid_to", "The validity must end on the last day of a month (given: %(date)s).", {"date": "30.03.2025"}),
    ({"liabilities": []}, "liabilities", "A tax object needs at least one taxpayer.", {}),
]  # fmt: skip


@pytest.mark.parametrize(("over", "field", "msgid", "params"), REFUSALS)
def test_object_create_refusals_write_nothing(tax_clerk, categories, over, field, msgid, params):
    PersonFactory()
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        _create(tax_clerk, **over)
    assert _(msgid) % params in exc.value.errors[field]
    assert counts() == before


def test_category_of_another_tax_refused(tax_clerk, categories):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        _create(tax_clerk, version={"valid_from": JAN, "category": "forest", "area": D("2")})
    expected = _(
        "The rate category %(category)s belongs to the %(category_tax)s, not to the %(tax)s of this object."
    ) % {"category": categories["forest"].name, "category_tax": _("forest tax"), "tax": _("property tax")}
    assert exc.value.errors["category"] == [expected]
    assert counts() == before


def test_without_permission_refused_and_nothing_written(registry_clerk, categories):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        _create(registry_clerk)
    assert exc.value.code == "forbidden"
    assert counts() == before


def test_co_owner_shares_above_one_refused_with_the_sum(tax_clerk, categories):
    a, b = PersonFactory(surname="Nowak", first_names="Anna"), PersonFactory(surname="Kowal", first_names="Jan")
    obj = _create(
        tax_clerk,
        liabilities=[{"party": a, "role": R.CO_OWNER, "share_numerator": 1, "share_denominator": 2, "valid_from": JAN}],
    )
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        liability_add(actor=tax_clerk, object=obj, party=b, role=R.CO_OWNER, valid_from=datetime.date(2025, 4, 1),
                      share_numerator=2, share_denominator=3)  # fmt: skip
    expected = _("On %(date)s the shares of the object would add up to %(total)s, more than 1: %(parts)s.") % {
        "date": "01.04.2025",
        "total": "7/6",
        "parts": f"{a} 1/2 + {b} 2/3",
    }
    assert exc.value.errors["share_numerator"] == [expected]
    assert counts() == before
    # a half fits; after the first co-owner's share ends, another 2/3 fits from the next month
    liability_add(actor=tax_clerk, object=obj, party=b, role=R.CO_OWNER, valid_from=datetime.date(2025, 4, 1),
                  share_numerator=1, share_denominator=2)  # fmt: skip
    first = obj.liabilities.get(party=a)
    liability_end(actor=tax_clerk, liability=first, valid_to=datetime.date(2025, 6, 30))
    c = PersonFactory()
    with pytest.raises(ServiceValidationError):
        liability_add(actor=tax_clerk, object=obj, party=c, role=R.CO_OWNER, valid_from=datetime.date(2025, 6, 1),
                      share_numerator=1, share_denominator=2)  # fmt: skip
    li = liability_add(actor=tax_clerk, object=obj, party=c, role=R.CO_OWNER, valid_from=datetime.date(2025, 7, 1),
                       share_numerator=1, share_denominator=2)  # fmt: skip
    assert li.valid_to is None


def test_shares_refused_at_creation(tax_clerk, categories):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        _create(tax_clerk, liabilities=[
            {"party": PersonFactory(), "role": R.OWNER, "valid_from": JAN},
            {"party": PersonFactory(), "role": R.CO_OWNER, "share_numerator": 1, "share_denominator": 4,
             "valid_from": JAN}])  # fmt: skip
    assert "share_numerator" in exc.value.errors
    assert counts() == before


def test_spouse_joint_with_owner_does_not_add_to_shares(tax_clerk, categories):
    husband, wife = PersonFactory(), PersonFactory()
    obj = _create(tax_clerk, liabilities=[
        {"party": husband, "role": R.OWNER, "valid_from": JAN},
        {"party": wife, "role": R.SPOUSE, "valid_from": JAN}])  # fmt: skip
    reg = register_for_year(2025)
    husband_li = obj.liabilities.get(party=husband)
    assert reg[wife.pk].items[0].liability.joint_with == husband_li.pk
    assert reg[husband.pk].items[0].liability.joint_with is None
    assert reg[wife.pk].items[0].liability.share == Fraction(1)


def test_spouse_without_matching_owner_refused(tax_clerk, categories):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        _create(tax_clerk, liabilities=[
            {"party": PersonFactory(), "role": R.CO_OWNER, "share_numerator": 1, "share_denominator": 2,
             "valid_from": JAN},
            {"party": PersonFactory(), "role": R.SPOUSE, "valid_from": JAN}])  # fmt: skip
    assert "role" in exc.value.errors
    assert counts() == before


def test_version_history_by_month(tax_clerk, house, owner):
    v2 = object_version_add(actor=tax_clerk, object=house, valid_from=datetime.date(2025, 5, 1),
                            category="building_business", area=D("80"))  # fmt: skip
    first = house.versions.order_by("valid_from").first()
    assert first.valid_to == datetime.date(2025, 4, 30)
    assert v2.valid_to is None
    object_end(actor=tax_clerk, object=house, valid_to=datetime.date(2025, 9, 30))
    v2.refresh_from_db()
    assert v2.valid_to == datetime.date(2025, 9, 30)
    assert house.liabilities.get().valid_to == datetime.date(2025, 9, 30)
    item = register_for_year(2025, party_ids=[owner.pk])[owner.pk].items[0]
    assert sorted(item.months) == list(range(1, 10))
    assert {m: item.months[m].category for m in (1, 4, 5, 9)} == {
        1: "building_residential",
        4: "building_residential",
        5: "building_business",
        9: "building_business",
    }
    assert item.months[1].area_low == D("10.0000")
    assert register_for_year(2026, party_ids=[owner.pk]) == {}
    assert [h.object for h in objects_of(owner, on=datetime.date(2025, 6, 15))] == [house]
    assert objects_of(owner, on=datetime.date(2025, 10, 1)) == []
    assert objects_of(owner, on=datetime.date(2025, 10, 1), history=True)[0].version is None


@pytest.mark.parametrize("start", [datetime.date(2025, 1, 1), datetime.date(2024, 12, 1)])
def test_overlapping_version_refused(tax_clerk, house, start):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        object_version_add(actor=tax_clerk, object=house, valid_from=start, category="building_residential",
                           area=D("100"))  # fmt: skip
    msg = _("A version valid from %(date)s already exists; a new version must start after %(date)s.") % {
        "date": "01.01.2025"
    }
    assert exc.value.errors["valid_from"] == [msg]
    assert counts() == before


def test_version_inside_closed_version_refused(tax_clerk, house):
    object_end(actor=tax_clerk, object=house, valid_to=datetime.date(2025, 6, 30))
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        object_version_add(actor=tax_clerk, object=house, valid_from=datetime.date(2025, 6, 1),
                           category="building_residential", area=D("100"))  # fmt: skip
    assert list(exc.value.errors) == ["valid_from"]
    assert counts() == before


def test_version_not_on_first_of_month_refused(tax_clerk, house):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        object_version_add(actor=tax_clerk, object=house, valid_from=datetime.date(2025, 5, 2),
                           category="building_residential", area=D("100"))  # fmt: skip
    assert list(exc.value.errors) == ["valid_from"]
    assert counts() == before


def test_object_end_refusals(tax_clerk, house):
    before = counts()
    with pytest.raises(ServiceValidationError):
        object_end(actor=tax_clerk, object=house, valid_to=datetime.date(2025, 6, 15))
    with pytest.raises(ServiceValidationError):
        object_end(actor=tax_clerk, object=house, valid_to=datetime.date(2024, 12, 31))
    assert counts() == before
    object_end(actor=tax_clerk, object=house, valid_to=datetime.date(2025, 6, 30))
    after = counts()
    with pytest.raises(ApplicationError) as exc:
        object_end(actor=tax_clerk, object=house, valid_to=datetime.date(2025, 7, 31))
    assert exc.value.message == _("The object has already ended.")
    assert counts() == after


def test_same_party_twice_refused(tax_clerk, house, owner):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        liability_add(actor=tax_clerk, object=house, party=owner, role=R.SPOUSE, valid_from=datetime.date(2025, 3, 1))
    assert "party" in exc.value.errors
    assert counts() == before


def test_obligation_boundaries():
    assert obligation_start(datetime.date(2025, 3, 14)) == datetime.date(2025, 4, 1)
    assert obligation_start(datetime.date(2025, 12, 31)) == datetime.date(2026, 1, 1)
    assert obligation_end(datetime.date(2024, 2, 3)) == datetime.date(2024, 2, 29)


def test_register_for_year_constant_queries(tax_clerk, categories, django_assert_max_num_queries):
    people = [PersonFactory() for _i in range(6)]
    for n, p in enumerate(people):
        _create(tax_clerk, parcel=f"{n}/9", liabilities=[{"party": p, "role": R.OWNER, "valid_from": JAN}])
    with django_assert_max_num_queries(3):
        reg = register_for_year(2025, party_ids=[p.pk for p in people])
    assert len(reg) == 6
    assert all(sorted(t.items[0].months) == list(range(1, 13)) for t in reg.values())
    assert ObjectVersion.objects.count() == 6
