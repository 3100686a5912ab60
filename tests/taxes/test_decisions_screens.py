"""Decision screens and the PDF / XML downloads (back office and API): permissions and the logged read."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from core import roles
from core.models import AuditEvent
from tests.taxes.conftest_decisions import dec_clerk, fn_unit, make_decision  # noqa: F401


@pytest.fixture
def decision(make_decision):  # noqa: F811
    return make_decision(number="FN.3120.9.2024")


def test_detail_and_list_show_the_decision(client, dec_clerk, decision):  # noqa: F811
    client.force_login(dec_clerk)
    page = client.get(reverse("taxes:decision-detail", args=[decision.pk])).content.decode()
    assert "FN.3120.9.2024" in page
    assert "15.03.2024" in page
    assert _("Due date after delivery") in page
    listing = client.get(reverse("taxes:decision-list"), {"year": 2024}).content.decode()
    assert "FN.3120.9.2024" in listing


def test_pdf_and_xml_downloads_are_logged(client, dec_clerk, decision):  # noqa: F811
    client.force_login(dec_clerk)
    before = AuditEvent.objects.filter(action="taxes.decision.read").count()
    response = client.get(reverse("taxes:decision-pdf", args=[decision.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    response = client.get(f"/api/v1/taxes/decisions/{decision.pk}/xml/")
    assert response.status_code == 200
    assert b"<Number>FN.3120.9.2024</Number>" in response.content
    assert AuditEvent.objects.filter(action="taxes.decision.read").count() == before + 2


@pytest.mark.parametrize("role", [roles.REGISTRY_CLERK, roles.ACCOUNTANT])
def test_others_are_refused(client, make_user, decision, role):
    client.force_login(make_user(role))
    before = AuditEvent.objects.filter(action="taxes.decision.read").count()
    assert client.get(reverse("taxes:decision-detail", args=[decision.pk])).status_code == 403
    assert client.get(reverse("taxes:decision-xml", args=[decision.pk])).status_code == 403
    assert client.get(f"/api/v1/taxes/decisions/{decision.pk}/pdf/").status_code == 403
    assert AuditEvent.objects.filter(action="taxes.decision.read").count() == before
