"""Monthly charges of the waste fee on the payers' finance accounts (issue 9 point 6): idempotent by source_ref,
the due day of the resolution shifted past weekends, corrections after a mid-period change (E7), permissions."""

import datetime
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext

from core import roles
from core.exceptions import ApplicationError
from core.models import AuditEvent
from finance.models import AccountEntry, Installment, JournalLine, ObligorAccount
from finance.services.accounts import account_get_or_create
from taxes.hooks.waste import seed_demo
from taxes.models import WasteDeclaration, WasteProperty, WasteResolution
from taxes.services import waste_charges
from taxes.services.waste_charges import SYSTEM, due_date, waste_charges_correct, waste_charges_post
from taxes.tasks_waste_charges import post_month
from tests.factories import AddressFactory, PersonFactory

D = Decimal
pytestmark = pytest.mark.django_db
JAN, FEB, MARCH, APRIL, JUNE, JULY = (datetime.date(2025, m, 1) for m in (1, 2, 3, 4, 6, 7))
WARSAW = ZoneInfo("Europe/Warsaw")
ACCEPTED = WasteDeclaration.Status.ACCEPTED


@pytest.fixture
def tax_clerk(make_user):
    seed_demo()
    return make_user(roles.TAX_CLERK, username="referent-odpady")


@pytest.fixture
def person():
    return PersonFactory()


@pytest.fixture
def prop():
    return WasteProperty.objects.create(identifier="ODP/0001", address=AddressFactory())


def declare(prop, payer, effective_from, residents, *, previous=None, number="DO/1/2025", **kwargs):
    declaration = WasteDeclaration.objects.create(
        property=prop, payer=payer, number=number, filed_on=effective_from, effective_from=effective_from,
        purpose="change" if previous else "first", method="per_resident", residents=residents, composts=True,
        status=ACCEPTED, previous=previous, **kwargs,
    )  # fmt: skip
    if previous is not None:
        previous.superseded_by = declaration
        previous.save(update_fields=["superseded_by"])
    return declaration


def entries():
    """(kind, amount, source_ref) of every waste fee entry, in order."""
    return list(
        AccountEntry.objects.filter(source_ref__startswith="waste:")
        .order_by("pk")
        .values_list("kind", "amount", "source_ref")
    )


def test_e7_charge_due_on_the_15th_shifted_from_saturday_and_safe_twice(tax_clerk, person, prop):
    first = declare(prop, person, JAN, 4)
    assert waste_charges_post(actor=tax_clerk, month=datetime.date(2025, 3, 20)) == {
        "posted": 1, "skipped": 0, "zero": 0, "errors": 0,
    }  # fmt: skip
    assert entries() == [("charge", D("140.00"), f"waste:{first.pk}:2025-03")]
    account = ObligorAccount.objects.get()
    assert (account.party_id, account.receivable_type.code, account.year, account.source_app) == (
        person.pk, "waste_fee", 2025, "taxes",
    )  # fmt: skip
    # 15.03.2025 is a Saturday → Monday 17.03.2025 (OP art. 12 §5)
    assert list(Installment.objects.values_list("number", "due_date", "effective_due_date", "amount")) == [
        (1, datetime.date(2025, 3, 15), datetime.date(2025, 3, 17), D("140.00"))
    ]
    charge = AccountEntry.objects.get()
    assert charge.value_date == MARCH
    # one finance audit event per chunk (not per charge), the run's event with the counts and the total
    audit = AuditEvent.objects.get(action="finance.charges.posted")
    assert (audit.details["entries"], audit.details["amount"], audit.details["source"]) == (
        [charge.pk], "140.00", "taxes.waste_charges 2025-03",
    )  # fmt: skip
    run = AuditEvent.objects.get(action="taxes.waste_charges.run")
    assert (run.details["bulk_charges"], run.details["bulk_amount"], run.details["chunks_one_by_one"]) == (
        1, "140.00", 0,
    )  # fmt: skip
    assert not AuditEvent.objects.filter(action="taxes.waste_charge.posted").exists()
    # a second run posts nothing
    assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 0, "skipped": 1, "zero": 0, "errors": 0}
    assert (AccountEntry.objects.count(), Installment.objects.count()) == (1, 1)
    # a month before the declaration: nothing in force
    assert waste_charges_post(actor=tax_clerk, month=datetime.date(2024, 12, 1)) == {
        "posted": 0, "skipped": 0, "zero": 0, "errors": 0,
    }  # fmt: skip


def test_e7_fifth_resident_in_june_corrects_june_and_july_at_175(tax_clerk, person, prop):
    first = declare(prop, person, JAN, 4)
    waste_charges_post(actor=tax_clerk, month=JUNE)
    assert Installment.objects.get().effective_due_date == datetime.date(2025, 6, 16)  # 15.06.2025 is a Sunday
    change = declare(prop, person, JUNE, 5, previous=first, number="DO/2/2025")
    # June was charged under the first declaration: the regular run does not charge it again
    assert waste_charges_post(actor=tax_clerk, month=JUNE)["skipped"] == 1
    rows = waste_charges_correct(actor=tax_clerk, property=prop, from_month=JUNE)
    assert [(r["month"], r["difference"]) for r in rows] == [("2025-06", "35.00")]
    assert entries() == [
        ("charge", D("140.00"), f"waste:{first.pk}:2025-06"),
        ("charge", D("35.00"), f"waste:{change.pk}:2025-06:correction"),
    ]
    correction = AccountEntry.objects.get(source_ref__endswith=":correction")
    assert list(correction.installments.values_list("due_date", "effective_due_date", "amount")) == [
        (datetime.date(2025, 6, 15), datetime.date(2025, 6, 16), D("35.00"))
    ]
    # safe twice: June now carries 175.00
    assert waste_charges_correct(actor=tax_clerk, property=prop, from_month=JUNE) == []
    assert AccountEntry.objects.count() == 2
    # July under the change: 5 × (38.00 − 3.00)
    assert waste_charges_post(actor=tax_clerk, month=JULY) == {"posted": 1, "skipped": 0, "zero": 0, "errors": 0}
    assert entries()[-1] == ("charge", D("175.00"), f"waste:{change.pk}:2025-07")
    assert AuditEvent.objects.filter(action="taxes.waste_charge.corrected").count() == 2


def test_decrease_reduces_the_charged_months(tax_clerk, person, prop):
    first = declare(prop, person, JAN, 4)
    waste_charges_post(actor=tax_clerk, month=JUNE)
    waste_charges_post(actor=tax_clerk, month=JULY)
    change = declare(prop, person, JUNE, 3, previous=first, number="DO/2/2025")
    rows = waste_charges_correct(actor=tax_clerk, property=prop, from_month=JUNE)
    assert [(r["month"], r["difference"]) for r in rows] == [("2025-06", "-35.00"), ("2025-07", "-35.00")]
    assert entries() == [
        ("charge", D("140.00"), f"waste:{first.pk}:2025-06"),
        ("charge", D("140.00"), f"waste:{first.pk}:2025-07"),
        ("reduction", D("35.00"), f"waste:{change.pk}:2025-06:correction"),
        ("reduction", D("35.00"), f"waste:{change.pk}:2025-07:correction"),
    ]
    june, july = AccountEntry.objects.filter(kind="charge").order_by("pk")
    assert [e.installment.charge_id for e in AccountEntry.objects.filter(kind="reduction").order_by("pk")] == [
        june.pk, july.pk,
    ]  # fmt: skip
    assert waste_charges_correct(actor=tax_clerk, property=prop, from_month=JUNE) == []
    assert AccountEntry.objects.count() == 4


def test_zero_fee_posts_nothing(tax_clerk, person, prop):
    declare(prop, person, JAN, 0)
    assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 0, "skipped": 0, "zero": 1, "errors": 0}
    assert (AccountEntry.objects.count(), ObligorAccount.objects.count()) == (0, 0)


def test_a_failing_declaration_is_counted_and_the_others_go_on(tax_clerk, person, prop):
    declare(prop, person, JAN, 4)
    other = WasteProperty.objects.create(identifier="ODP/0002", address=AddressFactory())
    bad = declare(other, person, JAN, None, number="DO/9/2025")  # per resident without the number of residents
    assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 1, "skipped": 0, "zero": 0, "errors": 1}
    assert [e[1] for e in entries()] == [D("140.00")]
    run = AuditEvent.objects.get(action="taxes.waste_charges.run")
    assert [f["declaration"] for f in run.details["failures"]] == [bad.pk]


def test_not_accepted_and_superseded_declarations_are_not_charged(tax_clerk, person, prop):
    first = declare(prop, person, JAN, 4)
    declare(prop, person, JUNE, 5, previous=first, number="DO/2/2025")
    WasteDeclaration.objects.create(
        property=prop, payer=person, filed_on=JAN, effective_from=JAN, method="per_resident", residents=7,
        status=WasteDeclaration.Status.RECEIVED,
    )  # fmt: skip
    waste_charges_post(actor=tax_clerk, month=MARCH)
    waste_charges_post(actor=tax_clerk, month=JUNE)
    assert [e[1] for e in entries()] == [D("140.00"), D("175.00")]


def test_without_permission_refused_and_nothing_written(make_user, person, prop):
    seed_demo()
    declare(prop, person, JAN, 4)
    accountant = make_user(roles.ACCOUNTANT, username="ksiegowa-odpady")
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        waste_charges_post(actor=accountant, month=MARCH)
    assert refused.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        waste_charges_correct(actor=accountant, property=prop, from_month=MARCH)
    assert (AccountEntry.objects.count(), ObligorAccount.objects.count()) == (0, 0)
    assert AuditEvent.objects.count() == before


def test_task_posts_the_month_safe_twice(tax_clerk, person, prop):
    declare(prop, person, JAN, 4)
    assert post_month("2025-03-01") == {"posted": 1, "skipped": 0, "zero": 0, "errors": 0}
    assert post_month("2025-03-01") == {"posted": 0, "skipped": 1, "zero": 0, "errors": 0}
    assert AccountEntry.objects.get().created_by is None


def test_task_without_a_month_charges_the_current_month_in_warsaw(tax_clerk, person, prop):
    first = declare(prop, person, JAN, 4)
    # beat fires on the 1st at 04:20 Warsaw time; 28.02 23:30 UTC is already 1.03 in Warsaw
    with time_machine.travel(datetime.datetime(2025, 2, 28, 23, 30, tzinfo=datetime.UTC), tick=False):
        assert post_month() == {"posted": 1, "skipped": 0, "zero": 0, "errors": 0}
    with time_machine.travel(at(datetime.date(2025, 4, 1), 4), tick=False):
        assert post_month("2025-04") == {"posted": 1, "skipped": 0, "zero": 0, "errors": 0}
    assert [e[2] for e in entries()] == [f"waste:{first.pk}:2025-03", f"waste:{first.pk}:2025-04"]


def installments():
    """(source_ref, due date, effective due date, amount) of every waste fee installment, in order."""
    return list(
        Installment.objects.filter(charge__source_ref__startswith="waste:")
        .order_by("charge_id", "number")
        .values_list("charge__source_ref", "due_date", "effective_due_date", "amount")
    )


def test_due_day_capped_to_the_month_and_the_quarter(tax_clerk):
    resolution = WasteResolution.objects.get()
    resolution.due_day = 31
    assert due_date(resolution, datetime.date(2025, 2, 1)) == datetime.date(2025, 2, 28)
    resolution.payment_frequency = WasteResolution.Frequency.QUARTERLY
    resolution.quarter_due_month = 2
    assert [due_date(resolution, datetime.date(2028, m, 1)) for m in (1, 2, 3, 4, 12)] == [
        datetime.date(2028, 2, 29), datetime.date(2028, 2, 29), datetime.date(2028, 2, 29), datetime.date(2028, 5, 31),
        datetime.date(2028, 11, 30),
    ]  # fmt: skip
    resolution.quarter_due_month = 1
    assert due_date(resolution, datetime.date(2025, 9, 1)) == datetime.date(2025, 7, 31)


def test_quarterly_each_month_its_own_charge_due_in_the_quarters_month(tax_clerk, person, prop):
    first = declare(prop, person, JAN, 4)
    resolution = WasteResolution.objects.get()
    resolution.payment_frequency = WasteResolution.Frequency.QUARTERLY
    resolution.save(update_fields=["payment_frequency"])
    for month in (JAN, FEB, MARCH, APRIL):
        assert waste_charges_post(actor=tax_clerk, month=month) == {"posted": 1, "skipped": 0, "zero": 0, "errors": 0}
    q1 = (datetime.date(2025, 3, 15), datetime.date(2025, 3, 17), D("140.00"))  # Saturday → Monday
    q2 = (datetime.date(2025, 6, 15), datetime.date(2025, 6, 16), D("140.00"))  # Sunday → Monday
    assert installments() == [
        (f"waste:{first.pk}:2025-01", *q1), (f"waste:{first.pk}:2025-02", *q1), (f"waste:{first.pk}:2025-03", *q1),
        (f"waste:{first.pk}:2025-04", *q2),
    ]  # fmt: skip
    assert list(AccountEntry.objects.order_by("pk").values_list("value_date", flat=True)) == [JAN, FEB, MARCH, APRIL]
    # a change in February after the quarter was charged: the corrections are due with the quarter
    change = declare(prop, person, FEB, 5, previous=first, number="DO/2/2025")
    rows = waste_charges_correct(actor=tax_clerk, property=prop, from_month=FEB)
    assert [(r["month"], r["difference"]) for r in rows] == [
        ("2025-02", "35.00"), ("2025-03", "35.00"), ("2025-04", "35.00"),
    ]  # fmt: skip
    assert installments()[-3:] == [
        (f"waste:{change.pk}:2025-02:correction", datetime.date(2025, 3, 15), datetime.date(2025, 3, 17), D("35.00")),
        (f"waste:{change.pk}:2025-03:correction", datetime.date(2025, 3, 15), datetime.date(2025, 3, 17), D("35.00")),
        (f"waste:{change.pk}:2025-04:correction", datetime.date(2025, 6, 15), datetime.date(2025, 6, 16), D("35.00")),
    ]
    # the 4th quarter due on the 11th of its second month: 11.11.2025 is a public holiday → 12.11.2025
    resolution.quarter_due_month, resolution.due_day = 2, 11
    resolution.save(update_fields=["quarter_due_month", "due_day"])
    for month in (10, 11, 12):
        waste_charges_post(actor=tax_clerk, month=datetime.date(2025, month, 1))
    assert installments()[-3:] == [
        (f"waste:{change.pk}:2025-{m}", datetime.date(2025, 11, 11), datetime.date(2025, 11, 12), D("175.00"))
        for m in (10, 11, 12)
    ]


def test_mixed_property_residents_and_containers(tax_clerk, person):
    mixed = WasteProperty.objects.create(identifier="ODP/M-1", address=AddressFactory(), kind="mixed")
    containers = [{"capacity_l": 120, "frequency": 2, "count": 1}]
    declaration = WasteDeclaration.objects.create(
        property=mixed, payer=person, number="DO/5/2025", filed_on=JAN, effective_from=JAN, method="per_resident",
        residents=2, containers=containers, status=ACCEPTED,
    )  # fmt: skip
    other = WasteProperty.objects.create(identifier="ODP/M-2", address=AddressFactory(), kind="mixed")
    unsorted = WasteDeclaration.objects.create(
        property=other, payer=person, number="DO/6/2025", filed_on=JAN, effective_from=JAN, method="per_resident",
        residents=2, containers=containers, selective=False, status=ACCEPTED,
    )  # fmt: skip
    assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 2, "skipped": 0, "zero": 0, "errors": 0}
    # 2 × 38.00 + 28.00; non-selective: (76.00 + 28.00) × 2
    assert entries() == [
        ("charge", D("104.00"), f"waste:{declaration.pk}:2025-03"),
        ("charge", D("208.00"), f"waste:{unsorted.pk}:2025-03"),
    ]
    assert ObligorAccount.objects.count() == 1  # one account of the payer for the year


def at(day: datetime.date, hour: int = 6):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=WARSAW)


def cottage(identifier="ODP/L-1"):
    return WasteProperty.objects.create(identifier=identifier, address=AddressFactory(), kind="cottage")


def declare_cottage(prop, payer, effective_from, *, previous=None, number="DO/7/2025", selective=True):
    declaration = WasteDeclaration.objects.create(
        property=prop, payer=payer, number=number, filed_on=effective_from, effective_from=effective_from,
        purpose="correction" if previous else "first", method="", selective=selective, status=ACCEPTED,
        previous=previous,
    )  # fmt: skip
    if previous is not None:
        previous.superseded_by = declaration
        previous.save(update_fields=["superseded_by"])
    return declaration


def test_cottage_annual_fee_once_a_year_in_january(tax_clerk, person):
    prop = cottage()
    declaration = declare_cottage(prop, person, datetime.date(2024, 5, 1))
    with time_machine.travel(at(JAN), tick=False):
        assert waste_charges_post(actor=tax_clerk, month=JAN) == {"posted": 1, "skipped": 0, "zero": 0, "errors": 0}
    assert entries() == [("charge", D("180.00"), f"waste:{declaration.pk}:2025:annual")]
    charge = AccountEntry.objects.get()
    assert (charge.value_date, charge.account.year, charge.account.party_id) == (JAN, 2025, person.pk)
    assert charge.description == gettext("Waste fee for the holiday cottage, year %(year)s, declaration %(number)s") % {
        "year": 2025,
        "number": "DO/7/2025",
    }
    # the resolution's 15.06 (a Sunday → 16.06.2025)
    assert installments() == [(charge.source_ref, datetime.date(2025, 6, 15), datetime.date(2025, 6, 16), D("180.00"))]
    with time_machine.travel(at(datetime.date(2025, 1, 2)), tick=False):
        assert waste_charges_post(actor=tax_clerk, month=JAN) == {"posted": 0, "skipped": 1, "zero": 0, "errors": 0}
    with time_machine.travel(at(FEB), tick=False):
        # February: no monthly fee for a cottage, the year's fee is charged
        assert waste_charges_post(actor=tax_clerk, month=FEB) == {"posted": 0, "skipped": 0, "zero": 1, "errors": 0}
        assert waste_charges_post(actor=tax_clerk, month=FEB) == {"posted": 0, "skipped": 0, "zero": 1, "errors": 0}
    assert AccountEntry.objects.count() == 1
    with time_machine.travel(at(datetime.date(2026, 1, 1)), tick=False):
        assert waste_charges_post(actor=tax_clerk, month=datetime.date(2026, 1, 1))["posted"] == 1
    assert installments()[-1] == (
        f"waste:{declaration.pk}:2026:annual",
        datetime.date(2026, 6, 15),
        datetime.date(2026, 6, 15),
        D("180.00"),
    )
    assert list(ObligorAccount.objects.order_by("year").values_list("year", flat=True)) == [2025, 2026]


def test_cottage_declared_mid_year_charged_in_its_first_month_due_14_days_after_posting(tax_clerk, person):
    prop = cottage()
    august = datetime.date(2025, 8, 1)
    declaration = declare_cottage(prop, person, august)
    with time_machine.travel(at(JULY), tick=False):
        assert waste_charges_post(actor=tax_clerk, month=JULY) == {"posted": 0, "skipped": 0, "zero": 0, "errors": 0}
    with time_machine.travel(at(august), tick=False):
        assert waste_charges_post(actor=tax_clerk, month=august)["posted"] == 1
    # 15.06.2025 has passed: 14 days after posting = 15.08.2025, a public holiday (Friday) → Monday 18.08.2025
    assert installments() == [
        (f"waste:{declaration.pk}:2025:annual", datetime.date(2025, 8, 15), datetime.date(2025, 8, 18), D("180.00"))
    ]
    assert AccountEntry.objects.get().value_date == august
    with time_machine.travel(at(datetime.date(2025, 9, 1)), tick=False):
        assert waste_charges_post(actor=tax_clerk, month=datetime.date(2025, 9, 1))["zero"] == 1
    assert AccountEntry.objects.count() == 1


def test_cottage_january_missed_february_run_charges_the_year_from_january(tax_clerk, person):
    prop = cottage()
    declaration = declare_cottage(prop, person, datetime.date(2024, 5, 1))
    change = declare_cottage(prop, person, FEB, previous=declaration, number="DO/8/2025", selective=False)
    with time_machine.travel(at(datetime.date(2025, 2, 3)), tick=False):
        assert waste_charges_post(actor=tax_clerk, month=FEB) == {"posted": 1, "skipped": 0, "zero": 0, "errors": 0}
    # the declaration in force in January (selective: 180.00), not February's change (non-selective)
    assert entries() == [("charge", D("180.00"), f"waste:{declaration.pk}:2025:annual")]
    assert AccountEntry.objects.get().value_date == JAN
    assert installments()[0][1:3] == (datetime.date(2025, 6, 15), datetime.date(2025, 6, 16))
    # a change later in the year does not change the year's annual fee
    assert waste_charges_correct(actor=tax_clerk, property=prop, from_month=FEB) == []
    assert change.pk
    assert AccountEntry.objects.count() == 1


def test_cottage_annual_fee_corrected_by_a_correction_of_january(tax_clerk, person):
    prop = cottage()
    first = declare_cottage(prop, person, datetime.date(2024, 5, 1))
    with time_machine.travel(at(JAN), tick=False):
        waste_charges_post(actor=tax_clerk, month=JAN)
    correction = declare_cottage(prop, person, JAN, previous=first, number="DO/8/2025", selective=False)
    with time_machine.travel(at(datetime.date(2025, 3, 10)), tick=False):
        rows = waste_charges_correct(actor=tax_clerk, property=prop, from_month=JAN)
        assert [(r["month"], r["difference"]) for r in rows] == [("2025:annual", "180.00")]
        assert waste_charges_correct(actor=tax_clerk, property=prop, from_month=JAN) == []
        # the run does not charge the year again
        assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 0, "skipped": 0, "zero": 1, "errors": 0}
    assert entries() == [
        ("charge", D("180.00"), f"waste:{first.pk}:2025:annual"),
        ("charge", D("180.00"), f"waste:{correction.pk}:2025:annual:correction"),
    ]
    extra = AccountEntry.objects.get(source_ref__endswith=":correction")
    assert extra.value_date == datetime.date(2025, 3, 10)
    assert installments()[-1][1:] == (datetime.date(2025, 6, 15), datetime.date(2025, 6, 16), D("180.00"))
    # back to selective collection from January: the 180.00 is reduced (the latest charge first)
    back = declare_cottage(prop, person, JAN, previous=correction, number="DO/9/2025")
    with time_machine.travel(at(datetime.date(2025, 7, 1)), tick=False):
        rows = waste_charges_correct(actor=tax_clerk, property=prop, from_month=JAN)
    assert [(r["month"], r["difference"]) for r in rows] == [("2025:annual", "-180.00")]
    reduction = AccountEntry.objects.get(kind="reduction")
    assert (reduction.amount, reduction.source_ref, reduction.installment.charge_id) == (
        D("180.00"), f"waste:{back.pk}:2025:annual:correction", extra.pk,
    )  # fmt: skip


def test_property_ids_limit_the_run(tax_clerk, person, prop):
    first = declare(prop, person, JAN, 4)
    other = WasteProperty.objects.create(identifier="ODP/0002", address=AddressFactory())
    second = declare(other, PersonFactory(), JAN, 2, number="DO/2/2025")
    assert waste_charges_post(actor=tax_clerk, month=MARCH, property_ids=[other.pk]) == {
        "posted": 1, "skipped": 0, "zero": 0, "errors": 0,
    }  # fmt: skip
    assert entries() == [("charge", D("70.00"), f"waste:{second.pk}:2025-03")]
    assert AuditEvent.objects.get(action="taxes.waste_charges.run").details["property_ids"] == [other.pk]
    assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 1, "skipped": 1, "zero": 0, "errors": 0}
    assert entries()[-1] == ("charge", D("140.00"), f"waste:{first.pk}:2025-03")
    assert waste_charges_post(actor=tax_clerk, month=MARCH, property_ids=[]) == {
        "posted": 0, "skipped": 0, "zero": 0, "errors": 0,
    }  # fmt: skip


def _properties(n, person=None, **kwargs):
    address = AddressFactory()
    made = []
    for i in range(n):
        prop = WasteProperty.objects.create(identifier=f"ODP/C-{i:03d}", address=address)
        made.append(declare(prop, person or PersonFactory(), JAN, 1 + i % 5, number=f"DO/C{i}/2025", **kwargs))
    return made


def test_chunks_and_errors_isolated_and_idempotent(tax_clerk, monkeypatch):
    monkeypatch.setattr(waste_charges, "CHUNK", 3)
    made = _properties(7)
    bad = made[4]
    WasteDeclaration.objects.filter(pk=bad.pk).update(residents=None)  # per resident without the number
    assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 6, "skipped": 0, "zero": 0, "errors": 1}
    run = AuditEvent.objects.get(action="taxes.waste_charges.run")
    assert (run.details["chunks"], run.details["chunks_one_by_one"], run.details["failures"][0]["declaration"]) == (
        3, 0, bad.pk,
    )  # fmt: skip
    assert AuditEvent.objects.filter(action="finance.charges.posted").count() == 3
    counts = (AccountEntry.objects.count(), Installment.objects.count(), JournalLine.objects.count())
    audits = AuditEvent.objects.count()
    assert counts == (6, 6, 12)
    # a second run posts nothing (the bad declaration is still an error), only its run event
    assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 0, "skipped": 6, "zero": 0, "errors": 1}
    assert (AccountEntry.objects.count(), Installment.objects.count(), JournalLine.objects.count()) == counts
    assert AuditEvent.objects.count() == audits + 1


def test_a_chunk_failing_in_the_database_falls_back_to_one_by_one(tax_clerk, monkeypatch):
    from finance.services import accounts

    monkeypatch.setattr(waste_charges, "CHUNK", 4)
    made = _properties(6)
    real = accounts.charge_post

    def charge_post(**kwargs):
        if kwargs["source_ref"] == f"waste:{made[1].pk}:2025-03":
            raise DatabaseError("disk full")
        return real(**kwargs)

    def post_chunk(**kwargs):
        if any(d.pk == made[1].pk for d in kwargs["declarations"]):
            raise DatabaseError("deadlock detected")
        return real_chunk(**kwargs)

    real_chunk = waste_charges._post_chunk
    monkeypatch.setattr(accounts, "charge_post", charge_post)
    monkeypatch.setattr(waste_charges, "_post_chunk", post_chunk)
    assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 5, "skipped": 0, "zero": 0, "errors": 1}
    run = AuditEvent.objects.get(action="taxes.waste_charges.run")
    assert run.details["failures"] == [{"declaration": made[1].pk, "message": "disk full"}]
    assert (run.details["chunks"], run.details["chunks_one_by_one"]) == (2, 1)
    # the first chunk one by one (charge_post, one event per charge), the second in bulk
    assert AuditEvent.objects.filter(action="taxes.waste_charge.posted").count() == 3
    assert AuditEvent.objects.filter(action="finance.charges.posted").count() == 1
    assert sorted(e[2] for e in entries()) == sorted(f"waste:{d.pk}:2025-03" for d in made if d != made[1])


def _snapshot():
    """Everything the charges wrote, without database ids: accounts, entries with installments and journal."""
    accounts = {
        a.pk: (a.party_id, a.receivable_type.code, a.year, a.source_app, a.source_ref)
        for a in ObligorAccount.objects.select_related("receivable_type")
    }
    rows = []
    for e in AccountEntry.objects.select_related("journal_entry").order_by("pk"):
        journal = e.journal_entry
        lines = [
            (x.account.number, x.debit, x.credit, accounts.get(x.obligor_account_id), x.dzial, x.rozdzial, x.paragraf)
            for x in journal.lines.select_related("account").order_by("pk")
        ]
        assert sum(x[1] for x in lines) == sum(x[2] for x in lines) == e.amount
        rows.append((
            accounts[e.account_id], e.kind, e.component, e.amount, e.value_date, e.booked_on, e.description,
            e.source_ref, e.created_by_id, e.installment_id, e.payment_id, e.counter_account_id,
            list(e.installments.order_by("number").values_list("number", "due_date", "effective_due_date", "amount")),
            (journal.date, journal.event, journal.description, journal.created_by_id, journal.reverses_id), lines,
        ))  # fmt: skip
    return sorted(accounts.values()), rows


def test_bulk_equals_one_by_one_entry_by_entry(tax_clerk, person, monkeypatch):
    payers = [PersonFactory() for _ in range(4)]
    address = AddressFactory()

    def prop(identifier, kind="residential"):
        return WasteProperty.objects.create(identifier=identifier, address=address, kind=kind)

    def record(p, payer, number, effective_from=JAN, **fields):
        return WasteDeclaration.objects.create(
            property=p, payer=payer, number=number, filed_on=effective_from, effective_from=effective_from,
            status=ACCEPTED, **fields,
        )  # fmt: skip

    record(prop("B-01"), payers[0], "DO/1", method="per_resident", residents=4, composts=True)
    record(prop("B-02"), payers[1], "DO/2", method="per_resident", residents=3, selective=False)
    record(prop("B-03", "mixed"), payers[0], "DO/3", method="per_resident", residents=2,
           containers=[{"capacity_l": 240, "frequency": 2, "count": 2}])  # fmt: skip
    record(prop("B-04", "non_residential"), payers[2], "DO/4", containers=[[1100, 4, 1]])
    record(prop("B-05", "cottage"), payers[3], "DO/5", effective_from=datetime.date(2024, 6, 1))
    record(prop("B-06", "cottage"), payers[3], "DO/6", effective_from=FEB, selective=False)
    record(prop("B-07"), payers[1], "DO/7", method="per_resident", residents=0)
    record(prop("B-08"), payers[2], "DO/8", method="per_resident")  # no residents: an error
    record(prop("B-09"), person, "DO/9", method="per_resident", residents=5, exemption_codes=["large_family"])
    charged = record(prop("B-10"), person, "DO/10", method="per_resident", residents=1)
    account_get_or_create(party=payers[2], receivable_type=waste_charges._receivable_type(), year=2025)
    with time_machine.travel(at(datetime.date(2025, 3, 1)), tick=False):
        waste_charges_post(actor=tax_clerk, month=MARCH, property_ids=[charged.property_id])
        with transaction.atomic():
            bulk_counts = waste_charges_post(actor=tax_clerk, month=MARCH)
            bulk = _snapshot()
            assert AuditEvent.objects.filter(action="finance.charges.posted").count() == 2
            transaction.set_rollback(True)

        def one_by_one_only(**kwargs):
            raise DatabaseError("forced one by one")

        monkeypatch.setattr(waste_charges, "_post_chunk", one_by_one_only)
        single_counts = waste_charges_post(actor=tax_clerk, month=MARCH)
        single = _snapshot()
    assert bulk_counts == single_counts == {"posted": 7, "skipped": 1, "zero": 1, "errors": 1}
    assert bulk == single
    amounts = [(r[7].split(":", 2)[2], r[3]) for r in bulk[1]]
    assert amounts == [
        ("2025-03", D("38.00")),
        ("2025-03", D("140.00")),
        ("2025-03", D("228.00")),
        ("2025-03", D("180.00")),
        ("2025-03", D("310.00")),
        ("2025:annual", D("180.00")),
        ("2025:annual", D("360.00")),
        ("2025-03", D("152.00")),
    ]
    # the cottage declared from February: the year's fee from February (non-selective ×2), due 15.06 (a Sunday)
    cottage_feb = bulk[1][6]
    assert (cottage_feb[4], cottage_feb[12]) == (
        FEB, [(1, datetime.date(2025, 6, 15), datetime.date(2025, 6, 16), D("360.00"))],
    )  # fmt: skip


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_post_each_month_once(monkeypatch):
    seed_demo()
    monkeypatch.setattr(waste_charges, "CHUNK", 5)
    person = PersonFactory()
    made = _properties(23, person=person)
    barrier = threading.Barrier(2)
    results, failures = [], []

    def run():
        try:
            barrier.wait()
            results.append(waste_charges_post(actor=SYSTEM, month=MARCH))
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sum(r["posted"] for r in results) == 23
    assert sum(r["skipped"] for r in results) == 23
    refs = list(AccountEntry.objects.values_list("source_ref", flat=True))
    assert sorted(refs) == sorted(f"waste:{d.pk}:2025-03" for d in made)
    assert ObligorAccount.objects.filter(party=person).count() == 1


def test_accepting_a_change_corrects_the_months_already_charged(tax_clerk, person, prop):
    from taxes.services.waste_declarations import waste_declaration_accept

    first = declare(prop, person, JAN, 4)
    waste_charges_post(actor=tax_clerk, month=JUNE)
    change = WasteDeclaration.objects.create(
        property=prop, payer=person, number="DO/2/2025", filed_on=datetime.date(2025, 7, 8), effective_from=JUNE,
        purpose="change", method="per_resident", residents=5, composts=True, previous=first,
    )  # fmt: skip
    waste_declaration_accept(actor=tax_clerk, declaration=change)
    assert entries() == [
        ("charge", D("140.00"), f"waste:{first.pk}:2025-06"),
        ("charge", D("35.00"), f"waste:{change.pk}:2025-06:correction"),
    ]


def test_one_account_per_property_when_configured(tax_clerk, person, prop, settings, monkeypatch):
    """WASTE_ACCOUNT_PER_PROPERTY: each property's fee on its own account (source_ref waste-property:<id>), in the
    bulk run, in the one-by-one path and in a correction; the payer's general waste account stays unused."""
    settings.WASTE_ACCOUNT_PER_PROPERTY = True
    other = WasteProperty.objects.create(identifier="ODP/0002", address=AddressFactory())
    first = declare(prop, person, JAN, 4)
    declare(other, person, JAN, 2, number="DO/9/2025")
    assert waste_charges_post(actor=tax_clerk, month=JAN)["posted"] == 2
    accounts = {a.source_ref: a for a in ObligorAccount.objects.filter(party=person, year=2025)}
    assert set(accounts) == {f"waste-property:{prop.pk}", f"waste-property:{other.pk}"}
    assert sorted(AccountEntry.objects.filter(kind="charge").values_list("account__source_ref", "amount")) == sorted(
        [(f"waste-property:{prop.pk}", D("140.00")), (f"waste-property:{other.pk}", D("70.00"))]
    )
    # a change in January: the correction goes on the property's own account
    declare(prop, person, JAN, 5, previous=first, number="DO/2/2025")
    waste_charges_correct(actor=tax_clerk, property=prop, from_month=JAN)
    correction = AccountEntry.objects.get(source_ref__endswith=":correction")
    assert (correction.account.source_ref, correction.amount) == (f"waste-property:{prop.pk}", D("35.00"))
    assert not ObligorAccount.objects.filter(party=person, source_ref="").exists()

    # the one-by-one path (a chunk that failed in the database) uses the same accounts
    def one_by_one_only(**kwargs):
        raise DatabaseError("forced one by one")

    monkeypatch.setattr(waste_charges, "_post_chunk", one_by_one_only)
    assert waste_charges_post(actor=tax_clerk, month=FEB)["posted"] == 2
    assert sorted(
        AccountEntry.objects.filter(kind="charge", value_date=FEB).values_list("account__source_ref", "amount")
    ) == sorted([(f"waste-property:{prop.pk}", D("175.00")), (f"waste-property:{other.pk}", D("70.00"))])
    assert ObligorAccount.objects.filter(party=person).count() == 2
    settings.WASTE_ACCOUNT_PER_PROPERTY = False
    assert waste_charges.account_ref(prop.pk) == ""


def test_a_change_of_payer_moves_the_charged_months_to_the_new_payer(tax_clerk, person, prop):
    """A change naming another payer from a charged month: the old payer's charge is reduced to nothing and the new
    payer charged the whole fee of the month (not the difference between the two fees)."""
    first = declare(prop, person, JAN, 4)  # 140.00
    waste_charges_post(actor=tax_clerk, month=FEB)
    buyer = PersonFactory()
    change = declare(prop, buyer, FEB, 2, previous=first, number="DO/3/2025")  # 2 × 35.00 = 70.00
    rows = waste_charges_correct(actor=tax_clerk, property=prop, from_month=FEB)
    assert [(r["month"], r["difference"]) for r in rows] == [("2025-02", "-70.00")]
    net = {}
    for kind, amount, party in AccountEntry.objects.filter(source_ref__startswith="waste:").values_list(
        "kind", "amount", "account__party_id"
    ):
        net[party] = net.get(party, D("0")) + (amount if kind == "charge" else -amount)
    assert net == {person.pk: D("0.00"), buyer.pk: D("70.00")}
    assert (
        AccountEntry.objects.get(account__party=buyer, kind="charge").source_ref
        == f"waste:{change.pk}:2025-02:correction"
    )
    # safe twice
    assert waste_charges_correct(actor=tax_clerk, property=prop, from_month=FEB) == []
