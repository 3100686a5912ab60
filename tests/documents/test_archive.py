"""The office archive: eligibility dates, hand-over lists, disposal lists, the archival package."""

import datetime
import hashlib
import io
import zipfile

import pytest
from django.db import connection
from lxml import etree

from core import roles
from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.models import AuditEvent
from core.services.audit import audit_log
from documents.models import ArchiveTransfer, Case, DisposalList, DocumentVersion, Receipt, Shipment, StoredFile
from documents.services.archival_package import archival_package, safe_name
from documents.services.archive import (
    archive_eligible_from,
    disposable_cases,
    disposable_from,
    disposal_create,
    disposal_transition,
    eligible_cases,
    parse_category,
    transfer_create,
    transfer_rows,
    transfer_transition,
)
from tests.factories import (
    CaseFactory,
    IncomingEntryFactory,
    JrwaClassFactory,
    OrgUnitFactory,
    OutgoingDocumentFactory,
    PersonFactory,
)

TODAY = datetime.date(2026, 6, 1)


def test_eligibility_dates_exact():
    assert archive_eligible_from(datetime.date(2023, 12, 31)) == datetime.date(2026, 1, 1)
    assert archive_eligible_from(datetime.date(2024, 1, 1)) == datetime.date(2027, 1, 1)
    assert archive_eligible_from(datetime.date(2023, 1, 1)) == datetime.date(2026, 1, 1)


def test_disposal_dates_per_category():
    assert disposable_from("B5", datetime.date(2019, 7, 1)) == datetime.date(2025, 1, 1)
    assert disposable_from("B5", datetime.date(2019, 12, 31)) == datetime.date(2025, 1, 1)
    assert disposable_from("BE10", datetime.date(2010, 3, 3)) == datetime.date(2021, 1, 1)
    assert disposable_from("Bc", datetime.date(2026, 2, 3)) == datetime.date(2026, 2, 3)
    assert disposable_from("A", datetime.date(1990, 1, 1)) is None
    assert disposable_from("X5", datetime.date(1990, 1, 1)) is None
    assert parse_category("B") is None
    assert parse_category("A5") is None
    assert parse_category("Bc2") is None


@pytest.fixture
def archivist(make_user):
    return make_user(roles.REGISTRY_CLERK, username="archiwista-1")


@pytest.fixture
def archivist2(make_user):
    return make_user(roles.REGISTRY_CLERK, username="archiwista-2")


def _closed(*, unit, jrwa, closed_on, archive_status=Case.ArchiveStatus.ACTIVE, year=None, **kw):
    return CaseFactory(
        unit=unit,
        jrwa=jrwa,
        year=year or closed_on.year,
        opened_on=datetime.date(year or closed_on.year, 1, 10),
        status=Case.Status.CLOSED,
        closed_on=closed_on,
        closing_manner=Case.ClosingManner.LETTER,
        archive_status=archive_status,
        **kw,
    )


@pytest.fixture
def closed_cases(fn_unit, jrwa_3120):
    return {
        "old": _closed(unit=fn_unit, jrwa=jrwa_3120, closed_on=datetime.date(2023, 12, 31), year=2023),
        "older": _closed(unit=fn_unit, jrwa=jrwa_3120, closed_on=datetime.date(2022, 5, 5), year=2022),
        "young": _closed(unit=fn_unit, jrwa=jrwa_3120, closed_on=datetime.date(2024, 1, 1), year=2024),
        "open": CaseFactory(unit=fn_unit, jrwa=jrwa_3120, year=2022, opened_on=datetime.date(2022, 1, 1)),
    }


def test_eligible_cases_on_a_date(closed_cases, fn_unit, jrwa_3120):
    on = datetime.date(2026, 1, 1)
    assert {c.pk for c in eligible_cases(on=on)} == {closed_cases["old"].pk, closed_cases["older"].pk}
    assert {c.pk for c in eligible_cases(on=datetime.date(2025, 12, 31))} == {closed_cases["older"].pk}
    assert {c.pk for c in eligible_cases(on=datetime.date(2027, 1, 1), unit=fn_unit, jrwa=jrwa_3120)} == {
        closed_cases["old"].pk,
        closed_cases["older"].pk,
        closed_cases["young"].pk,
    }


def test_transfer_state_machine_and_acceptance(closed_cases, fn_unit, jrwa_3120, archivist, archivist2):
    transfer = transfer_create(user=archivist, unit=fn_unit, jrwa=jrwa_3120, on=TODAY)
    assert (transfer.year, transfer.number, transfer.status) == (2026, 1, ArchiveTransfer.Status.DRAFT)
    assert {c.pk for c in transfer.cases.all()} == {closed_cases["old"].pk, closed_cases["older"].pk}
    # on a list: no longer offered for another list
    assert list(eligible_cases(on=TODAY)) == []
    with pytest.raises(ApplicationError) as exc:
        transfer_transition(user=archivist, transfer_id=transfer.pk, to=ArchiveTransfer.Status.ACCEPTED)
    assert exc.value.code == "invalid_transition"
    transfer_transition(user=archivist, transfer_id=transfer.pk, to=ArchiveTransfer.Status.HANDED_OVER)
    transfer_transition(user=archivist2, transfer_id=transfer.pk, to=ArchiveTransfer.Status.ACCEPTED)
    transfer.refresh_from_db()
    assert transfer.status == ArchiveTransfer.Status.ACCEPTED
    assert transfer.accepted_by == archivist2
    for key in ("old", "older"):
        case = Case.objects.get(pk=closed_cases[key].pk)
        assert case.archive_status == Case.ArchiveStatus.IN_ARCHIVE
        assert case.archived_on is not None
        assert AuditEvent.objects.filter(action="documents.case.archived", details__case_id=case.pk).count() == 1
    assert Case.objects.get(pk=closed_cases["young"].pk).archive_status == Case.ArchiveStatus.ACTIVE
    with pytest.raises(ApplicationError):
        transfer_transition(user=archivist, transfer_id=transfer.pk, to=ArchiveTransfer.Status.DRAFT)
    second = transfer_create(user=archivist, unit=fn_unit, jrwa=jrwa_3120, on=datetime.date(2027, 2, 1))
    assert (second.year, second.number) == (2027, 1)


def test_transfer_rows_per_teczka(closed_cases, fn_unit, jrwa_3120, archivist):
    transfer = transfer_create(user=archivist, unit=fn_unit, jrwa=jrwa_3120, on=TODAY)
    rows = transfer_rows(transfer)
    assert [(r.number, r.symbol, r.date_from, r.date_to, r.category, r.case_count) for r in rows] == [
        (1, "3120", datetime.date(2022, 1, 10), datetime.date(2022, 5, 5), "BE5", 1),
        (2, "3120", datetime.date(2023, 1, 10), datetime.date(2023, 12, 31), "BE5", 1),
    ]


def test_transfer_refusals_write_nothing(closed_cases, fn_unit, jrwa_3120, archivist, tax_clerk):
    before = (ArchiveTransfer.objects.count(), AuditEvent.objects.count())
    with pytest.raises(NotFoundOrForbidden):
        transfer_create(user=tax_clerk, unit=fn_unit, jrwa=jrwa_3120, on=TODAY)
    with pytest.raises(ApplicationError) as exc:
        transfer_create(user=archivist, unit=fn_unit, jrwa=jrwa_3120, on=datetime.date(2024, 6, 1))
    assert exc.value.code == "nothing_eligible"
    with pytest.raises(ServiceValidationError) as exc:
        transfer_create(user=archivist, unit=fn_unit, jrwa=jrwa_3120, on=TODAY, case_ids=[closed_cases["young"].pk])
    assert set(exc.value.errors) == {"case_ids"}
    assert (ArchiveTransfer.objects.count(), AuditEvent.objects.count()) == before


@pytest.fixture
def b5_class(db):
    return JrwaClassFactory(symbol="0140", title="Akta osobowe tymczasowe", archival_category="B5")


def test_disposal_list_flow(fn_unit, jrwa_3120, b5_class, archivist, archivist2):
    b5 = _closed(
        unit=fn_unit, jrwa=b5_class, closed_on=datetime.date(2019, 6, 1), archive_status=Case.ArchiveStatus.IN_ARCHIVE
    )
    b5_young = _closed(
        unit=fn_unit, jrwa=b5_class, closed_on=datetime.date(2020, 1, 2), archive_status=Case.ArchiveStatus.IN_ARCHIVE
    )
    be5 = _closed(
        unit=fn_unit, jrwa=jrwa_3120, closed_on=datetime.date(2019, 6, 1), archive_status=Case.ArchiveStatus.IN_ARCHIVE
    )
    a_class = JrwaClassFactory(symbol="0002", title="Uchwały", archival_category="A")
    a_case = _closed(
        unit=fn_unit, jrwa=a_class, closed_on=datetime.date(1990, 6, 1), archive_status=Case.ArchiveStatus.IN_ARCHIVE
    )
    on = datetime.date(2025, 1, 1)
    assert [c.pk for c in disposable_cases(on=on)] == [b5.pk]
    assert {c.pk for c in disposable_cases(on=on, include_expert_evaluation=True)} == {b5.pk, be5.pk}
    assert a_case.pk not in {
        c.pk for c in disposable_cases(on=datetime.date(2100, 1, 1), include_expert_evaluation=True)
    }
    assert b5_young.pk not in {c.pk for c in disposable_cases(on=on)}

    disposal = disposal_create(user=archivist, on=on)
    assert (disposal.year, disposal.number, disposal.status) == (2025, 1, DisposalList.Status.DRAFT)
    assert [c.pk for c in disposal.cases.all()] == [b5.pk]
    disposal_transition(user=archivist, disposal_id=disposal.pk, to=DisposalList.Status.SUBMITTED)

    # approval by the author: refused, nothing written
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        disposal_transition(
            user=archivist, disposal_id=disposal.pk, to=DisposalList.Status.APPROVED, approval_reference="AP.1.2025"
        )
    assert exc.value.code == "own_list"
    disposal.refresh_from_db()
    assert (disposal.status, disposal.decided_by, disposal.approval_reference) == ("submitted", None, "")
    assert AuditEvent.objects.count() == before
    # without the consent reference: refused too
    with pytest.raises(ServiceValidationError) as exc:
        disposal_transition(user=archivist2, disposal_id=disposal.pk, to=DisposalList.Status.APPROVED)
    assert set(exc.value.errors) == {"approval_reference"}
    assert AuditEvent.objects.count() == before

    disposal_transition(
        user=archivist2, disposal_id=disposal.pk, to=DisposalList.Status.APPROVED, approval_reference="AP.1.2025"
    )
    disposal_transition(user=archivist, disposal_id=disposal.pk, to=DisposalList.Status.DISPOSED)
    disposal.refresh_from_db()
    assert (disposal.status, disposal.decided_by, disposal.approval_reference) == ("disposed", archivist2, "AP.1.2025")
    assert disposal.disposed_at is not None
    assert Case.objects.get(pk=b5.pk).archive_status == Case.ArchiveStatus.DISPOSED
    assert Case.objects.get(pk=be5.pk).archive_status == Case.ArchiveStatus.IN_ARCHIVE
    assert AuditEvent.objects.filter(action="documents.case.disposed", details__case_id=b5.pk).count() == 1


def test_disposal_refused_by_the_state_archive(fn_unit, b5_class, archivist, archivist2):
    case = _closed(
        unit=fn_unit, jrwa=b5_class, closed_on=datetime.date(2019, 6, 1), archive_status=Case.ArchiveStatus.IN_ARCHIVE
    )
    disposal = disposal_create(user=archivist, on=datetime.date(2025, 3, 1))
    disposal_transition(user=archivist, disposal_id=disposal.pk, to=DisposalList.Status.SUBMITTED)
    disposal_transition(user=archivist2, disposal_id=disposal.pk, to=DisposalList.Status.REFUSED, reason="brak zgody")
    assert Case.objects.get(pk=case.pk).archive_status == Case.ArchiveStatus.IN_ARCHIVE
    with pytest.raises(ApplicationError):
        disposal_transition(user=archivist, disposal_id=disposal.pk, to=DisposalList.Status.DISPOSED)
    # a refused list frees its cases for a new list
    assert [c.pk for c in disposable_cases(on=datetime.date(2025, 3, 1))] == [case.pk]


def test_bc_disposable_when_closed(fn_unit, archivist):
    bc = JrwaClassFactory(symbol="0520", title="Zaproszenia", archival_category="Bc")
    case = _closed(unit=fn_unit, jrwa=bc, closed_on=datetime.date(2026, 2, 3))
    assert [c.pk for c in disposable_cases(on=datetime.date(2026, 2, 3))] == [case.pk]
    assert disposable_cases(on=datetime.date(2026, 2, 2)) == []


# --- archival package ------------------------------------------------------------------------------------------


@pytest.fixture
def a_case(fn_unit, archivist):
    a_class = JrwaClassFactory(symbol="0002", title="Uchwały rady", archival_category="A")
    party = PersonFactory(first_names="Anna", surname="Łęcka")
    case = _closed(unit=fn_unit, jrwa=a_class, closed_on=datetime.date(2000, 6, 1), year=2000)
    case.parties.set([party])
    entry = IncomingEntryFactory(title="Wniosek", case=case, sender=party)
    original = b"%PDF-1.4 original \x00\xff bytes"
    StoredFile.objects.create(
        entry=entry,
        role=StoredFile.Role.ORIGINAL,
        file_name="../../etc/wniosek ż.pdf",
        mime_type="application/pdf",
        size=len(original),
        sha256=hashlib.sha256(original).hexdigest(),
        content=original,
        signature_verdict="valid",
        signer="Anna Łęcka",
    )
    document = OutgoingDocumentFactory(case=case, title="Odpowiedź", created_by=case.owner)
    DocumentVersion.objects.create(document=document, number=1, pdf=b"%PDF v1", xml=b"<doc/>", created_by=case.owner)
    document.signed_xml = b"<signed/>"
    document.signature_kind = "xades"
    document.save()
    shipment = Shipment.objects.create(
        document=document, party=party, year=2000, number=1, channel="post_registered", created_by=case.owner
    )
    receipt = Receipt.objects.create(
        shipment=shipment, kind="zpo", status="attached", delivered_on=datetime.date(2000, 5, 5)
    )
    StoredFile.objects.create(
        receipt=receipt, role="receipt", file_name="zpo.png", mime_type="image/png", size=3, sha256="x", content=b"PNG"
    )
    from django.db import transaction

    with transaction.atomic():
        audit_log(
            actor=case.owner,
            action="documents.document.approved",
            obj=document,
            details={"case_id": case.pk, "document": "Odpowiedź"},
        )
    return case


def test_archival_package_content_and_manifest(a_case, archivist):
    data = archival_package(user=archivist, case_ids=[a_case.pk])
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(archive.namelist())
    folder = "FN.0002.1.2000"
    assert names == sorted(
        [
            "manifest-sha256.txt",
            f"{folder}/incoming/RPW-{a_case.entries.get().number}-2026/01-wniosek_z.pdf",
            f"{folder}/outgoing/{a_case.outgoing_documents.get().pk}/v1.pdf",
            f"{folder}/outgoing/{a_case.outgoing_documents.get().pk}/v1.xml",
            f"{folder}/outgoing/{a_case.outgoing_documents.get().pk}/signed.xml",
            f"{folder}/receipts/{Receipt.objects.get().pk}/01-zpo.png",
            f"{folder}/metadata.xml",
        ]
    )
    original = next(n for n in names if "/incoming/" in n)
    assert archive.read(original) == b"%PDF-1.4 original \x00\xff bytes"
    manifest = archive.read("manifest-sha256.txt").decode().splitlines()
    assert len(manifest) == len(names) - 1
    for line in manifest:
        digest, path = line.split("  ", 1)
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest
    root = etree.fromstring(archive.read(f"{folder}/metadata.xml"), parser=etree.XMLParser(resolve_entities=False))
    ns = {"p": "urn:magistrat:documents:archival-package:1"}
    assert root.findtext("p:mark", namespaces=ns) == "FN.0002.1.2000"
    assert root.findtext("p:archivalCategory", namespaces=ns) == "A"
    assert root.findtext("p:dates/p:closed", namespaces=ns) == "2000-06-01"
    assert root.find("p:parties/p:party", namespaces=ns).text == "Anna Łęcka"
    docs = root.findall("p:documents/p:document", namespaces=ns)
    assert len(docs) == 5
    first = docs[0]
    assert first.findtext("p:sha256", namespaces=ns) == hashlib.sha256(archive.read(original)).hexdigest()
    assert first.find("p:signature", namespaces=ns).text == "valid"
    rows = root.findall("p:metryka/p:row", namespaces=ns)
    assert [r.get("action") for r in rows] == ["documents.document.approved"]
    assert rows[0].get("document") == "Odpowiedź"
    assert AuditEvent.objects.filter(action="documents.case.package_exported", details__case_id=a_case.pk).count() == 1


def test_archival_package_refuses_non_a_and_unprivileged(a_case, closed_cases, archivist, tax_clerk):
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceValidationError) as exc:
        archival_package(user=archivist, case_ids=[a_case.pk, closed_cases["old"].pk])
    assert "FN.3120" in exc.value.errors["case"][0]
    with pytest.raises(ServiceValidationError):
        archival_package(user=archivist, case_ids=[])
    with pytest.raises(NotFoundOrForbidden):
        archival_package(user=tax_clerk, case_ids=[a_case.pk])
    assert AuditEvent.objects.count() == before


def test_safe_name():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\x\\pismo ąęł.pdf") == "pismo_ael.pdf"
    assert safe_name("..") == "file"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks matter on PostgreSQL")
def test_transfer_numbers_are_sequential(closed_cases, fn_unit, jrwa_3120, archivist):
    other = OrgUnitFactory(symbol="OR")
    _closed(unit=other, jrwa=jrwa_3120, closed_on=datetime.date(2020, 1, 1))
    first = transfer_create(user=archivist, unit=fn_unit, jrwa=jrwa_3120, on=TODAY)
    second = transfer_create(user=archivist, unit=other, jrwa=jrwa_3120, on=TODAY)
    assert (first.number, second.number) == (1, 2)


# --- screens and API -------------------------------------------------------------------------------------------


def test_archive_screens_flow(client, closed_cases, fn_unit, jrwa_3120, archivist, archivist2):
    from django.urls import reverse

    client.force_login(archivist)
    response = client.get(reverse("documents:archive"), {"on": "2026-06-01"})
    assert response.status_code == 200
    assert closed_cases["old"].mark in response.content.decode()
    assert closed_cases["young"].mark not in response.content.decode()
    response = client.post(reverse("documents:archive-transfer-create"), {"unit": fn_unit.pk, "jrwa": jrwa_3120.pk})
    transfer = ArchiveTransfer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:archive-transfer", args=[transfer.pk])
    assert client.get(response["Location"]).status_code == 200
    pdf = client.get(reverse("documents:archive-transfer-pdf", args=[transfer.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    client.post(reverse("documents:archive-transfer-action", args=[transfer.pk, "hand-over"]))
    client.force_login(archivist2)
    client.post(reverse("documents:archive-transfer-action", args=[transfer.pk, "accept"]))
    transfer.refresh_from_db()
    assert transfer.status == "accepted"
    assert client.get(reverse("documents:archive-transfers")).status_code == 200
    assert client.get(reverse("documents:archive-disposals")).status_code == 200


def test_archive_api(client, closed_cases, a_case, fn_unit, jrwa_3120, archivist, archivist2, tax_clerk):
    from django.urls import reverse

    client.force_login(tax_clerk)
    assert client.get(reverse("api-documents-archive-transfers")).status_code == 403
    assert client.get(reverse("api-documents-archive-package"), {"case": a_case.pk}).status_code == 403
    client.force_login(archivist)
    response = client.post(
        reverse("api-documents-archive-transfers"),
        {"unit": fn_unit.pk, "jrwa": jrwa_3120.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["status"], sorted(body["cases"])) == (
        1,
        "draft",
        sorted([closed_cases["old"].mark, closed_cases["older"].mark]),
    )
    pk = body["id"]
    response = client.post(reverse("api-documents-archive-transfer-accept", args=[pk]), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_transition"
    assert client.post(reverse("api-documents-archive-transfer-hand-over", args=[pk])).status_code == 200
    detail = client.get(reverse("api-documents-archive-transfer", args=[pk])).json()
    assert [r["case_count"] for r in detail["rows"]] == [1, 1]
    response = client.get(reverse("api-documents-archive-package"), {"case": a_case.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "manifest-sha256.txt" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    response = client.get(reverse("api-documents-archive-package"), {"case": closed_cases["old"].pk})
    assert response.status_code == 400
    assert "case" in response.json()["errors"]
    response = client.post(reverse("api-documents-archive-disposals"), {}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "nothing_disposable"
