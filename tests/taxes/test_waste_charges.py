"""Monthly charges of the waste fee on the payers' finance accounts (issue 9 point 6): idempotent by source_ref,
the due day of the resolution shifted past weekends, corrections after a mid-period change (E7), permissions."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from core import roles
from core.exceptions import ApplicationError
from core.models import AuditEvent
from finance.models import AccountEntry, Installment, ObligorAccount
from taxes.hooks.waste import seed_demo
from taxes.models import WasteDeclaration, WasteProperty, WasteResolution
from taxes.services.waste_charges import due_date, waste_charges_correct, waste_charges_post
from taxes.tasks_waste_charges import post_month
from tests.factories import AddressFactory, PersonFactory

D = Decimal
pytestmark = pytest.mark.django_db
JAN, MARCH, JUNE, JULY = (datetime.date(2025, m, 1) for m in (1, 3, 6, 7))
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
    audit = AuditEvent.objects.get(action="taxes.waste_charge.posted")
    assert (audit.details["amount"], audit.details["due_date"]) == ("140.00", "2025-03-17")
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


def test_quarterly_resolution_is_refused_as_an_error_and_due_day_capped(tax_clerk, person, prop):
    declare(prop, person, JAN, 4)
    resolution = WasteResolution.objects.get()
    resolution.due_day = 31
    assert due_date(resolution, datetime.date(2025, 2, 1)) == datetime.date(2025, 2, 28)
    resolution.payment_frequency = WasteResolution.Frequency.QUARTERLY
    resolution.save(update_fields=["due_day", "payment_frequency"])
    assert waste_charges_post(actor=tax_clerk, month=MARCH) == {"posted": 0, "skipped": 0, "zero": 0, "errors": 1}
    assert AccountEntry.objects.count() == 0
    run = AuditEvent.objects.get(action="taxes.waste_charges.run")
    assert run.details["failures"][0]["message"] == (
        gettext("The resolution %(number)s sets quarterly payments; only monthly charges are posted.")
        % {"number": "XIV/98/2024"}
    )


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
