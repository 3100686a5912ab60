"""Fixtures of the declarations area (``from tests.taxes.conftest_declarations import *``)."""

import datetime

import pytest

from core import roles
from core.models import AuditEvent, PublicHoliday
from documents.models import StoredFile
from taxes.models import Declaration, Liability, ObjectVersion, TaxObject
from tests.factories import IncomingEntryFactory, PersonFactory
from tests.factories.taxes import CATEGORIES, category


@pytest.fixture
def categories(db):
    return {code: category(code) for code in CATEGORIES}


@pytest.fixture
def decl_clerk(make_user):
    return make_user(roles.TAX_CLERK, username="referent-deklaracje")


@pytest.fixture
def outsider(make_user):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-deklaracje")


@pytest.fixture
def holidays(db):
    """The holidays the deadline tests touch (reference data may already hold them)."""
    for day, name in ((datetime.date(2026, 1, 1), "Nowy Rok"), (datetime.date(2026, 1, 6), "Trzech Króli")):
        PublicHoliday.objects.get_or_create(date=day, defaults={"name": name})


@pytest.fixture
def taxpayer(db):
    return PersonFactory(first_names="Jan", surname="Nowak")


@pytest.fixture
def co_owner(db):
    return PersonFactory(first_names="Anna", surname="Nowak")


def entry_with_xml(*, clerk, content: bytes, sender=None):
    """An EZD entry assigned to ``clerk`` carrying ``content`` as its original file."""
    from documents.services import files as file_service

    entry = IncomingEntryFactory(sender=sender or PersonFactory(), title="IN-1", form_code="IN-1",
                                 assigned_to=clerk, assigned_unit=clerk.org_unit)  # fmt: skip
    file_service.file_store(entry=entry, role=StoredFile.Role.ORIGINAL, file_name="in-1.xml", content=content,
                            mime_type="application/xml")  # fmt: skip
    return entry


def counts() -> tuple[int, int, int, int, int]:
    """(declarations, objects, versions, liabilities, audit events) — unchanged after a refusal."""
    return (Declaration.objects.count(), TaxObject.objects.count(), ObjectVersion.objects.count(),
            Liability.objects.count(), AuditEvent.objects.count())  # fmt: skip
