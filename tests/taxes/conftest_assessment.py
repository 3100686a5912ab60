"""Fixtures of the assessment area (``from tests.taxes.conftest_assessment import *``): a small register from
1.01.2025 — E1 (house 120 m² + land 800 m²), E6 (farm 6 ha arable IVa + 4 ha meadow IV, forest 2 ha, house 100 m²),
land co-owned 1/2 + 1/2 (one co-owner without an address), a taxpayer below the no-decision threshold (land 5 m²)
and one whose object has no rate (business land, the rate deleted) — and the rates at the maxima (demo seeder)."""

import datetime
from decimal import Decimal

import pytest

from core import roles
from core.models import AuditEvent
from finance.models import BankProfile
from taxes.hooks.rates import seed_demo
from taxes.models import Decision, Liability, Proposal, Rate, TaxObject
from taxes.services.register import object_create
from tests.factories import OrganisationFactory, PersonFactory

D = Decimal
JAN = datetime.date(2025, 1, 1)
OFFICE_NRB = "38102010269876540000012345"


@pytest.fixture
def assess_clerk(make_user):
    return make_user(roles.TAX_CLERK, username="referent-wymiar-test")


@pytest.fixture
def no_assess_user(make_user):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-wymiar-test")


@pytest.fixture
def bank_profile(db):
    return BankProfile.objects.create(
        code="bank-gminy", name="Bank Gminy", separator="~", encoding="cp852",
        virtual_account_field=BankProfile.VirtualAccountField.SUBFIELD_29, office_account=OFFICE_NRB,
        sort_code="10201026", client_prefix="987654", id_length=10,
    )  # fmt: skip


def _object(actor, kind, parcel, version, holders):
    return object_create(
        actor=actor, kind=kind, precinct="Testowo", parcel=parcel, identifier="",
        version={"valid_from": JAN, **version},
        liabilities=[{"party": p, "role": role, "valid_from": JAN, "share_numerator": n, "share_denominator": d}
                     for p, role, n, d in holders],
    )  # fmt: skip


@pytest.fixture
def register_2025(db, assess_clerk, settings):
    settings.FINANCE_CREDITOR_NIP = "1234563218"
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Testowo"
    seed_demo()
    Rate.objects.filter(category__code="land_business").delete()
    people = {
        "e1": PersonFactory(surname="Ejeden", ade_address="AE:PL-12345-67890-ABCDE-12"),
        "e6": PersonFactory(surname="Eszesc", epuap_box="/eszesc/SkrytkaESP"),
        "co_a": PersonFactory(surname="Wspolny"),
        "co_b": PersonFactory(surname="Bezadresu", registered_address=None),
        "small": PersonFactory(surname="Maly"),
        "norate": PersonFactory(surname="Bezstawki"),
    }
    owner = Liability.Role.OWNER
    co = Liability.Role.CO_OWNER
    K = TaxObject.Kind
    e1, e6 = people["e1"], people["e6"]
    _object(assess_clerk, K.BUILDING, "1/1", {"category": "building_residential", "area": D("120")},
            [(e1, owner, 1, 1)])  # fmt: skip
    _object(assess_clerk, K.LAND, "1/2", {"category": "land_other", "area": D("800")}, [(e1, owner, 1, 1)])
    _object(assess_clerk, K.AGRICULTURAL, "6/1",
            {"category": "agri_farm", "area": D("6"), "land_type": "arable", "land_class": "IVa"},
            [(e6, owner, 1, 1)])  # fmt: skip
    _object(assess_clerk, K.AGRICULTURAL, "6/2",
            {"category": "agri_farm", "area": D("4"), "land_type": "meadow", "land_class": "IV"},
            [(e6, owner, 1, 1)])  # fmt: skip
    _object(assess_clerk, K.FOREST, "6/3", {"category": "forest", "area": D("2")}, [(e6, owner, 1, 1)])
    _object(assess_clerk, K.BUILDING, "6/4", {"category": "building_residential", "area": D("100")},
            [(e6, owner, 1, 1)])  # fmt: skip
    _object(assess_clerk, K.LAND, "7/1", {"category": "land_other", "area": D("1000")},
            [(people["co_a"], co, 1, 2), (people["co_b"], co, 1, 2)])  # fmt: skip
    _object(assess_clerk, K.LAND, "8/1", {"category": "land_other", "area": D("5")}, [(people["small"], owner, 1, 1)])
    _object(assess_clerk, K.LAND, "9/1", {"category": "land_business", "area": D("100")},
            [(people["norate"], owner, 1, 1)])  # fmt: skip
    return people


def counts() -> tuple[int, ...]:
    """(proposals, decisions, audit events) — unchanged after a refusal."""
    return Proposal.objects.count(), Decision.objects.count(), AuditEvent.objects.count()


@pytest.fixture
def register_units(db, assess_clerk, settings):
    """Decision units from 1.01.2026 (rates at the 2026 maxima): Adamski owns a house alone (100 m²) and land with
    Bednarek ½ + ½ (1000 m²) → units {Adamski} and {Adamski, Bednarek}; Cieslak land 500 m² and forest 2 ha without
    agricultural land → two decisions (property, forest); Dudek owns a house (80 m²) with his spouse Dudkowa →
    one unit addressed to Dudek; Ewert co-owns land with a company (½ + ½) → DN-1 territory, left out."""
    settings.FINANCE_CREDITOR_NIP = "1234563218"
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Testowo"
    seed_demo()
    people = {
        "a": PersonFactory(surname="Adamski"),
        "b": PersonFactory(surname="Bednarek"),
        "c": PersonFactory(surname="Cieslak"),
        "d_spouse": PersonFactory(surname="Dudkowa"),  # the lower id: the addressee is still Dudek, the owner
        "d": PersonFactory(surname="Dudek"),
        "e": PersonFactory(surname="Ewert"),
        "company": OrganisationFactory(name="Spółka Testowa sp. z o.o."),
    }
    jan = datetime.date(2026, 1, 1)
    owner, co, spouse = Liability.Role.OWNER, Liability.Role.CO_OWNER, Liability.Role.SPOUSE
    K = TaxObject.Kind

    def obj(kind, parcel, version, holders):
        return object_create(
            actor=assess_clerk, kind=kind, precinct="Unitowo", parcel=parcel, identifier="",
            version={"valid_from": jan, **version},
            liabilities=[{"party": p, "role": role, "valid_from": jan, "share_numerator": n, "share_denominator": d}
                         for p, role, n, d in holders],
        )  # fmt: skip

    a, b, c, d = people["a"], people["b"], people["c"], people["d"]
    obj(K.BUILDING, "1/1", {"category": "building_residential", "area": D("100")}, [(a, owner, 1, 1)])
    obj(K.LAND, "1/2", {"category": "land_other", "area": D("1000")}, [(a, co, 1, 2), (b, co, 1, 2)])
    obj(K.LAND, "2/1", {"category": "land_other", "area": D("500")}, [(c, owner, 1, 1)])
    obj(K.FOREST, "2/2", {"category": "forest", "area": D("2")}, [(c, owner, 1, 1)])
    obj(K.BUILDING, "3/1", {"category": "building_residential", "area": D("80")},
        [(d, owner, 1, 1), (people["d_spouse"], spouse, 1, 1)])  # fmt: skip
    obj(K.LAND, "4/1", {"category": "land_other", "area": D("200")},
        [(people["e"], co, 1, 2), (people["company"], co, 1, 2)])  # fmt: skip
    return people
