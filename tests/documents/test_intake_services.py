"""RPW registration: paper letters, sender matching, ePUAP inbound documents, upload screening."""

import datetime
import hashlib
import io
import zipfile

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent, Party
from documents.models import AssignmentRule, Channel, IncomingEntry, StoredFile
from documents.services import files as file_service
from documents.services.intake import (
    entry_register,
    entry_register_inbound,
    register_pending_inbound,
    sender_match_or_create,
)
from epuap import crd
from epuap.models import InboundDocument
from tests.factories import OrganisationFactory, PersonFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _received(days_ago=0):
    return timezone.now() - datetime.timedelta(days=days_ago, hours=1)


@pytest.mark.django_db
class TestEntryRegister:
    def test_paper_letter_numbered_with_scan_kept_byte_exact(self, registry_clerk):
        sender = PersonFactory()
        scan = PDF + b"\x00\x01binary tail"
        received = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 30))
        entry = entry_register(
            actor=registry_clerk,
            channel=Channel.PAPER,
            received_at=received,
            sender=sender,
            title="Wniosek o zaświadczenie",
            letter_date=datetime.date(2026, 2, 27),
            letter_reference="AB/12/2026",
            files=[("skan.pdf", scan)],
        )
        assert entry.rpw_number == "RPW/1/2026"
        second = entry_register(
            actor=registry_clerk, channel=Channel.IN_PERSON, received_at=received, sender=sender, title="Drugie"
        )
        assert second.rpw_number == "RPW/2/2026"
        stored = entry.files.get()
        assert stored.role == StoredFile.Role.SCAN
        assert bytes(stored.content) == scan
        assert stored.sha256 == hashlib.sha256(scan).hexdigest()
        assert stored.mime_type == "application/pdf"
        assert entry.registered_by == registry_clerk
        event = AuditEvent.objects.get(action="documents.entry.registered", object_id=str(entry.pk))
        assert event.details["rpw"] == "RPW/1/2026"
        assert event.details["files"][0]["sha256"] == stored.sha256
        assert "zaswiadczenie" in IncomingEntry.objects.get(pk=entry.pk).search_text

    def test_year_is_local_year_of_receipt(self, registry_clerk):
        # 31.12.2025 23:30 in Warsaw is 22:30 UTC: the entry belongs to 2025
        received = datetime.datetime(2025, 12, 31, 22, 30, tzinfo=datetime.UTC)
        entry = entry_register(
            actor=registry_clerk, channel=Channel.PAPER, received_at=received, sender=PersonFactory(), title="X"
        )
        assert (entry.year, entry.number) == (2025, 1)
        received = datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC)
        entry = entry_register(
            actor=registry_clerk, channel=Channel.PAPER, received_at=received, sender=PersonFactory(), title="Y"
        )
        assert (entry.year, entry.number) == (2026, 1)

    def test_standing_rule_assigns_unit(self, registry_clerk, fn_unit):
        AssignmentRule.objects.create(name="IN-1 do FN", form_code="IN-1", unit=fn_unit)
        entry = entry_register(
            actor=registry_clerk,
            channel=Channel.PAPER,
            received_at=_received(),
            sender=PersonFactory(),
            title="Informacja o nieruchomościach",
            form_code="IN-1",
        )
        entry.refresh_from_db()
        assert entry.assigned_unit == fn_unit
        assert entry.status == IncomingEntry.Status.ASSIGNED_UNIT

    @pytest.mark.parametrize(
        ("kwargs", "field", "message"),
        [
            ({"title": "  "}, "title", "Title is required."),
            ({"received_at": timezone.now() + datetime.timedelta(days=1)}, "received_at", None),
        ],
    )
    def test_bad_input_writes_nothing(self, registry_clerk, kwargs, field, message):
        args = {"channel": Channel.PAPER, "received_at": _received(), "sender": PersonFactory(), "title": "Pismo"}
        args.update(kwargs)
        with pytest.raises(ServiceValidationError) as exc:
            entry_register(actor=registry_clerk, files=[("a.pdf", PDF)], **args)
        assert field in exc.value.errors
        if message:
            assert exc.value.errors[field] == [gettext(message)]
        assert IncomingEntry.objects.count() == 0
        assert StoredFile.objects.count() == 0
        assert not AuditEvent.objects.filter(action="documents.entry.registered").exists()

    def test_exe_renamed_pdf_refused(self, registry_clerk):
        with pytest.raises(ServiceValidationError) as exc:
            entry_register(
                actor=registry_clerk,
                channel=Channel.PAPER,
                received_at=_received(),
                sender=PersonFactory(),
                title="Pismo",
                files=[("skan.pdf", EXE)],
            )
        assert exc.value.errors["files"] == [
            gettext("The file %(name)s is a program (executable).") % {"name": "skan.pdf"}
        ]
        assert IncomingEntry.objects.count() == 0

    def test_oversized_scan_refused(self, registry_clerk, settings):
        settings.DOCUMENTS_MAX_FILE_BYTES = 1024
        with pytest.raises(ServiceValidationError) as exc:
            entry_register(
                actor=registry_clerk,
                channel=Channel.PAPER,
                received_at=_received(),
                sender=PersonFactory(),
                title="Pismo",
                files=[("duzy.pdf", PDF + b"0" * 2000)],
            )
        assert exc.value.errors["files"] == [
            gettext("The file %(name)s is too large (%(size)s MB; the limit is %(limit)s MB).")
            % {"name": "duzy.pdf", "size": "0,0", "limit": "0,0"}
        ]
        assert IncomingEntry.objects.count() == 0

    def test_epuap_channel_not_typed_in(self, registry_clerk):
        with pytest.raises(ApplicationError) as exc:
            entry_register(
                actor=registry_clerk, channel=Channel.EPUAP, received_at=_received(), sender=PersonFactory(), title="X"
            )
        assert exc.value.code == "channel_automatic"


class TestScreening:
    @pytest.mark.parametrize(
        ("name", "data", "mime", "codes"),
        [
            ("a.pdf", PDF, "application/pdf", []),
            ("a.pdf", EXE, "application/x-executable", ["executable"]),
            ("a.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 50, "application/x-executable", ["executable"]),
            ("run.txt", b"#!/bin/sh\nrm -rf /\n", "text/x-script", ["script"]),
            ("a.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}), None, []),
            (
                "a.docx",
                _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>", "word/vbaProject.bin": b"x"}),
                "application/vnd.ms-office.macroenabled",
                ["macro"],
            ),
            ("a.zip", _zip({"in.pdf": PDF, "x.exe": EXE}), "application/zip", ["executable"]),
            ("a.rar", b"Rar!\x1a\x07\x00" + b"\x00" * 20, "application/octet-stream", ["archive_uninspectable"]),
            ("notatka.txt", "Zażółć gęślą jaźń".encode(), "text/plain", []),
            ("a.bin", b"\x00\x01\x02\x03" * 10, "application/octet-stream", ["type_not_allowed"]),
        ],
    )
    def test_sniffing(self, name, data, mime, codes):
        result = file_service.screen_file(name, data)
        if mime:
            assert result.mime_type == mime
        assert [p["code"] for p in result.problems] == codes


@pytest.mark.django_db
class TestSenderMatching:
    def test_order_pesel_nip_regon_box(self):
        person = PersonFactory(pesel="44051401359")
        org = OrganisationFactory()
        boxed = OrganisationFactory(epuap_box="/firma/skrytka")
        assert sender_match_or_create(pesel="44051401359", nip=org.nip) == (person, False)
        assert sender_match_or_create(nip=org.nip, regon=boxed.regon) == (org, False)
        assert sender_match_or_create(regon=boxed.regon) == (boxed, False)
        assert sender_match_or_create(epuap_box="/firma/skrytka") == (boxed, False)

    def test_unknown_sender_created_pending_review(self):
        party, created = sender_match_or_create(first_names="Jan", surname="Nowak", pesel="02070803628")
        assert created
        assert party.status == Party.Status.PENDING_REVIEW
        assert (party.kind, party.first_names, party.surname, party.pesel) == ("person", "Jan", "Nowak", "02070803628")
        assert party.birth_date == datetime.date(1902, 7, 8)
        assert AuditEvent.objects.filter(action="party.created", object_id=str(party.pk)).count() == 1
        again, created = sender_match_or_create(pesel="02070803628", surname="Inny")
        assert (again, created) == (party, False)

    def test_invalid_identifier_not_stored(self):
        party, created = sender_match_or_create(pesel="12345678901", surname="Kowalski", first_names="Jan")
        assert created
        assert party.pesel is None


def _inbound(**overrides) -> InboundDocument:
    content = overrides.pop(
        "content",
        crd.build_pismo_ogolne(
            crd.CrdDocument(
                form_namespace=crd.NS_WNIO_4566,
                title="Wniosek o zaświadczenie o zameldowaniu",
                text_paragraphs=["Proszę o wydanie zaświadczenia."],
                sender=crd.Party(first_name="Anna", surname="Wiśniewska", pesel="02070803628"),
                recipient_name="Urząd Miasta",
                attachments=[crd.Attachment(file_name="skan.pdf", mime="application/pdf", content=PDF)],
            )
        ),
    )
    values = {
        "box_address": "/urzad/skrytka",
        "platform_document_id": "doc-1",
        "skrot": "a" * 64,
        "file_name": "wniosek.xml",
        "mime_type": "application/xml",
        "content": content,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": len(content),
        "sender_person_type": "F",
        "sender_first_name": "Anna",
        "sender_name": "Wiśniewska",
        "sender_pesel": "02070803628",
        "reply_address": "/awisniewska/skrytka",
        "submitted_at": timezone.make_aware(datetime.datetime(2026, 4, 1, 10, 0)),
        "upp_reference": "UPP-123",
        "form_code": "PISMO_OGOLNE",
        "title": "Wniosek o zaświadczenie o zameldowaniu",
        "signature_verdict": "valid",
        "signer_subject": "CN=Anna Wiśniewska",
        "validation_verdict": "valid",
        "status": "accepted",
    }
    values.update(overrides)
    return InboundDocument.objects.create(**values)


@pytest.mark.django_db
class TestInbound:
    def test_registered_once_with_original_attachment_and_preview(self):
        inbound = _inbound()
        entry = entry_register_inbound(inbound=inbound)
        assert entry.rpw_number == "RPW/1/2026"
        assert entry.channel == Channel.EPUAP
        assert entry.received_at == inbound.submitted_at
        assert entry.form_code == "PISMO_OGOLNE"
        assert entry.sender.pesel == "02070803628"
        assert entry.sender.status == Party.Status.PENDING_REVIEW
        original = entry.files.get(role=StoredFile.Role.ORIGINAL)
        assert bytes(original.content) == bytes(inbound.content)
        assert (original.signature_verdict, original.signer) == ("valid", "CN=Anna Wiśniewska")
        attachment = entry.files.get(role=StoredFile.Role.ATTACHMENT)
        assert (attachment.file_name, bytes(attachment.content)) == ("skan.pdf", PDF)
        preview = entry.files.get(role=StoredFile.Role.PREVIEW)
        assert preview.derived_from == original
        assert "Proszę o wydanie zaświadczenia." in bytes(preview.content).decode()
        assert "UPP-123" in entry.remarks
        # idempotent
        assert entry_register_inbound(inbound=inbound) == entry
        assert register_pending_inbound() == 0
        assert IncomingEntry.objects.count() == 1
        assert AuditEvent.objects.filter(action="documents.entry.registered").count() == 1

    def test_edoreczenia_letter_keeps_its_files_and_proof_of_receipt(self):
        from epuap.models import InboundAttachment

        inbound = _inbound(
            channel=InboundDocument.Channel.EDORECZENIA,
            box_address="AE:PL-10000-20000-MAGIS-01",
            platform_document_id="7d1c0c9e-0000-4000-8000-000000000001",
            content=PDF,
            file_name="wniosek.pdf",
            mime_type="application/pdf",
            sender_person_type="",
            sender_first_name="",
            sender_name="Jan Kowalski",
            sender_pesel="",
            reply_address="AE:PL-51234-56789-KOWJA-11",
            form_code="",
            title="Wniosek o zaświadczenie",
            upp_reference="ev-1",
            receipt_evidence="eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        )
        InboundAttachment.objects.create(
            document=inbound,
            order=1,
            file_name="skan.png",
            mime_type="image/png",
            content=b"\x89PNG",
            sha256="x",
            size=4,
        )
        entry = entry_register_inbound(inbound=inbound)
        assert entry.channel == Channel.EDORECZENIA
        files = {f.role: f for f in entry.files.all()}
        assert bytes(files[StoredFile.Role.ORIGINAL].content) == PDF
        assert bytes(files[StoredFile.Role.ATTACHMENT].content) == b"\x89PNG"
        assert bytes(files[StoredFile.Role.EVIDENCE].content) == b"eyJhbGciOiJSUzI1NiJ9.e30.c2ln"
        sender = entry.sender
        assert (sender.kind, sender.first_names, sender.surname, sender.ade_address, sender.status) == (
            Party.Kind.PERSON,
            "Jan",
            "Kowalski",
            "AE:PL-51234-56789-KOWJA-11",
            Party.Status.PENDING_REVIEW,
        )
        # The next letter from the same ADE finds the same party.
        second = _inbound(
            channel=InboundDocument.Channel.EDORECZENIA,
            box_address="AE:PL-10000-20000-MAGIS-01",
            platform_document_id="7d1c0c9e-0000-4000-8000-000000000002",
            skrot="b" * 64,
            content=b"tekst",
            sender_pesel="",
            sender_name="Jan Kowalski",
            reply_address="AE:PL-51234-56789-KOWJA-11",
        )
        assert entry_register_inbound(inbound=second).sender == sender

    def test_existing_party_matched(self):
        party = PersonFactory(pesel="02070803628")
        assert entry_register_inbound(inbound=_inbound()).sender == party

    @pytest.mark.parametrize(
        ("status", "form"), [("quarantined", "PISMO_OGOLNE"), ("rejected", ""), ("accepted", "UPD")]
    )
    def test_not_registrable(self, status, form):
        inbound = _inbound(status=status, form_code=form)
        with pytest.raises(ApplicationError) as exc:
            entry_register_inbound(inbound=inbound)
        assert exc.value.code == "inbound_not_registrable"
        assert register_pending_inbound() == 0
        assert IncomingEntry.objects.count() == 0

    def test_task_registers_every_eligible(self):
        from documents.tasks_intake import register_inbound_documents

        _inbound()
        _inbound(platform_document_id="doc-2", skrot="b" * 64, status="released")
        _inbound(platform_document_id="doc-3", skrot="c" * 64, status="quarantined")
        assert register_inbound_documents() == 2
        assert register_inbound_documents() == 0
        assert sorted(IncomingEntry.objects.values_list("number", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_concurrent_registration_of_one_inbound_document_gives_one_entry():
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    inbound = _inbound()
    barrier, results, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait()
            results.append(entry_register_inbound(inbound=InboundDocument.objects.get(pk=inbound.pk)).pk)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 2
    assert results[0] == results[1]
    assert IncomingEntry.objects.count() == 1


@pytest.mark.django_db
def test_demo_seeder_is_idempotent(admin_user_):
    from documents.hooks.intake import seed_demo

    first = seed_demo(actor=admin_user_)
    _inbound()
    second = seed_demo(actor=admin_user_)
    assert first == "3 paper letters, 0 ePUAP documents registered"
    assert second == "0 paper letters, 1 ePUAP documents registered"
    assert IncomingEntry.objects.filter(channel=Channel.PAPER).count() == 2
    assert IncomingEntry.objects.count() == 4
    assert StoredFile.objects.filter(role=StoredFile.Role.SCAN).count() == 2


class TestScreeningRefusals:
    """Each refusal of the content screening, with its code (the message names the file)."""

    def _codes(self, name, data):
        return [p["code"] for p in file_service.screen_file(name, data).problems]

    def test_pdf_with_active_content(self):
        assert self._codes("a.pdf", PDF.replace(b"%%EOF", b"/OpenAction << /S /JavaScript >>\n%%EOF")) == ["pdf_active"]
        assert self._codes("b.pdf", PDF.replace(b"%%EOF", b"/Launch\n%%EOF")) == ["pdf_active"]

    def test_archive_nested_too_deep(self):
        inner = _zip({"in.pdf": PDF})
        for _level in range(file_service.MAX_ZIP_DEPTH):
            inner = _zip({"next.zip": inner})
        assert "archive_nested" in self._codes("a.zip", inner)

    def test_archive_with_too_many_files(self, monkeypatch):
        monkeypatch.setattr(file_service, "MAX_ZIP_MEMBERS", 3)
        assert self._codes("a.zip", _zip({f"{i}.txt": b"x" for i in range(4)})) == ["archive_too_large"]

    def test_archive_that_unpacks_to_too_much(self, settings):
        settings.DOCUMENTS_MAX_FILE_BYTES = 1000
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:  # a small zip, 50 kB unpacked
            z.writestr("zera.txt", b"0" * 50_000)
        assert len(buf.getvalue()) < 1000
        assert self._codes("a.zip", buf.getvalue()) == ["archive_too_large"]

    def test_archive_that_cannot_be_read(self):
        assert self._codes("a.zip", b"PK\x03\x04" + b"\x00" * 40) == ["archive_unreadable"]

    def test_empty_file(self):
        assert "empty" in self._codes("pusty.pdf", b"")
