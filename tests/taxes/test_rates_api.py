"""API of the rates area: /api/v1/taxes/resolutions/, /resolutions/<id>/rates/, /max-rates/?year=."""

import pytest
from django.utils.translation import gettext as _
from rest_framework.test import APIClient

from taxes.models import Rate, Resolution
from tests.taxes.conftest_rates import *  # noqa: F403

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_max_rates_for_year(rates_clerk):
    response = api(rates_clerk).get("/api/v1/taxes/max-rates/?year=2025")
    assert response.status_code == 200
    rows = {r["category"]: r for r in response.json()}
    assert rows["building_residential"]["maximum"] == "1.1900"
    assert rows["building_residential"]["unit"] == "m2"
    assert rows["agri_farm"]["maximum"] == "215.8500"
    assert api().get("/api/v1/taxes/max-rates/?year=2025").status_code in (401, 403)


def test_resolution_create_and_rates(rates_admin):
    client = api(rates_admin)
    created = client.post(
        "/api/v1/taxes/resolutions/",
        {"year": 2026, "tax": "property", "number": "XV/1/2025", "adopted_on": "2025-11-27"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    listed = client.get("/api/v1/taxes/resolutions/?year=2026").json()
    assert [r["number"] for r in listed] == ["XV/1/2025"]
    ok = client.post(
        f"/api/v1/taxes/resolutions/{pk}/rates/", {"category": "land_other", "rate": "0.77"}, format="json"
    )
    assert ok.status_code == 200
    assert (ok.json()["rate"], ok.json()["maximum"]) == ("0.7700", "0.7700")
    refused = client.post(
        f"/api/v1/taxes/resolutions/{pk}/rates/", {"category": "land_business", "rate": "1.50"}, format="json"
    )
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "invalid"
    assert body["detail"] == _("The rate %(rate)s exceeds the maximum %(maximum)s %(unit)s for %(year)s.") % {
        "rate": "1.50",
        "maximum": "1.45",
        "unit": _("zł per m²"),
        "year": 2026,
    }
    assert Rate.objects.count() == 1
    rates = client.get(f"/api/v1/taxes/resolutions/{pk}/rates/").json()
    assert [(r["category"], r["rate"]) for r in rates] == [("land_other", "0.7700")]


def test_clerk_reads_but_cannot_write(rates_clerk, resolution_2026):
    client = api(rates_clerk)
    assert client.get("/api/v1/taxes/resolutions/?year=2026").status_code == 200
    denied = client.post(
        f"/api/v1/taxes/resolutions/{resolution_2026.pk}/rates/", {"category": "land_other", "rate": "0.5"}
    )
    assert denied.status_code == 403
    assert client.post("/api/v1/taxes/resolutions/", {"year": 2027}).status_code == 403
    assert Rate.objects.count() == 0
    assert Resolution.objects.count() == 1
    assert api(rates_clerk).get("/api/v1/taxes/resolutions/999999/rates/").status_code == 404
