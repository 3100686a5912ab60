"""Fixtures of the reminders area (``from tests.finance.conftest_reminders import *``)."""

import datetime
from decimal import Decimal

import pytest

from core import roles
from finance.models import BankProfile
from tests.factories import JrwaClassFactory, OrgUnitFactory, PersonFactory
from tests.finance.conftest_accounts import accountant, charge, person, property_tax, waste_fee  # noqa: F401

D = Decimal
ISSUE = datetime.date(2026, 6, 1)
CUTOFF = datetime.date(2026, 5, 31)


@pytest.fixture
def fn_unit(db):
    return OrgUnitFactory(symbol="FN", name="Referat Finansowy")


@pytest.fixture
def collector(make_user, fn_unit):
    """A tax clerk of FN: manages collection and opens cases."""
    return make_user(roles.TAX_CLERK, username="windykacja-test", org_unit=fn_unit)


@pytest.fixture
def jrwa_3130(db):
    return JrwaClassFactory(symbol="3130", title="Upomnienia i tytuły wykonawcze", archival_category="B5")


@pytest.fixture
def bank_profile(db):
    profile = BankProfile.objects.filter(is_active=True).first()
    if profile is None:
        profile = BankProfile.objects.create(
            code="bank-reminders", name="Bank testowy", office_account="", sort_code="10201026",
            client_prefix="987654", id_length=10,
        )  # fmt: skip
    return profile


@pytest.fixture
def debtor(charge, property_tax):  # noqa: F811
    """debtor(amount, due=date(2026, 3, 16)) → (party, account): one installment, unpaid."""

    def _debtor(amount, due=datetime.date(2026, 3, 16), receivable_type=None, party=None):
        party = party or PersonFactory()
        account, _entry = charge(party, receivable_type or property_tax, [(due, amount)])
        return party, account

    return _debtor


@pytest.fixture
def signer(make_user, fn_unit):
    """A tax clerk who is also the head of FN: manages collection and signs FN's documents with the e-seal."""
    return make_user(roles.TAX_CLERK, roles.HEAD_OF_UNIT, username="kierownik-fn-test", org_unit=fn_unit)


@pytest.fixture
def simulated_platforms(settings, pki, client):  # pki: tests.epuap.conftest, imported by the test module
    """e-Doręczenia and ePUAP simulations behind the test client, with the office's clients for them."""
    import io

    from django.core.management import call_command

    from epuap import edoreczenia_client
    from epuap.client import EpuapClient
    from epuap.edoreczenia_client import EdoreczeniaClient
    from tests.epuap.transports import HttpTransport, SoapTransport, use_simulations

    use_simulations(settings, pki.directory)
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Magistrowo"
    call_command("epuap_platform_setup", residents=1, stdout=io.StringIO())
    call_command("edoreczenia_setup", stdout=io.StringIO())
    yield {
        "edoreczenia": EdoreczeniaClient(transport=HttpTransport(client)),
        "epuap": EpuapClient(transport=SoapTransport(client)),
    }
    edoreczenia_client.clear_caches()
