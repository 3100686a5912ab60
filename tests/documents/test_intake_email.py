"""E-mail intake against a real IMAP server (tests/documents/imap_server.py on 127.0.0.1, random port)."""

import io
import zipfile
from email.message import EmailMessage

import pytest

from core.exceptions import ApplicationError
from core.models import AuditEvent, Party
from documents.models import Channel, EmailIntake, IncomingEntry, MailboxState, StoredFile
from documents.services.email_intake import (
    email_intake_refuse,
    email_intake_release,
    mailbox_poll,
    parse_url,
)
from tests.documents.imap_server import ImapServer

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _message(subject="Wniosek", sender="Jan Kowalski <jan@example.pl>", attachments=(), headers=None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "urzad@magistrowo.pl"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash((subject, sender)))}@example.pl>"
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content("Dzień dobry,\nw załączeniu wniosek.\n")
    for name, data, maintype, subtype in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def _docm() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
        z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return buf.getvalue()


@pytest.fixture
def imap():
    with ImapServer(uidvalidity=77) as server:
        yield server


@pytest.mark.django_db(transaction=True)
class TestPoll:
    def test_clean_message_registered_with_attachments(self, imap):
        raw = _message(attachments=[("wniosek.pdf", PDF, "application", "pdf")])
        imap.add_message(raw)
        summary = mailbox_poll(url=imap.url())
        assert summary["fetched"] == 1
        assert summary["registered"] == 1
        intake = EmailIntake.objects.get()
        assert (intake.uidvalidity, intake.uid, intake.status) == (77, 1, EmailIntake.Status.REGISTERED)
        assert bytes(intake.raw) == raw
        entry = intake.entry
        assert entry.channel == Channel.EMAIL
        assert entry.title == "Wniosek"
        assert entry.sender.email == "jan@example.pl"
        assert (entry.sender.first_names, entry.sender.surname) == ("Jan", "Kowalski")
        assert entry.sender.status == Party.Status.PENDING_REVIEW
        original = entry.files.get(role=StoredFile.Role.ORIGINAL)
        assert bytes(original.content) == raw
        assert original.mime_type == "message/rfc822"
        assert "w załączeniu wniosek" in original.extracted_text
        attachment = entry.files.get(role=StoredFile.Role.ATTACHMENT)
        assert (attachment.file_name, bytes(attachment.content), attachment.mime_type) == (
            "wniosek.pdf",
            PDF,
            "application/pdf",
        )
        state = MailboxState.objects.get()
        assert (state.uidvalidity, state.last_uid, state.locked_until, state.last_error) == (77, 1, None, "")
        # polling again fetches nothing new and registers nothing twice
        assert mailbox_poll(url=imap.url())["fetched"] == 0
        assert IncomingEntry.objects.count() == 1

    def test_known_sender_matched_by_email(self, imap):
        from tests.factories import PersonFactory

        party = PersonFactory(email="anna@example.pl")
        imap.add_message(_message(sender="Anna <anna@example.pl>"))
        mailbox_poll(url=imap.url())
        assert EmailIntake.objects.get().entry.sender == party

    def test_macro_document_quarantined_then_released(self, imap, registry_clerk):
        imap.add_message(
            _message(subject="Faktura", attachments=[("faktura.docx", _docm(), "application", "octet-stream")])
        )
        summary = mailbox_poll(url=imap.url())
        assert summary["quarantined"] == 1
        intake = EmailIntake.objects.get()
        assert intake.status == EmailIntake.Status.QUARANTINED
        assert [r["code"] for r in intake.reasons] == ["macro"]
        assert intake.entry is None
        assert IncomingEntry.objects.count() == 0
        released = email_intake_release(actor=registry_clerk, intake_id=intake.pk, note="sprawdzone")
        assert released.status == EmailIntake.Status.RELEASED
        assert released.decided_by == registry_clerk
        assert released.entry.rpw_number.startswith("RPW/1/")
        assert released.entry.files.filter(role=StoredFile.Role.ATTACHMENT).count() == 1
        event = AuditEvent.objects.get(action="documents.email.released")
        assert event.details["note"] == "sprawdzone"
        # a second decision is refused and changes nothing
        with pytest.raises(ApplicationError) as exc:
            email_intake_refuse(actor=registry_clerk, intake_id=intake.pk)
        assert exc.value.code == "invalid_transition"
        assert IncomingEntry.objects.count() == 1

    @pytest.mark.parametrize(
        ("headers", "attachments", "codes"),
        [
            ({"X-Spam-Flag": "YES"}, [], ["spam"]),
            ({"X-Spam-Status": "Yes, score=9.1 required=5.0"}, [], ["spam"]),
            ({}, [("faktura.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application", "pdf")], ["executable"]),
        ],
    )
    def test_quarantine_reasons(self, imap, registry_clerk, headers, attachments, codes):
        imap.add_message(_message(headers=headers, attachments=attachments))
        mailbox_poll(url=imap.url())
        intake = EmailIntake.objects.get()
        assert intake.status == EmailIntake.Status.QUARANTINED
        assert [r["code"] for r in intake.reasons] == codes
        assert all(r["message"] for r in intake.reasons)
        refused = email_intake_refuse(actor=registry_clerk, intake_id=intake.pk)
        assert refused.status == EmailIntake.Status.REFUSED
        assert IncomingEntry.objects.count() == 0

    def test_oversized_message_refused_without_download(self, imap, settings):
        settings.DOCUMENTS_EMAIL_MAX_BYTES = 2000
        imap.add_message(_message(attachments=[("skan.pdf", PDF + b"0" * 5000, "application", "pdf")]))
        imap.add_message(_message(subject="Krótki"))
        summary = mailbox_poll(url=imap.url())
        assert (summary["refused"], summary["registered"]) == (1, 1)
        big = EmailIntake.objects.get(uid=1)
        assert big.status == EmailIntake.Status.REFUSED
        assert [r["code"] for r in big.reasons] == ["too_large"]
        assert bytes(big.raw) == b""
        assert big.size > 5000
        assert not any("FETCH 1 (RFC822)" in line for line in imap.log)
        assert EmailIntake.objects.get(uid=2).entry.title == "Krótki"

    def test_wrong_password_recorded_nothing_stored(self, imap):
        imap.add_message(_message())
        summary = mailbox_poll(url=imap.url(password="zle"))
        assert "error" in summary
        assert EmailIntake.objects.count() == 0
        state = MailboxState.objects.get()
        assert state.last_error
        assert state.locked_until is None
        assert state.last_uid == 0

    def test_lease_blocks_a_second_poll(self, imap):
        from django.utils import timezone

        imap.add_message(_message())
        key = parse_url(imap.url()).key
        MailboxState.objects.create(mailbox=key, locked_until=timezone.now() + timezone.timedelta(minutes=5))
        assert mailbox_poll(url=imap.url()) == {"skipped": "locked"}
        assert EmailIntake.objects.count() == 0

    def test_new_uidvalidity_reads_again(self, imap):
        imap.add_message(_message())
        mailbox_poll(url=imap.url())
        imap.reset_uidvalidity(78)
        imap.add_message(_message(subject="Drugi"))
        summary = mailbox_poll(url=imap.url())
        assert summary["fetched"] == 2
        assert MailboxState.objects.get().uidvalidity == 78
        # the first message again (same Message-ID): registered, without the duplicate external id
        assert IncomingEntry.objects.filter(channel=Channel.EMAIL).count() == 3

    def test_disabled_without_url(self, settings):
        settings.DOCUMENTS_IMAP_URL = ""
        assert mailbox_poll() == {"skipped": "disabled"}
