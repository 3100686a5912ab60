"""The simulated login.gov.pl's identity chooser lists persons with a portal account first (the demo resident)."""

import pytest

from core import roles
from epuap.wk import views as wk_views
from epuap.wk.views import MAX_TEST_PERSONS
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_persons_with_a_portal_account_come_first():
    PersonFactory.create_batch(MAX_TEST_PERSONS + 2, surname="Abacki")
    resident = PersonFactory(surname="Żuraw", first_names="Zofia Maria")
    UserFactory(username="zuraw", party=resident, roles=[roles.RESIDENT])
    clerk = PersonFactory(surname="Źrebiec")
    UserFactory(username="zrebiec", party=clerk, roles=[roles.TAX_CLERK], is_staff=True)  # cannot log in here
    listed = wk_views.test_persons()
    assert len(listed) == MAX_TEST_PERSONS
    first = listed[0]
    assert (first.pesel, first.first_name, first.family_name) == (resident.pesel, "Zofia", "Żuraw")
    assert [p.family_name for p in listed[1:]] == ["Abacki"] * (MAX_TEST_PERSONS - 1)
