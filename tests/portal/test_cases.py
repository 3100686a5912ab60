"""My cases (portal): cases of the resident's party, letters sent to them, opening an electronically delivered
letter (records the delivery once), and no cross-access between two residents (also by guessing ids)."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from core import roles
from core.models import AuditEvent
from documents.models import Case, DocumentVersion, OutgoingDocument, Receipt, Shipment
from epuap.models import DeliveryEvent, Dispatch
from tests.factories import CaseFactory, OutgoingDocumentFactory, PersonFactory

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
NOW = datetime.datetime(2026, 3, 20, 10, 0, tzinfo=WARSAW)
PDF = b"%PDF-1.7\n% decision\n"

pytestmark = pytest.mark.django_db

_numbers = iter(range(1, 10_000))


def letter(party, case, *, channel="epuap", status="sent", pdf=PDF, sent_on=datetime.date(2026, 3, 10)):
    document = OutgoingDocumentFactory(
        case=case, status=OutgoingDocument.Status.DISPATCHED, signed_xml=b"<Dokument/>", title="Decyzja ustalająca"
    )
    if pdf:
        DocumentVersion.objects.create(document=document, number=1, pdf=pdf, created_by=document.created_by)
    dispatch = None
    if channel in ("epuap", "edoreczenia"):
        dispatch = Dispatch.objects.create(
            party=party, channel=channel, status="sent", title=document.title, file_name="pismo.xml",
            mime_type="text/xml", content=b"<Dokument/>", sha256="0" * 64, external_id=f"EXT-{document.pk}",
        )  # fmt: skip
    return Shipment.objects.create(
        document=document, party=party, year=2026, number=next(_numbers), channel=channel, status=status,
        electronic_dispatch=dispatch, sent_on=sent_on, created_by=document.created_by,
    )  # fmt: skip


@pytest.fixture
def residents(make_user):
    anna, jan = PersonFactory(), PersonFactory()
    return (
        (anna, make_user(roles.RESIDENT, username="anna-portal", party=anna)),
        (jan, make_user(roles.RESIDENT, username="jan-portal", party=jan)),
    )


@pytest.fixture
def data(residents):
    (anna, _u1), (jan, _u2) = residents
    case_a = CaseFactory(title="Podatek od nieruchomości 2026", due_date=datetime.date(2026, 4, 1))
    case_a.parties.set([anna])
    case_b = CaseFactory(title="Sprawa Jana", status=Case.Status.CLOSED, closed_on=datetime.date(2026, 3, 5))
    case_b.parties.set([jan])
    return {
        "case_a": case_a,
        "case_b": case_b,
        "letter_a": letter(anna, case_a),
        "paper_a": letter(anna, case_a, channel="post_registered"),
        "letter_b": letter(jan, case_b),
    }


def test_the_list_shows_only_own_cases_with_mark_status_unit_and_deadline(client, residents, data):
    client.force_login(residents[0][1])
    response = client.get(reverse("portal:cases"))
    assert response.status_code == 200
    body = response.content.decode()
    case = data["case_a"]
    assert case.mark in body
    assert case.title in body
    assert case.unit.name in body
    assert "01.04.2026" in body
    assert data["case_b"].mark not in body
    assert "Sprawa Jana" not in body
    assert [c.id for c in response.context["cases"]] == [case.pk]
    assert sorted(x.id for x in response.context["letters"]) == sorted([data["letter_a"].pk, data["paper_a"].pk])
    assert AuditEvent.objects.filter(action="portal.cases.viewed", actor=residents[0][1]).count() == 1


def test_the_case_page_shows_the_letters_with_channel_and_delivery_state(client, residents, data):
    client.force_login(residents[0][1])
    response = client.get(reverse("portal:case", args=[data["case_a"].pk]))
    assert response.status_code == 200
    letters = {x.id: x for x in response.context["letters"]}
    assert set(letters) == {data["letter_a"].pk, data["paper_a"].pk}
    assert letters[data["letter_a"].pk].awaiting_collection
    assert letters[data["letter_a"].pk].can_open
    assert not letters[data["paper_a"].pk].can_open


@pytest.mark.parametrize(("name", "key"), [("portal:case", "case_b"), ("portal:letter", "letter_b")])
def test_another_residents_case_or_letter_is_404_like_a_missing_one(client, residents, data, name, key):
    client.force_login(residents[0][1])
    assert client.get(reverse(name, args=[data[key].pk])).status_code == 404
    assert client.get(reverse(name, args=[999_999])).status_code == 404
    # and by guessing every id around them
    for pk in range(1, max(data["case_b"].pk, data["letter_b"].pk) + 3):
        if pk not in (data["case_a"].pk, data["letter_a"].pk, data["paper_a"].pk):
            assert client.get(reverse(name, args=[pk])).status_code == 404, pk


def test_another_residents_letter_cannot_be_opened_and_nothing_changes(client, residents, data):
    client.force_login(residents[0][1])
    events = AuditEvent.objects.count()
    assert client.post(reverse("portal:letter", args=[data["letter_b"].pk])).status_code == 404
    shipment = Shipment.objects.get(pk=data["letter_b"].pk)
    assert (shipment.status, shipment.delivered_on) == ("sent", None)
    assert Receipt.objects.count() == 0
    assert DeliveryEvent.objects.count() == 0
    assert AuditEvent.objects.filter(action="documents.shipment.opened_in_portal").count() == 0
    assert AuditEvent.objects.count() == events + 1  # only the resident's own party read


def test_opening_an_electronic_letter_records_the_delivery_once(client, residents, data):
    client.force_login(residents[0][1])
    url = reverse("portal:letter", args=[data["letter_a"].pk])
    with time_machine.travel(NOW, tick=False):
        page = client.get(url)
        assert page.status_code == 200
        assert b'data-testid="delivery-note"' in page.content
        first = client.post(url)
        second = client.post(url)
    for response in (first, second):
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content == PDF
        assert "attachment" in response["Content-Disposition"]
    shipment = Shipment.objects.get(pk=data["letter_a"].pk)
    assert (shipment.status, shipment.delivered_on, shipment.delivery_manner) == (
        "delivered",
        datetime.date(2026, 3, 20),
        "electronic",
    )
    dispatch = Dispatch.objects.get(pk=shipment.electronic_dispatch_id)
    assert (dispatch.status, dispatch.delivered_on) == ("delivered", datetime.date(2026, 3, 20))
    assert DeliveryEvent.objects.filter(dispatch=dispatch).count() == 1
    receipt = Receipt.objects.get()
    assert (receipt.shipment_id, receipt.status, receipt.manner, receipt.delivered_on) == (
        shipment.pk,
        "attached",
        "electronic",
        datetime.date(2026, 3, 20),
    )
    assert AuditEvent.objects.filter(action="documents.shipment.opened_in_portal").count() == 1
    assert AuditEvent.objects.filter(action="portal.letter.opened").count() == 2


def test_a_paper_letter_cannot_be_opened(client, residents, data):
    client.force_login(residents[0][1])
    assert client.post(reverse("portal:letter", args=[data["paper_a"].pk])).status_code == 404
    assert Shipment.objects.get(pk=data["paper_a"].pk).status == "sent"


def test_api_lists_own_cases_and_404s_another(client, residents, data):
    client.force_login(residents[1][1])
    assert [c["id"] for c in client.get("/api/v1/portal/cases/").json()] == [data["case_b"].pk]
    detail = client.get(f"/api/v1/portal/cases/{data['case_b'].pk}/").json()
    assert [x["id"] for x in detail["letters"]] == [data["letter_b"].pk]
    assert client.get(f"/api/v1/portal/cases/{data['case_a'].pk}/").status_code == 404
    assert [x["id"] for x in client.get("/api/v1/portal/letters/").json()] == [data["letter_b"].pk]


def test_anonymous_and_non_residents_are_refused(client, make_user, data):
    for name, args in (("portal:cases", []), ("portal:case", [data["case_a"].pk])):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert "/portal/login/" in response["Location"]
    client.force_login(make_user(roles.TAX_CLERK, username="clerk-x"))
    assert client.get(reverse("portal:cases")).status_code == 403
    assert client.get("/api/v1/portal/cases/").status_code == 403
