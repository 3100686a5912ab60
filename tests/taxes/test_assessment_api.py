"""API of mass assessment: /api/v1/taxes/assessment-runs/…, /decisions/…"""

import pytest
from rest_framework.test import APIClient

from taxes.models import AssessmentRun, Decision
from tests.taxes.conftest_assessment import *  # noqa: F403
from tests.taxes.conftest_assessment import counts


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_run_create_dry_run_proposals_issue_decisions(register_2025, assess_clerk, bank_profile):
    client = client_for(assess_clerk)
    response = client.post("/api/v1/taxes/assessment-runs/", {"year": 2025, "issue_date": "2025-02-10"},
                           format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["status"] == "dry_run"
    assert run["summary"]["per_tax"] == {
        "agricultural": "1899",
        "forest": "122",
        "property": "1576",
    }
    flagged = client.get(f"/api/v1/taxes/assessment-runs/{run['id']}/proposals/?flag=below_threshold").json()
    assert [p["total"] for p in flagged] == ["4.00"]
    again = client.post("/api/v1/taxes/assessment-runs/", {"year": 2025, "issue_date": "2025-02-10"},
                        format="json")  # fmt: skip
    assert again.status_code == 400
    issued = client.post(f"/api/v1/taxes/assessment-runs/{run['id']}/issue/")
    assert issued.status_code == 200
    assert issued.json()["status"] == "issued"
    units = client.get(f"/api/v1/taxes/assessment-runs/{run['id']}/proposals/").json()
    co = next(p for p in units if p["party"] == register_2025["co_a"].pk)
    assert (co["unit"], co["co_obligors"], co["total"]) == (
        f"{register_2025['co_a'].pk}-{register_2025['co_b'].pk}",
        [register_2025["co_b"].pk],
        "730.00",
    )
    assert co["decisions"] == [Decision.objects.get(run_id=run["id"], party=register_2025["co_a"]).pk]
    assert [d["total"] for d in co["taxes"]["decisions"]] == ["730"]
    listing = client.get(f"/api/v1/taxes/decisions/?year=2025&party={register_2025['e1'].pk}").json()
    assert len(listing) == 1
    detail = client.get(f"/api/v1/taxes/decisions/{listing[0]['id']}/").json()
    assert detail["total"] == "727.00"
    assert [i["amount"] for i in detail["installments"]] == ["181.75"] * 4


@pytest.mark.parametrize("url", ["/api/v1/taxes/assessment-runs/", "/api/v1/taxes/decisions/"])
def test_forbidden_without_permission(register_2025, no_assess_user, url):
    before = counts(), AssessmentRun.objects.count()
    assert client_for(no_assess_user).get(url).status_code == 403
    assert client_for(no_assess_user).post(
        url, {"year": 2025, "issue_date": "2025-02-10"}, format="json"
    ).status_code in (403, 405)
    assert (counts(), AssessmentRun.objects.count()) == before
    assert not Decision.objects.exists()
