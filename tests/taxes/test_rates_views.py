"""Back-office screens of the rates area."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from taxes.models import Rate, Resolution
from tests.taxes.conftest_rates import *  # noqa: F403

pytestmark = pytest.mark.django_db


def test_rates_page_shows_maximum(client, rates_admin, resolution_2026):
    client.force_login(rates_admin)
    response = client.get(reverse("taxes:rates") + "?year=2026")
    assert response.status_code == 200
    text = response.content.decode()
    assert "XV/120/2025" in text
    assert "35,53" in text  # maximum of building_business 2026
    assert "66,42" in text  # rye price


def test_set_rate_htmx_refusal_and_success(client, rates_admin, resolution_2026):
    client.force_login(rates_admin)
    url = reverse("taxes:rates-set", args=[resolution_2026.pk])
    refused = client.post(url, {"category": "land_business", "rate": "1,50"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200
    expected = _("The rate %(rate)s exceeds the maximum %(maximum)s %(unit)s for %(year)s.") % {
        "rate": "1.50",
        "maximum": "1.45",
        "unit": _("zł per m²"),
        "year": 2026,
    }
    assert expected in refused.content.decode()
    assert Rate.objects.count() == 0
    ok = client.post(url, {"category": "land_business", "rate": "1,45"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200
    assert str(Rate.objects.get().rate) == "1.4500"


def test_create_resolution_and_permissions(client, rates_admin, rates_clerk):
    client.force_login(rates_clerk)
    assert client.get(reverse("taxes:rates")).status_code == 200
    data = {"year": 2026, "tax": "forest", "number": "XV/9/2025", "adopted_on": "27.11.2025"}
    assert client.post(reverse("taxes:rates-resolution-create"), data).status_code == 403
    assert Resolution.objects.count() == 0
    client.force_login(rates_admin)
    response = client.post(reverse("taxes:rates-resolution-create"), data)
    assert response.status_code == 302
    assert Resolution.objects.get().number == "XV/9/2025"
    again = client.post(reverse("taxes:rates-resolution-create"), data)
    assert again.status_code == 400
    assert Resolution.objects.count() == 1


def test_copy_screen_refuses_without_resolution(client, rates_admin):
    client.force_login(rates_admin)
    response = client.post(reverse("taxes:rates-copy"), {"year": 2026, "from_year": 2025})
    assert response.status_code == 400
    assert _("Record the resolutions for %(year)s first.") % {"year": 2026} in response.content.decode()
