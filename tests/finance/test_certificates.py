"""Certificates of no arrears / of the state of arrears: request (case, 7-day deadline, stamp duty or exemption),
issue (exact arrears with interest to the as-of date, verification code, PDF, EZD document), refusals writing
nothing, the public verification (no amounts) and the API."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import ApplicationError, ServiceValidationError
from core.selectors import legal_deadline
from documents.models import OutgoingDocument
from finance.models import Certificate
from finance.services.certificates import (
    CODE_ALPHABET,
    certificate_fee_paid,
    certificate_issue,
    certificate_refuse,
    certificate_request,
    certificate_verify,
)
from tests.finance.conftest_certcash import *  # noqa: F403
from tests.finance.conftest_certcash import counts

D = datetime.date
M = Decimal


@pytest.fixture
def arrears(person, property_tax, charge):
    """1000.00 property tax due 15.03.2026 (a Sunday → 16.03.2026), unpaid."""
    account, _entry = charge(person, property_tax, [(D(2026, 3, 15), "1000.00")])
    return account


def _issued(certifier, party, as_of, **kw):
    certificate = certificate_request(actor=certifier, party=party, as_of=as_of, **kw)
    if not certificate.fee_exempt:
        certificate_fee_paid(actor=certifier, certificate=certificate, paid_on=timezone.localdate(), reference="PB 1")
    return certificate_issue(actor=certifier, certificate=certificate)


@pytest.mark.django_db
def test_request_opens_case_with_7_day_deadline_number_and_fee(certifier, person):
    certificate = certificate_request(actor=certifier, party=person, as_of=D(2026, 6, 30), purpose="przetarg")
    today = timezone.localdate()
    assert certificate.status == Certificate.Status.REQUESTED
    assert certificate.number == f"ZS/{today.year}/000001"
    assert certificate.fee_amount == M("21.00")
    assert certificate.case.jrwa.symbol == "3123"
    assert certificate.case.mark.startswith("PD.3123.")
    assert certificate.deadline == certificate.case.due_date == legal_deadline(today, days=7)
    assert list(certificate.case.parties.all()) == [person]
    second = certificate_request(actor=certifier, party=person.pk)
    assert second.number == f"ZS/{today.year}/000002"
    assert second.as_of == today


@pytest.mark.django_db
def test_exemption_needs_basis_and_means_no_fee(certifier, person):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        certificate_request(actor=certifier, party=person, fee_exempt=True)
    assert "fee_exemption_basis" in exc.value.errors
    assert counts() == before
    certificate = certificate_request(
        actor=certifier, party=person, fee_exempt=True, fee_exemption_basis="art. 2 ust. 1 pkt 1 lit. c uosk"
    )
    assert (certificate.fee_amount, certificate.fee_exempt) == (M("0.00"), True)
    issued = certificate_issue(actor=certifier, certificate=certificate)
    assert issued.status == Certificate.Status.ISSUED


@pytest.mark.django_db
@pytest.mark.parametrize("party", [None, 999999, "abc"])
def test_unknown_party_refused_nothing_written(certifier, party):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        certificate_request(actor=certifier, party=party)
    assert exc.value.errors == {"party": [gettext("Unknown party.")]}
    assert counts() == before


@pytest.mark.django_db
def test_no_permission_refused(make_user, person, pd_unit):
    from core import roles

    viewer = make_user(roles.HEAD_OF_UNIT, username="kier", org_unit=pd_unit)
    before = counts()
    with pytest.raises(ApplicationError):
        certificate_request(actor=viewer, party=person)
    assert counts() == before


@pytest.mark.django_db
def test_issue_refused_before_fee_paid(certifier, person):
    certificate = certificate_request(actor=certifier, party=person)
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        certificate_issue(actor=certifier, certificate=certificate)
    assert exc.value.code == "fee_unpaid"
    assert counts() == before
    certificate.refresh_from_db()
    assert (certificate.status, certificate.verification_code, bytes(certificate.pdf)) == ("requested", "", b"")


@pytest.mark.django_db
def test_certificate_without_arrears(certifier, person, property_tax, charge):
    charge(person, property_tax, [(D(2026, 12, 15), "500.00")])  # not yet due on the as-of date
    certificate = _issued(certifier, person, D(2026, 6, 30))
    assert certificate.outcome == Certificate.Outcome.NO_ARREARS
    assert certificate.rows == []
    assert certificate.total_arrears == M("0.00")
    assert certificate.fee_paid_on == timezone.localdate()
    assert bytes(certificate.pdf).startswith(b"%PDF")


@pytest.mark.django_db
def test_certificate_with_arrears_exact_interest_to_as_of(certifier, person, arrears):
    certificate = _issued(certifier, person, D(2026, 6, 30))
    # 17.03–30.06.2026 = 106 days × 1000.00 × 10.5 % / 365 = 30.49 → 30 zł (OP art. 63 §1)
    assert certificate.outcome == Certificate.Outcome.ARREARS
    assert certificate.rows == [{
        "account": arrears.pk, "receivable_type": "property_tax_person",
        "receivable_name": arrears.receivable_type.name,
        "year": 2026, "co_obligor": False, "principal": "1000.00", "interest": "30.00", "costs": "0.00",
        "total": "1030.00",
    }]  # fmt: skip
    assert certificate.total_arrears == M("1030.00")
    assert len(certificate.verification_code) == 12
    assert set(certificate.verification_code) <= set(CODE_ALPHABET)
    pdf = bytes(certificate.pdf)
    assert pdf.startswith(b"%PDF")
    document = OutgoingDocument.objects.get(pk=certificate.document_id)
    assert (document.source_app, document.source_ref, document.case_id) == (
        "finance",
        f"certificate:{certificate.pk}",
        certificate.case_id,
    )


@pytest.mark.django_db
def test_co_obligor_account_is_stated(certifier, person, property_tax, charge):
    from tests.factories import PersonFactory

    spouse = PersonFactory()
    account, _e = charge(spouse, property_tax, [(D(2026, 3, 15), "1000.00")], co_obligors=[person])
    certificate = _issued(certifier, person, D(2026, 6, 30))
    assert [(r["account"], r["co_obligor"], r["total"]) for r in certificate.rows] == [(account.pk, True, "1030.00")]


@pytest.mark.django_db
def test_codes_unique_and_second_issue_refused(certifier, person):
    first = _issued(certifier, person, D(2026, 6, 30))
    second = _issued(certifier, person, D(2026, 6, 30))
    assert first.verification_code != second.verification_code
    before = counts()
    with pytest.raises(ApplicationError):
        certificate_issue(actor=certifier, certificate=first)
    assert counts() == before


@pytest.mark.django_db
def test_refuse_keeps_reason_and_needs_one(certifier, person):
    certificate = certificate_request(actor=certifier, party=person)
    before = counts()
    with pytest.raises(ServiceValidationError):
        certificate_refuse(actor=certifier, certificate=certificate, reason="  ")
    assert counts() == before
    refused = certificate_refuse(actor=certifier, certificate=certificate, reason="Wniosek nie dotyczy strony")
    assert (refused.status, refused.refusal_reason) == ("refused", "Wniosek nie dotyczy strony")
    with pytest.raises(ApplicationError):
        certificate_issue(actor=certifier, certificate=refused)


@pytest.mark.django_db
def test_verify_shows_no_amounts(client, certifier, person, arrears):
    certificate = _issued(certifier, person, D(2026, 6, 30))
    info = certificate_verify(code=certificate.verification_code.lower())
    assert info["number"] == certificate.number
    assert "total" not in info
    assert "rows" not in info
    response = client.get(reverse("finance:certificate-verify"), {"code": certificate.verification_code})
    assert response.status_code == 200
    html = response.content.decode()
    assert certificate.number in html
    assert "1030" not in html
    assert "1 030" not in html
    assert person.surname not in html
    assert client.get(reverse("finance:certificate-verify"), {"code": "XXXXXXXXXXXX"}).status_code == 404
    assert client.get(reverse("finance:certificate-verify"), {"code": "<script>"}).status_code == 404


@pytest.mark.django_db
def test_screens(client, certifier, person, arrears):
    client.force_login(certifier)
    response = client.post(reverse("finance:certificate-new"), {"party": person.pk, "as_of": "2026-06-30"})
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert client.get(reverse("finance:certificate-list")).status_code == 200
    url = reverse("finance:certificate-detail", args=[certificate.pk])
    response = client.post(url, {"action": "issue"})
    assert response.status_code == 422
    assert (
        gettext("The stamp duty has not been paid and the request is not exempt from it.") in response.content.decode()
    )
    assert (
        client.post(url, {"action": "fee", "paid_on": str(timezone.localdate()), "reference": "PB 7"}).status_code
        == 302
    )
    assert client.post(url, {"action": "issue"}).status_code == 302
    response = client.get(reverse("finance:certificate-pdf", args=[certificate.pk]))
    assert response.content.startswith(b"%PDF")
    assert client.post(reverse("finance:certificate-new"), {"party": 999999}).status_code == 422


@pytest.mark.django_db
def test_api(client, certifier, person, arrears):
    client.force_login(certifier)
    base = "/api/v1/finance/certificates/"
    response = client.post(base, {"party": 999999}, content_type="application/json")
    assert response.status_code == 400
    assert Certificate.objects.count() == 0
    response = client.post(base, {"party": person.pk, "as_of": "2026-06-30"}, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["fee_amount"] == "21.00"
    assert client.post(f"{base}{pk}/issue/").status_code == 400
    response = client.post(f"{base}{pk}/fee/", {"paid_on": str(timezone.localdate()), "reference": "PB"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    response = client.post(f"{base}{pk}/issue/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["outcome"], body["total_arrears"]) == ("arrears", "1030.00")
    assert client.get(f"{base}{pk}/pdf/").content.startswith(b"%PDF")
    assert client.get(base).json()["count"] == 1
    client.logout()
    response = client.get(f"{base}verify/", {"code": body["verification_code"]})
    assert response.status_code == 200
    assert response.json() == {
        "number": body["number"], "issued_on": body["issued_on"], "outcome": "arrears",
        "party_initials": response.json()["party_initials"],
    }  # fmt: skip
    assert client.get(base).status_code in (401, 403)


def _viewed() -> list[tuple]:
    from core.models import AuditEvent

    return [
        (e.actor_id, e.object_id, e.details.get("purpose"))
        for e in AuditEvent.objects.filter(action="finance.certificate.viewed").order_by("seq")
    ]


CERTIFICATE_READS = [
    ("/api/v1/finance/certificates/{pk}/", "detail"),
    ("/api/v1/finance/certificates/{pk}/pdf/", "pdf"),
    ("/finance/certificates/{pk}/", "detail"),
    ("/finance/certificates/{pk}/pdf/", "pdf"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "purpose"), CERTIFICATE_READS)
def test_every_read_of_a_certificate_is_logged_once(client, certifier, nobody, person, arrears, url, purpose):
    certificate = _issued(certifier, person, D(2026, 6, 30))
    client.force_login(nobody)
    assert client.get(url.format(pk=certificate.pk)).status_code == 403
    assert _viewed() == []
    client.force_login(certifier)
    response = client.get(url.format(pk=certificate.pk))
    assert response.status_code == 200
    if purpose == "pdf":
        assert response.content == bytes(certificate.pdf)
    assert _viewed() == [(certifier.pk, str(certificate.pk), purpose)]


@pytest.mark.django_db
def test_access_certificate_service(certifier, nobody, person):
    from core.exceptions import NotFoundOrForbidden
    from finance.services.certificates import access_certificate

    certificate = certificate_request(actor=certifier, party=person)
    with pytest.raises(NotFoundOrForbidden):
        access_certificate(user=nobody, certificate_id=certificate.pk, purpose="detail")
    with pytest.raises(NotFoundOrForbidden):  # no PDF before it is issued
        access_certificate(user=certifier, certificate_id=certificate.pk, purpose="pdf", issued_only=True)
    assert _viewed() == []
    assert access_certificate(user=certifier, certificate_id=certificate.pk, purpose="detail") == certificate
    assert _viewed() == [(certifier.pk, str(certificate.pk), "detail")]


@pytest.mark.django_db
def test_no_stamp_duty_in_force_is_a_clear_refusal_nothing_written(client, certifier, person):
    from documents.models import Case
    from finance.models import FinanceParameter

    FinanceParameter.objects.filter(code="certificate_stamp_duty").delete()
    before, cases = counts(), Case.objects.count()
    with pytest.raises(ApplicationError) as exc:
        certificate_request(actor=certifier, party=person)
    assert exc.value.code == "no_stamp_duty"
    assert (counts(), Case.objects.count()) == (before, cases)
    client.force_login(certifier)
    response = client.post("/api/v1/finance/certificates/", {"party": person.pk}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "no_stamp_duty")
    response = client.post(reverse("finance:certificate-new"), {"party": person.pk})
    assert response.status_code == 422
    assert (counts(), Case.objects.count()) == (before, cases)
    # an exempt request needs no duty at all
    certificate = certificate_request(actor=certifier, party=person, fee_exempt=True, fee_exemption_basis="art. 7")
    assert certificate.fee_amount == M("0.00")
