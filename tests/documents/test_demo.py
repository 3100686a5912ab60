"""The EZD demo seeders: cases from the clerk's letters and an overdue KPA case; demo postal prices. Idempotent."""

import datetime

import pytest
from django.utils import timezone

from core import roles
from core.models import FeeRate
from documents.demo import DEMO_FEE_BASIS, seed_cases, seed_postal_fees
from documents.models import Case, IncomingEntry
from documents.services.assignment import assign_to_clerk, assign_to_unit
from tests.factories import IncomingEntryFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db


def test_seed_cases_opens_cases_from_the_clerks_letters_and_one_overdue_case(make_user):
    fn = OrgUnitFactory(symbol="FN")
    pd = OrgUnitFactory(symbol="PD", parent=fn)
    head = make_user(roles.HEAD_OF_UNIT, username="kierownik", org_unit=fn)
    fn.head = head
    fn.save()
    clerk = make_user(roles.TAX_CLERK, username="referent", org_unit=pd)
    registry = make_user(roles.REGISTRY_CLERK, username="kancelaria")
    entry = IncomingEntryFactory(form_code="IN-1", title="Informacja IN-1", year=timezone.localdate().year)
    assign_to_unit(actor=registry, entry=entry, unit=fn)
    assign_to_clerk(actor=head, entry=entry, clerk=clerk)

    assert seed_cases() == "2 cases opened"
    year = timezone.localdate().year
    from_letter = Case.objects.get(origin_entry=entry)
    assert (from_letter.mark, from_letter.owner) == (f"FN.3120.1.{year}", clerk)
    entry.refresh_from_db()
    assert entry.status == IncomingEntry.Status.IN_CASE
    older = Case.objects.exclude(pk=from_letter.pk).get()
    assert older.opened_on == timezone.localdate() - datetime.timedelta(days=45)
    assert older.due_date < timezone.localdate()  # one month under KPA art. 35: overdue in the reports
    assert seed_cases() == "0 cases opened"


def test_seed_postal_fees_are_marked_demo_and_not_repeated():
    assert seed_postal_fees() == "3 demo postal fee rates"
    assert set(FeeRate.objects.filter(legal_basis=DEMO_FEE_BASIS).values_list("code", flat=True)) == {
        "postal_registered_zpo",
        "postal_ordinary",
        "courier",
    }
    assert seed_postal_fees() == "0 demo postal fee rates"
