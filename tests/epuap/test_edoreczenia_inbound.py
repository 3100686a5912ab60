"""Letters a person sends to the office's e-Doręczenia address: written in the simulator's mailbox UI, fetched
by the adapter over the real API (through the test transport), stored byte-exact with the proof of receipt."""

# ruff: noqa: F811 — the simulator fixtures (settings, platforms) are imported from test_dispatch and used by name.
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from epuap.edoreczenia.models import Message
from epuap.edoreczenia_inbound import edoreczenia_inbox_poll
from epuap.models import InboundAttachment, InboundDocument
from tests.epuap.test_dispatch import _settings, platforms  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

OFFICE = "AE:PL-10000-20000-MAGIS-01"
KOWALSKI = "AE:PL-51234-56789-KOWJA-11"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def write(client, *, subject="Wniosek o zaświadczenie", text="Proszę o wydanie zaświadczenia.", files=()):
    client.post(reverse("edoreczenia:sim-mailbox-choose"), {"address": KOWALSKI})
    uploads = [SimpleUploadedFile(name, data, content_type=mime) for name, mime, data in files]
    return client.post(
        reverse("edoreczenia:sim-compose"),
        {"to": OFFICE, "subject": subject, "text": text, "attachments": uploads},
    )


def test_letter_with_attachments_is_stored_byte_exact_with_the_receipt(platforms, client):
    response = write(
        client, files=[("wniosek.pdf", "application/pdf", PDF), ("skan.png", "image/png", b"\x89PNG\r\n\x1a\nIHDR")]
    )
    assert response.status_code == 302
    message = Message.objects.get(recipient__address=OFFICE)
    assert message.status == Message.Status.DELIVERED  # a public body: delivered on arrival

    result = edoreczenia_inbox_poll(client=platforms["edor"])
    assert (result.outcome, result.stored, result.quarantined) == ("ok", 1, 0)
    doc = InboundDocument.objects.get()
    assert doc.channel == InboundDocument.Channel.EDORECZENIA
    assert (doc.box_address, doc.platform_document_id) == (OFFICE, str(message.pk))
    assert bytes(doc.content) == PDF
    assert (doc.file_name, doc.mime_type, doc.sha256) == (
        "wniosek.pdf",
        "application/pdf",
        hashlib.sha256(PDF).hexdigest(),
    )
    assert doc.status == InboundDocument.Status.ACCEPTED
    assert doc.signature_verdict == InboundDocument.SignatureVerdict.NOT_CHECKED
    assert (doc.sender_identifier, doc.sender_name, doc.title) == (KOWALSKI, "Jan Kowalski", "Wniosek o zaświadczenie")
    assert doc.text_body == "Proszę o wydanie zaświadczenia."
    receipt = message.evidences.get(kind="receipt")
    assert doc.upp_reference == str(receipt.pk)
    assert doc.receipt_evidence == receipt.jws
    attachment = InboundAttachment.objects.get(document=doc)
    assert (attachment.order, attachment.file_name, bytes(attachment.content)) == (
        1,
        "skan.png",
        b"\x89PNG\r\n\x1a\nIHDR",
    )
    assert AuditEvent.objects.filter(action="epuap.inbound.stored", object_id=str(doc.pk)).count() == 1

    again = edoreczenia_inbox_poll(client=platforms["edor"])
    assert (again.outcome, again.stored, again.pending) == ("ok", 0, 0)
    assert InboundDocument.objects.count() == 1


def test_text_only_letter_becomes_a_text_document(platforms, client):
    write(client, subject="Pytanie", text="Kiedy termin płatności?")
    edoreczenia_inbox_poll(client=platforms["edor"])
    doc = InboundDocument.objects.get()
    assert (doc.file_name, bytes(doc.content)) == ("tresc.txt", "Kiedy termin płatności?".encode())
    assert doc.status == InboundDocument.Status.ACCEPTED


def test_executable_attachment_is_quarantined_with_the_reason(platforms, client):
    write(client, files=[("faktura.pdf", "application/pdf", b"MZ\x90\x00 program")])
    result = edoreczenia_inbox_poll(client=platforms["edor"])
    assert (result.stored, result.quarantined) == (1, 1)
    doc = InboundDocument.objects.get()
    assert doc.status == InboundDocument.Status.QUARANTINED
    assert doc.quarantine_codes == ["type"]
    assert "faktura.pdf" in doc.quarantine_reason


def test_xml_with_a_broken_signature_is_quarantined(platforms, client, pki):
    from epuap import xades
    from tests.epuap.test_dispatch import letter

    signed = xades.sign(letter(), pki["resident-1"])
    tampered = signed.replace(b"podatku", b"PODATKU")
    write(client, files=[("pismo.xml", "text/xml", tampered)])
    edoreczenia_inbox_poll(client=platforms["edor"])
    doc = InboundDocument.objects.get()
    assert doc.status == InboundDocument.Status.QUARANTINED
    assert doc.quarantine_codes == ["signature"]
    assert doc.signature_verdict == InboundDocument.SignatureVerdict.INVALID


def test_compose_refuses_without_subject_and_sends_nothing(platforms, client):
    response = write(client, subject="")
    assert response.status_code == 400
    assert Message.objects.count() == 0
