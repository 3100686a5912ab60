"""Shared fixtures of the documents tests: the FN unit with its head, a clerk in PD (a sub-unit), the registry."""

import pytest

from core import roles
from tests.factories import JrwaClassFactory, OrgUnitFactory


@pytest.fixture
def fn_unit(db):
    return OrgUnitFactory(symbol="FN", name="Referat Finansowy")


@pytest.fixture
def pd_unit(fn_unit):
    return OrgUnitFactory(symbol="PD", name="Referat Podatków i Opłat", parent=fn_unit)


@pytest.fixture
def head(make_user, fn_unit):
    user = make_user(roles.HEAD_OF_UNIT, username="kierownik-fn", org_unit=fn_unit)
    fn_unit.head = user
    fn_unit.save(update_fields=["head"])
    return user


@pytest.fixture
def tax_clerk(make_user, pd_unit):
    return make_user(roles.TAX_CLERK, username="referent-pd", org_unit=pd_unit)


@pytest.fixture
def registry_clerk(make_user):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-test")


@pytest.fixture
def jrwa_3120(db):
    return JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat lokalnych", archival_category="BE5")
