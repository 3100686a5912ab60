"""Certificates of registration (issue 3, point 4): content, fee, numbering, PDF, verification, refusals, API."""

import datetime
import hashlib
import re
import subprocess
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from core import roles
from core.exceptions import ServiceValidationError
from core.models import AuditEvent
from population import certificates as certs
from population.certificates import certificate_issue, certificate_verify, mask_name
from population.models import Certificate, Registration
from population.services import (
    ResidentInput,
    registration_deregister,
    registration_register,
    registrations_expire_due,
    resident_create,
)
from tests.factories import PersonFactory
from tests.tools import needs_pdftotext

D = datetime.date
TODAY = D(2026, 11, 20)
NBSP = "\u00a0"


# --- helpers -------------------------------------------------------------------------------------------------


class _Extract(HTMLParser):
    """Text of the elements marked data-field="…" and the cells of the registrations table."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.rows: list[list[str]] = []
        self._open: list[tuple[str, str | None]] = []  # (tag, field)
        self._buffers: dict[str, list[str]] = {}
        self._in_body_rows = False
        self._cell: list[str] | None = None
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("style", "title"):
            self._skip += 1
        field = attrs.get("data-field")
        self._open.append((tag, field))
        if field:
            self._buffers[field] = []
        if tag == "tbody":
            self._in_body_rows = True
        if self._in_body_rows and tag == "tr":
            self.rows.append([])
        if self._in_body_rows and tag == "td":
            self._cell = []
        if tag == "br":
            self._open.pop()
            self._data(" ")

    def handle_endtag(self, tag):
        if tag in ("style", "title"):
            self._skip -= 1
        if self._in_body_rows and tag == "td" and self._cell is not None:
            self.rows[-1].append(_norm("".join(self._cell)))
            self._cell = None
        if tag == "tbody":
            self._in_body_rows = False
        while self._open:
            open_tag, field = self._open.pop()
            if field:
                self.fields[field] = _norm("".join(self._buffers.pop(field)))
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self._skip:
            self._data(data)

    def _data(self, data):
        for buffer in self._buffers.values():
            buffer.append(data)
        if self._cell is not None:
            self._cell.append(data)
        self.text.append(data)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(NBSP, " ")).strip()


def extract(html: str) -> _Extract:
    parser = _Extract()
    parser.feed(html)
    parser.full_text = _norm(" ".join(parser.text))
    return parser


@pytest.fixture
def rendered(monkeypatch):
    """The HTML each certificate_issue passes to WeasyPrint, in order."""
    seen: list[str] = []
    real = certs.render_pdf

    def _capture(html: str) -> bytes:
        seen.append(html)
        return real(html)

    monkeypatch.setattr(certs, "render_pdf", _capture)
    return seen


@pytest.fixture
def person(demo_teryt):
    return PersonFactory(
        first_names="Żaneta Maria",
        surname="Łukasiewicz-Ślązak",
        birth_date=D(1980, 3, 15),
        sex="F",
        pesel="80031512363",
        registered_address=None,
    )


@pytest.fixture
def resident(population_clerk, person):
    return resident_create(
        actor=population_clerk, party=person, data=ResidentInput(family_name="Nowak", birth_place="Kraków")
    )


def _register(actor, resident, address, start, kind="permanent", planned_end=None, today=TODAY):
    return registration_register(
        actor=actor,
        resident=resident,
        kind=kind,
        address=address,
        start_date=start,
        planned_end_date=planned_end,
        today=today,
    )


@pytest.fixture
def history(population_clerk, resident, make_address):
    """A: permanent 10.01.2010 → replaced 01.06.2015 by B; B de-registered 01.03.2020; C: temporary
    04.01.2021–30.06.2021 (expired); D: permanent from 01.02.2022; E: temporary 10.01.2026–31.12.2026."""
    clerk = population_clerk
    a = _register(clerk, resident, make_address("1", "2"), D(2010, 1, 10))
    b = _register(clerk, resident, make_address("5"), D(2015, 6, 1))
    registration_deregister(actor=clerk, registration=b, end_date=D(2020, 3, 1), today=TODAY)
    c = _register(clerk, resident, make_address("7", "1"), D(2021, 1, 4), "temporary", D(2021, 6, 30))
    registrations_expire_due(today=D(2021, 7, 1))
    d = _register(clerk, resident, make_address("12", "3"), D(2022, 2, 1))
    e = _register(clerk, resident, make_address("30"), D(2026, 1, 10), "temporary", D(2026, 12, 31))
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def _addr(registration: Registration) -> str:
    registration.refresh_from_db()
    return registration.address.one_line


def _issue(actor, resident, kind="current", as_of=TODAY, today=TODAY, **kwargs) -> Certificate:
    return certificate_issue(actor=actor, resident=resident, kind=kind, as_of=as_of, today=today, **kwargs)


def _snapshot():
    return (Certificate.objects.count(), AuditEvent.objects.count())


# --- content -------------------------------------------------------------------------------------------------


def test_current_certificate_states_the_registrations_in_force(population_clerk, resident, history, rendered, settings):
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Magistrowo"
    settings.MAGISTRAT_OFFICE_ADDRESS = "pl. Wolności 1, 05-990 Magistrowo"
    population_clerk.first_name, population_clerk.last_name = "Ewa", "Pracowita"
    population_clerk.job_title = "podinspektor"
    population_clerk.save()

    certificate = _issue(population_clerk, resident, purpose="przedłożenia w banku")

    assert (certificate.number, certificate.case_mark, certificate.kind) == (
        "SO.5341.1.2026",
        "SO.5341.1.2026",
        "current",
    )
    assert (certificate.as_of, certificate.fee_code, certificate.fee_amount) == (
        TODAY,
        "stamp_duty_certificate",
        Decimal("17.00"),
    )
    assert re.fullmatch(r"[0-9a-f]{12}", certificate.verification_code)
    [html] = rendered
    doc = extract(html)
    assert doc.fields["office-name"] == "Urząd Gminy Magistrowo"
    assert doc.fields["office-address"] == "pl. Wolności 1, 05-990 Magistrowo"
    assert doc.fields["place-date"] == "Magistrowo, 20.11.2026"
    assert doc.fields["number"] == "SO.5341.1.2026"
    assert doc.fields["case-mark"] == "SO.5341.1.2026"
    assert doc.fields["name"] == "Żaneta Maria Łukasiewicz-Ślązak"
    assert doc.fields["pesel"] == "80031512363"
    assert doc.fields["birth-date"] == "15.03.1980, Kraków"
    assert doc.rows == [
        ["pobyt stały", _addr(history["d"]), "01.02.2022", "—"],
        ["pobyt czasowy", _addr(history["e"]), "10.01.2026", "31.12.2026"],
    ]
    assert doc.fields["purpose"] == "Zaświadczenie wydaje się w celu: przedłożenia w banku."
    assert doc.fields["fee"] == (
        "Opłata skarbowa: 17,00 zł (ustawa z 16.11.2006 o opłacie skarbowej, załącznik, cz. II pkt 21)."
    )
    assert doc.fields["verification-code"] == certificate.verification_code
    assert doc.fields["verification-url"] == f"/population/verify/{certificate.verification_code}/"
    assert doc.fields["clerk"] == "Ewa Pracowita"
    text = doc.full_text
    assert "Zaświadczenie o zameldowaniu" in text
    assert "stan zameldowania na dzień 20.11.2026" in text
    assert "art. 217 § 1 i § 2 pkt 2" in text
    assert "Kodeks postępowania administracyjnego" in text
    assert "ustawy z dnia 24 września 2010 r. o ewidencji ludności" in text
    assert "figuruje w rejestrze mieszkańców jako zameldowana w dniu 20.11.2026" in text
    assert "Nazwisko rodowe: Nowak" in text
    assert "podinspektor" in text
    assert "requester" not in doc.fields


def test_pdf_is_stored_with_its_sha256_and_an_audit_event(population_clerk, resident, history):
    certificate = _issue(population_clerk, resident)

    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as f:
        pdf = f.read()
    assert pdf.startswith(b"%PDF-")
    assert certificate.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    assert certificate.pdf.name.startswith("population/certificates/")
    [event] = AuditEvent.objects.filter(action="certificate.issued")
    assert (event.object_type, event.object_id, event.actor_id) == (
        "population.certificate",
        str(certificate.pk),
        population_clerk.pk,
    )
    assert event.details == {
        "resident": resident.pk,
        "kind": "current",
        "as_of": "2026-11-20",
        "number": "SO.5341.1.2026",
        "requester": None,
        "purpose": "",
        "fee_amount": "17.00",
        "fee_exemption": "",
        "verification_code": certificate.verification_code,
        "pdf_sha256": certificate.pdf_sha256,
    }


def test_current_certificate_on_a_past_date(population_clerk, resident, history, rendered):
    """On 15.05.2021: B had ended (01.03.2020), C (temporary) was in force, D had not begun."""
    _issue(population_clerk, resident, as_of=D(2021, 5, 15))

    assert extract(rendered[0]).rows == [["pobyt czasowy", _addr(history["c"]), "04.01.2021", "30.06.2021"]]


def test_historical_certificate_lists_every_registration_up_to_the_date(population_clerk, resident, history, rendered):
    certificate = _issue(population_clerk, resident, kind="historical")

    assert certificate.kind == "historical"
    doc = extract(rendered[0])
    assert doc.rows == [
        ["1.", "pobyt stały", _addr(history["a"]), "10.01.2010", "01.06.2015", "zastąpione nowym zameldowaniem"],
        ["2.", "pobyt stały", _addr(history["b"]), "01.06.2015", "01.03.2020", "wymeldowanie"],
        ["3.", "pobyt czasowy", _addr(history["c"]), "04.01.2021", "30.06.2021", "upływ pobytu czasowego"],
        ["4.", "pobyt stały", _addr(history["d"]), "01.02.2022", "—", "aktualne w dniu 20.11.2026"],
        [
            "5.",
            "pobyt czasowy",
            _addr(history["e"]),
            "10.01.2026",
            "31.12.2026 (planowany)",
            "aktualne w dniu 20.11.2026",
        ],
    ]
    assert "historia zameldowań do dnia 20.11.2026" in doc.full_text


def test_historical_certificate_shows_the_state_on_its_date(population_clerk, resident, history, rendered):
    """Up to 01.01.2016: A (ended 01.06.2015) and B, which was in force then (its end in 2020 is not stated)."""
    _issue(population_clerk, resident, kind="historical", as_of=D(2016, 1, 1))

    assert extract(rendered[0]).rows == [
        ["1.", "pobyt stały", _addr(history["a"]), "10.01.2010", "01.06.2015", "zastąpione nowym zameldowaniem"],
        ["2.", "pobyt stały", _addr(history["b"]), "01.06.2015", "—", "aktualne w dniu 01.01.2016"],
    ]


def test_requester_is_named_on_the_certificate(population_clerk, resident, history, rendered):
    requester = PersonFactory(first_names="Józef", surname="Wiśniewski")
    certificate = _issue(population_clerk, resident, requester=requester)

    assert certificate.requester == requester
    assert extract(rendered[0]).fields["requester"] == "Zaświadczenie wydaje się na wniosek: Józef Wiśniewski."


@needs_pdftotext
def test_pdf_text_keeps_the_polish_diacritics(population_clerk, resident, history, tmp_path):
    certificate = _issue(population_clerk, resident)
    path = tmp_path / "c.pdf"
    with certificate.pdf.open("rb") as f:
        path.write_bytes(f.read())

    text = _norm(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout)

    assert "ZAŚWIADCZENIEOZAMELDOWANIU" in text.replace(" ", "")  # the title is letter-spaced
    assert "Żaneta Maria Łukasiewicz-Ślązak" in text
    assert "Opłata skarbowa: 17,00 zł" in text
    assert certificate.verification_code in text


# --- fee ------------------------------------------------------------------------------------------------------


def test_fee_exemption_is_recorded_and_nothing_charged(population_clerk, resident, history, rendered):
    exemption = "art. 2 ust. 1 pkt 1 lit. c ustawy o opłacie skarbowej (pomoc społeczna)"
    certificate = _issue(population_clerk, resident, fee_exemption=f"  {exemption} ")

    certificate.refresh_from_db()
    assert (certificate.fee_amount, certificate.fee_exemption) == (Decimal("0.00"), exemption)
    assert extract(rendered[0]).fields["fee"] == f"Opłata skarbowa: nie pobrano – zwolnienie: {exemption}."
    event = AuditEvent.objects.get(action="certificate.issued")
    assert (event.details["fee_amount"], event.details["fee_exemption"]) == ("0.00", exemption)


def test_fee_follows_the_dated_rate(population_clerk, resident, history):
    from core.models import FeeRate

    FeeRate.objects.create(
        code="stamp_duty_certificate", name="test", amount=Decimal("19.00"), valid_from=D(2026, 7, 1), legal_basis="x"
    )
    before = _issue(population_clerk, resident, as_of=D(2026, 6, 1), today=D(2026, 6, 30))
    after = _issue(population_clerk, resident, today=D(2026, 7, 1), as_of=D(2026, 7, 1))

    assert (before.fee_amount, after.fee_amount) == (Decimal("17.00"), Decimal("19.00"))


# --- numbering ---------------------------------------------------------------------------------------------


def test_numbers_count_per_year(population_clerk, resident, history, settings):
    first = _issue(population_clerk, resident, as_of=D(2025, 12, 30), today=D(2025, 12, 30))
    second = _issue(population_clerk, resident, as_of=D(2025, 12, 31), today=D(2025, 12, 31))
    third = _issue(population_clerk, resident, as_of=D(2026, 1, 2), today=D(2026, 1, 2))
    settings.POPULATION_CERTIFICATE_PREFIX = "OR.5345"
    other = _issue(population_clerk, resident, today=D(2026, 1, 3), as_of=D(2026, 1, 3))
    fourth = _issue(population_clerk, resident, kind="historical", today=D(2026, 1, 3), as_of=D(2026, 1, 3))

    assert [c.number for c in (first, second, third)] == ["SO.5341.1.2025", "SO.5341.2.2025", "SO.5341.1.2026"]
    assert [other.number, fourth.number] == ["OR.5345.1.2026", "OR.5345.2.2026"]
    assert len({c.verification_code for c in (first, second, third, other, fourth)}) == 5


# --- refusals ------------------------------------------------------------------------------------------------


def _media_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_no_current_certificate_without_a_registration_in_force(population_clerk, resident, history, settings):
    """On 01.03.2020 B ended (de-registration) and C began only in 2021: nothing to certify."""
    before = _snapshot()

    with pytest.raises(ServiceValidationError) as err:
        _issue(population_clerk, resident, as_of=D(2020, 3, 1))

    assert err.value.errors == {
        "as_of": [
            "W dniu 01.03.2020 ta osoba nie ma zameldowania w mocy: nie ma czego poświadczyć. "
            "Zaświadczenie historyczne może poświadczyć wcześniejsze zameldowania."
        ]
    }
    assert _snapshot() == before
    assert _media_files(settings) == []


def test_no_certificate_for_a_person_never_registered(population_clerk, resident):
    before = _snapshot()

    with pytest.raises(ServiceValidationError) as err:
        _issue(population_clerk, resident, kind="historical")

    assert err.value.errors == {"as_of": ["Rejestr nie zawiera żadnego zameldowania tej osoby do dnia 20.11.2026."]}
    assert _snapshot() == before


def test_historical_certificate_before_the_first_registration_is_refused(population_clerk, resident, history):
    before = _snapshot()

    with pytest.raises(ServiceValidationError) as err:
        _issue(population_clerk, resident, kind="historical", as_of=D(2010, 1, 9))

    assert err.value.errors == {"as_of": ["Rejestr nie zawiera żadnego zameldowania tej osoby do dnia 09.01.2010."]}
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"kind": "other"}, {"kind": ["Nieznany rodzaj zaświadczenia."]}),
        ({"as_of": D(2026, 11, 21)}, {"as_of": ["Data 21.11.2026 jest datą przyszłą."]}),
        ({"purpose": "x" * 301}, {"purpose": ["Najwyżej 300 znaków."]}),
    ],
)
def test_bad_input_is_refused(population_clerk, resident, history, kwargs, errors):
    before = _snapshot()
    arguments = {"kind": "current", "as_of": TODAY, **kwargs}

    with pytest.raises(ServiceValidationError) as err:
        certificate_issue(actor=population_clerk, resident=resident, today=TODAY, **arguments)

    assert err.value.errors == errors
    assert _snapshot() == before


def test_a_failed_rendering_leaves_no_certificate_no_event_and_no_file(
    population_clerk, resident, history, monkeypatch, settings
):
    def _boom(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(certs, "audit_log", _boom)
    before = _snapshot()

    with pytest.raises(RuntimeError):
        _issue(population_clerk, resident)

    assert _snapshot() == before
    assert _media_files(settings) == []


# --- public verification -----------------------------------------------------------------------------------


def test_mask_name():
    assert mask_name("Jan", "Kowalski") == "J. K*******"
    assert mask_name("Żaneta Maria", "Łukasiewicz-Ślązak") == "Ż. M. Ł**********-Ś*****"
    assert mask_name("", "") == ""


def test_verification_page_shows_masked_data_only(client, population_clerk, resident, history):
    certificate = _issue(population_clerk, resident)
    certificate.refresh_from_db()
    before = AuditEvent.objects.count()

    response = client.get(reverse("population:certificate-verify", args=[certificate.verification_code]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "To zaświadczenie zostało wydane przez urząd." in html
    assert certificate.number in html
    assert "20.11.2026" in html
    assert "stan aktualny zameldowania" in html
    assert "Ż. M. Ł**********-Ś*****" in html
    for secret in ("80031512363", "Łukasiewicz", "Żaneta", "Ślązak", "Kraków", _addr(history["d"])):
        assert secret not in html, secret
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.count() == before
    assert certificate_verify(code=certificate.verification_code.upper()).number == certificate.number


def test_verification_of_an_unknown_code(client, db):
    response = client.get(reverse("population:certificate-verify", args=["0123456789ab"]))

    assert response.status_code == 404
    assert "Nie znaleziono zaświadczenia o tym kodzie weryfikacyjnym." in response.content.decode()


@pytest.mark.parametrize("code", ["1", "0123456789abc", "0123456789ag", "../../etc"])
def test_malformed_verification_codes_get_404(client, db, code):
    response = client.get(f"/population/verify/{code}/")

    assert response.status_code == 404
    assert "Nie znaleziono zaświadczenia" not in response.content.decode()


# --- back office -------------------------------------------------------------------------------------------


def test_clerk_issues_a_certificate_from_the_resident(client, population_clerk, resident, history):
    client.force_login(population_clerk)
    url = reverse("population:certificate-issue", args=[resident.pk])

    form = client.get(url)
    assert form.status_code == 200
    assert 'value="20.11.2026"' in form.content.decode() or 'name="as_of"' in form.content.decode()

    response = client.post(url, {"kind": "historical", "as_of": "20.11.2026", "purpose": "do sądu"})

    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("population:certificate-detail", args=[certificate.pk])
    assert (certificate.kind, certificate.purpose, certificate.issued_by) == ("historical", "do sądu", population_clerk)
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    html = detail.content.decode()
    assert certificate.number in html
    assert "17,00" in html
    assert reverse("population:certificate-pdf", args=[certificate.pk]) in html

    pdf = client.get(reverse("population:certificate-pdf", args=[certificate.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF-")
    assert hashlib.sha256(body).hexdigest() == certificate.pdf_sha256 == pdf["X-Content-SHA256"]
    listing = client.get(reverse("population:certificate-list", args=[resident.pk]))
    assert listing.status_code == 200
    assert certificate.number in listing.content.decode()
    assert AuditEvent.objects.filter(action="certificate.viewed", object_id=str(certificate.pk)).count() == 2


def test_issue_form_names_the_requester_by_pesel(client, population_clerk, resident, history):
    requester = PersonFactory(first_names="Józef", surname="Wiśniewski")
    client.force_login(population_clerk)
    url = reverse("population:certificate-issue", args=[resident.pk])

    response = client.post(url, {"kind": "current", "as_of": "20.11.2026", "requester": requester.pesel})

    assert response.status_code == 302
    assert Certificate.objects.get().requester == requester


def test_issue_form_shows_the_refusal(client, population_clerk, resident, history):
    client.force_login(population_clerk)
    url = reverse("population:certificate-issue", args=[resident.pk])
    before = Certificate.objects.count()

    response = client.post(url, {"kind": "current", "as_of": "01.03.2020"})
    unknown = client.post(url, {"kind": "current", "as_of": "20.11.2026", "requester": "80031512363x"})

    assert response.status_code == 422
    assert "W dniu 01.03.2020 ta osoba nie ma zameldowania w mocy" in response.content.decode()
    assert unknown.status_code == 422
    assert "Podaj PESEL (11 cyfr), NIP (10) lub REGON (9 lub 14) wnioskodawcy." in unknown.content.decode()
    assert Certificate.objects.count() == before
    assert not AuditEvent.objects.filter(action="certificate.issued").exists()


def test_a_tax_clerk_cannot_issue_or_read_certificates(client, make_user, population_clerk, resident, history):
    certificate = _issue(population_clerk, resident)
    tax_clerk = make_user(roles.TAX_CLERK, username="podatki")
    client.force_login(tax_clerk)
    before = _snapshot()

    issue = client.post(
        reverse("population:certificate-issue", args=[resident.pk]), {"kind": "current", "as_of": "20.11.2026"}
    )
    detail = client.get(reverse("population:certificate-detail", args=[certificate.pk]))
    pdf = client.get(reverse("population:certificate-pdf", args=[certificate.pk]))
    api = client.post(
        f"/api/v1/population/residents/{resident.pk}/certificates/",
        {"kind": "current", "as_of": "2026-11-20"},
        content_type="application/json",
    )
    api_pdf = client.get(f"/api/v1/population/certificates/{certificate.pk}/pdf/")

    assert [r.status_code for r in (issue, detail, pdf, api, api_pdf)] == [403, 403, 403, 403, 403]
    assert _snapshot() == before


def test_anonymous_is_sent_to_login(client, population_clerk, resident, history):
    before = _snapshot()

    response = client.post(
        reverse("population:certificate-issue", args=[resident.pk]), {"kind": "current", "as_of": "20.11.2026"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert _snapshot() == before


# --- API -----------------------------------------------------------------------------------------------------


def test_api_issues_a_certificate_and_serves_its_metadata_and_pdf(client, population_clerk, resident, history):
    client.force_login(population_clerk)
    requester = PersonFactory()

    response = client.post(
        f"/api/v1/population/residents/{resident.pk}/certificates/",
        {"kind": "current", "as_of": "2026-11-20", "requester_id": requester.pk, "purpose": "bank"},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    certificate = Certificate.objects.get()
    body = response.json()
    assert body == {
        "id": certificate.pk,
        "number": certificate.number,
        "case_mark": certificate.number,
        "resident_id": resident.pk,
        "kind": "current",
        "as_of": "2026-11-20",
        "requester_id": requester.pk,
        "purpose": "bank",
        "fee_code": "stamp_duty_certificate",
        "fee_amount": "17.00",
        "fee_exemption": "",
        "verification_code": certificate.verification_code,
        "verification_path": f"/population/verify/{certificate.verification_code}/",
        "pdf_url": f"/api/v1/population/certificates/{certificate.pk}/pdf/",
        "pdf_sha256": certificate.pdf_sha256,
        "issued_at": body["issued_at"],
        "issued_by": population_clerk.username,
    }
    metadata = client.get(f"/api/v1/population/certificates/{certificate.pk}/")
    assert metadata.status_code == 200
    assert metadata.json() == body
    pdf = client.get(body["pdf_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == certificate.pdf_sha256


def test_api_refusals_have_field_errors(client, population_clerk, resident, history):
    client.force_login(population_clerk)
    url = f"/api/v1/population/residents/{resident.pk}/certificates/"
    before = Certificate.objects.count()

    bad_kind = client.post(url, {"kind": "x", "as_of": "2026-11-20"}, content_type="application/json")
    nothing = client.post(url, {"kind": "current", "as_of": "2020-03-01"}, content_type="application/json")
    no_party = client.post(
        url, {"kind": "current", "as_of": "2026-11-20", "requester_id": 999999}, content_type="application/json"
    )
    missing = client.get("/api/v1/population/certificates/999999/")

    assert bad_kind.status_code == 400
    assert set(bad_kind.json()["errors"]) == {"kind"}
    assert nothing.status_code == 400
    assert nothing.json()["code"] == "invalid"
    assert nothing.json()["errors"]["as_of"][0].startswith("W dniu 01.03.2020 ta osoba nie ma zameldowania w mocy")
    assert no_party.status_code == 400
    assert no_party.json()["errors"] == {"requester_id": ["Nie ma takiego podmiotu."]}
    assert missing.status_code == 404
    assert Certificate.objects.count() == before


def test_api_schema_documents_the_certificate_endpoints(client, population_clerk):
    client.force_login(population_clerk)

    schema = client.get("/api/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert "post" in paths["/api/v1/population/residents/{id}/certificates/"] or "post" in paths.get(
        "/api/v1/population/residents/{pk}/certificates/", {}
    )
    pdf_path = next(p for p in paths if p.endswith("/certificates/{pk}/pdf/") or p.endswith("/certificates/{id}/pdf/"))
    assert "application/pdf" in paths[pdf_path]["get"]["responses"]["200"]["content"]
