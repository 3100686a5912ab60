"""Registry desk screens and the RPW API: permissions, register form, detail, downloads, quarantine, print."""

import base64
import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, Party
from documents.models import Channel, EmailIntake, IncomingEntry, StoredFile
from documents.services.intake import entry_register
from tests.factories import PersonFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 100


def _entry(actor, **kwargs):
    values = {
        "channel": Channel.PAPER,
        "received_at": timezone.now() - datetime.timedelta(hours=2),
        "sender": PersonFactory(surname="Kowalski"),
        "title": "Wniosek o zaświadczenie",
        "files": [("skan.pdf", PDF)],
    }
    values.update(kwargs)
    return entry_register(actor=actor, **values)


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db
class TestScreens:
    def test_list_filters_and_number_format(self, client, registry_clerk):
        first = _entry(registry_clerk)
        _entry(registry_clerk, title="Skarga", channel=Channel.IN_PERSON, files=[])
        client.force_login(registry_clerk)
        response = client.get(reverse("documents:intake-entry-list"))
        assert response.status_code == 200
        assert first.rpw_number in response.content.decode()
        response = client.get(reverse("documents:intake-entry-list"), {"q": "skarga"})
        body = response.content.decode()
        assert "RPW/2/" in body
        assert first.rpw_number not in body
        response = client.get(reverse("documents:intake-entry-list"), {"channel": "paper"})
        assert first.rpw_number in response.content.decode()
        assert "Skarga" not in response.content.decode()

    def test_list_refused_to_clerk(self, client, tax_clerk):
        client.force_login(tax_clerk)
        assert client.get(reverse("documents:intake-entry-list")).status_code == 403

    def test_register_with_new_sender_and_scan(self, client, registry_clerk):
        client.force_login(registry_clerk)
        received = timezone.now() - datetime.timedelta(hours=1)
        scan = PDF + b"tail"
        response = client.post(
            reverse("documents:intake-register"),
            {
                "channel": "paper",
                "received_at": _local(received),
                "sender_kind": "person",
                "sender_first_names": "Ewa",
                "sender_surname": "Mazur",
                "title": "Odwołanie",
                "letter_reference": "EM/1",
                "files": [_upload("skan.pdf", scan), _upload("skan2.pdf", PDF)],
            },
        )
        entry = IncomingEntry.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("documents:intake-entry-detail", args=[entry.pk])
        assert entry.sender.surname == "Mazur"
        assert entry.sender.status == Party.Status.PENDING_REVIEW
        assert [bytes(f.content) for f in entry.files.order_by("id")] == [scan, PDF]
        assert entry.registered_by == registry_clerk

    def test_register_refuses_exe_and_future_date(self, client, registry_clerk):
        client.force_login(registry_clerk)
        party = PersonFactory()
        response = client.post(
            reverse("documents:intake-register"),
            {
                "channel": "paper",
                "received_at": _local(timezone.now() + datetime.timedelta(days=2)),
                "sender": party.pk,
                "title": "",
                "files": [_upload("skan.pdf", EXE)],
            },
        )
        assert response.status_code == 400
        form = response.context["form"]
        assert set(form.errors) == {"received_at", "title", "files"}
        assert "skan.pdf" in form.errors["files"][0]
        assert IncomingEntry.objects.count() == 0
        assert StoredFile.objects.count() == 0

    def test_detail_and_byte_exact_download(self, client, registry_clerk, tax_clerk):
        entry = _entry(registry_clerk)
        stored = entry.files.get()
        client.force_login(registry_clerk)
        response = client.get(reverse("documents:intake-entry-detail", args=[entry.pk]))
        assert response.status_code == 200
        assert "skan.pdf" in response.content.decode()
        response = client.get(reverse("documents:intake-file-download", args=[entry.pk, stored.pk]))
        assert response.status_code == 200
        assert response.content == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith('attachment; filename="skan.pdf"')
        assert AuditEvent.objects.filter(action="documents.file.downloaded", object_id=str(stored.pk)).count() == 1
        # a clerk to whom the entry is not assigned sees neither
        client.force_login(tax_clerk)
        assert client.get(reverse("documents:intake-entry-detail", args=[entry.pk])).status_code == 404
        assert client.get(reverse("documents:intake-file-download", args=[entry.pk, stored.pk])).status_code == 404

    def test_file_of_another_entry_not_served(self, client, registry_clerk):
        a, b = _entry(registry_clerk), _entry(registry_clerk)
        client.force_login(registry_clerk)
        url = reverse("documents:intake-file-download", args=[a.pk, b.files.get().pk])
        assert client.get(url).status_code == 404

    def test_quarantine_release_screen(self, client, registry_clerk):
        raw = b"From: x@example.pl\r\nSubject: Spam?\r\nX-Spam-Flag: YES\r\n\r\nbody\r\n"
        intake = EmailIntake.objects.create(
            mailbox="m",
            uidvalidity=1,
            uid=1,
            from_address="x@example.pl",
            subject="Spam?",
            size=len(raw),
            raw=raw,
            sha256=hashlib.sha256(raw).hexdigest(),
            status=EmailIntake.Status.QUARANTINED,
            reasons=[{"code": "spam", "message": "spam"}],
        )
        client.force_login(registry_clerk)
        response = client.get(reverse("documents:intake-email-list"))
        assert response.status_code == 200
        assert "Spam?" in response.content.decode()
        response = client.post(reverse("documents:intake-email-decide", args=[intake.pk]), {"decision": "released"})
        assert response.status_code == 302
        intake.refresh_from_db()
        assert intake.status == EmailIntake.Status.RELEASED
        assert intake.entry.title == "Spam?"

    def test_print_pdf(self, client, registry_clerk):
        _entry(registry_clerk)
        client.force_login(registry_clerk)
        today = timezone.localdate().isoformat()
        response = client.get(reverse("documents:intake-print"), {"date_from": today, "date_to": today})
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        bad = client.get(reverse("documents:intake-print"), {"date_from": today, "date_to": "2000-01-01"})
        assert bad.status_code == 400


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.mark.django_db
class TestApi:
    def test_register_json_base64_and_read_back(self, client, registry_clerk):
        client.force_login(registry_clerk)
        party = PersonFactory()
        response = client.post(
            "/api/v1/documents/entries/",
            {
                "channel": "paper",
                "received_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
                "sender": party.pk,
                "title": "Wniosek",
                "files": [{"file_name": "skan.pdf", "content_base64": base64.b64encode(PDF).decode()}],
            },
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["rpw_number"].startswith("RPW/1/")
        assert body["files"][0]["sha256"] == hashlib.sha256(PDF).hexdigest()
        detail = client.get(f"/api/v1/documents/entries/{body['id']}/").json()
        assert detail["title"] == "Wniosek"
        download = client.get(f"/api/v1/documents/entries/{body['id']}/files/{body['files'][0]['id']}/")
        assert download.status_code == 200
        assert download.content == PDF
        listing = client.get("/api/v1/documents/entries/", {"channel": "paper"}).json()
        assert [e["rpw_number"] for e in listing["results"]] == [body["rpw_number"]]

    def test_register_multipart(self, client, registry_clerk):
        client.force_login(registry_clerk)
        response = client.post(
            "/api/v1/documents/entries/",
            {
                "channel": "in_person",
                "received_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
                "sender": PersonFactory().pk,
                "title": "Pismo",
                "files": [_upload("a.pdf", PDF)],
            },
        )
        assert response.status_code == 201, response.content
        assert IncomingEntry.objects.get().files.get().role == StoredFile.Role.SCAN

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"title": ""}, "title"),
            ({"received_at": "2999-01-01T10:00:00+01:00"}, "received_at"),
            ({"files": [{"file_name": "a.pdf", "content_base64": base64.b64encode(EXE).decode()}]}, "files"),
            ({"files": [{"file_name": "a.pdf", "content_base64": "!!!"}]}, "files.0"),
            ({"sender": None}, "sender"),
        ],
    )
    def test_register_errors(self, client, registry_clerk, change, field):
        client.force_login(registry_clerk)
        body = {
            "channel": "paper",
            "received_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
            "sender": PersonFactory().pk,
            "title": "Pismo",
        }
        body.update(change)
        response = client.post("/api/v1/documents/entries/", body, content_type="application/json")
        assert response.status_code == 400
        assert field in response.json()["errors"]
        assert IncomingEntry.objects.count() == 0

    def test_permissions(self, client, tax_clerk, nobody, registry_clerk):
        entry = _entry(registry_clerk)
        client.force_login(nobody)
        assert client.get("/api/v1/documents/entries/").status_code == 403
        assert client.get("/api/v1/documents/email-intake/").status_code == 403
        client.force_login(tax_clerk)
        assert client.get("/api/v1/documents/entries/").json()["results"] == []
        assert client.get(f"/api/v1/documents/entries/{entry.pk}/").status_code == 404
        response = client.post("/api/v1/documents/entries/", {"title": "x"}, content_type="application/json")
        assert response.status_code == 403
        client.force_login(registry_clerk)
        assert client.get("/api/v1/documents/email-intake/").status_code == 200
