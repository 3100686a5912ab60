"""The office's ePUAP adapter: polling (lease, idempotent store-then-confirm, quarantine, backoff) and decisions.

The platform here is a small fake written in this file: it implements WS-Pull and WS-Skrytka ``nadaj`` over an
in-memory queue with the real envelope formats (WS-Security signed both ways), so the client is exercised
byte for byte as it would be against the simulation or the real ePUAP.
"""

import base64
import datetime
import hashlib

import pytest
from django.utils import timezone

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from epuap import pki, wssecurity, xades, xmlsafe
from epuap.client import PlatformError, ResponseSignatureInvalid
from epuap.models import InboundDocument, PollState
from epuap.services import backoff_delay, box_poll, inbound_reject, inbound_release
from epuap.transport import TransportError

BOX = "/magistrowo/skrytka"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
OBI = "http://wsdl.epuap.gov.pl/obiekty/"
CRD_1410 = "http://crd.gov.pl/wzor/2013/12/12/1410/"


# --- PKI and documents ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def test_pki(pki_session):
    """(directory, {name: Credential}) — the session's test PKI (tests/epuap/conftest.py)."""
    return pki_session.directory, pki_session


@pytest.fixture(autouse=True)
def _settings(settings, test_pki):
    settings.EPUAP_PKI_DIR = test_pki[0]
    settings.EPUAP_BOXES = [BOX]
    settings.EPUAP_PODMIOT = "magistrowo"
    settings.EPUAP_PLATFORM_CERTIFICATE = ""
    settings.EPUAP_MAX_DOCUMENT_BYTES = 200_000


def pismo(text: str = "Proszę o wydanie zaświadczenia.") -> bytes:
    """A CRD 'pismo ogólne' (default-namespace style) written for these tests."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Dokument xmlns="{CRD_1410}" xmlns:str="http://crd.gov.pl/xml/schematy/struktura/2009/11/16/" '
        'xmlns:meta="http://crd.gov.pl/xml/schematy/meta/2009/11/16/">\n'
        '  <OpisDokumentu><meta:Data typDaty="stworzony"><meta:Czas>2026-01-05</meta:Czas></meta:Data>'
        "</OpisDokumentu>\n"
        "  <DaneDokumentu><str:Naglowek><str:NazwaDokumentu>Pismo ogólne do podmiotu publicznego</str:NazwaDokumentu>"
        "</str:Naglowek></DaneDokumentu>\n"
        f"  <TrescDokumentu><Wartosc>{text}</Wartosc></TrescDokumentu>\n"
        "</Dokument>\n"
    ).encode()


def signed_pismo(test_pki, text: str = "Proszę o wydanie zaświadczenia.") -> bytes:
    return xades.sign(pismo(text), test_pki[1]["resident-1"])


# --- The fake platform ------------------------------------------------------------------------------------


class FakePlatform:
    """WS-Pull (FIFO, head until confirmed, skrot check) and WS-Skrytka nadaj, over an in-memory queue."""

    def __init__(self, creds):
        self.office = creds["office-system"]
        self.platform = creds["platform"]
        self.queue: list[dict] = []
        self.sent: list[dict] = []
        self.calls: list[str] = []
        self.fail_confirm_times = 0
        self.fault_on: dict[str, tuple[int, str]] = {}
        self.sign_with = self.platform
        self.next_id = 1000

    def put(self, content: bytes, *, reply: str = "/resident-1/domyslna", file_name: str = "pismo.xml", upp_id=""):
        self.next_id += 1
        extra = f"<DaneDodatkowe><IdentyfikatorDokumentu>{self.next_id}</IdentyfikatorDokumentu>"
        if upp_id:
            extra += f"<IdentyfikatorUpp>{upp_id}</IdentyfikatorUpp>"
        extra += "</DaneDodatkowe>"
        self.queue.append(
            {"content": content, "reply": reply, "file_name": file_name, "extra": extra.encode(), "id": self.next_id}
        )

    # SOAP helpers
    def _respond(self, payload_xml: str) -> bytes:
        env = (
            f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Header/><soapenv:Body>{payload_xml}'
            "</soapenv:Body></soapenv:Envelope>"
        ).encode()
        return wssecurity.sign_envelope(env, self.sign_with)

    @staticmethod
    def _fault(kod: int, komunikat: str) -> bytes:
        return (
            f'<soap:Envelope xmlns:soap="{SOAP}"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode>'
            f'<faultstring>{komunikat}</faultstring><detail><obi:Wyjatek xmlns:obi="{OBI}"><kod>{kod}</kod>'
            f"<komunikat>{komunikat}</komunikat></obi:Wyjatek></detail></soap:Fault></soap:Body></soap:Envelope>"
        ).encode()

    def __call__(self, url: str, body: bytes, soap_action: str) -> bytes:
        op = soap_action.rsplit("/", 1)[-1]
        self.calls.append(op)
        wssecurity.verify_envelope(body, trusted=[self.office.certificate])  # the request must be signed
        if op in self.fault_on:
            return self._fault(*self.fault_on[op])
        root = xmlsafe.parse(body)
        payload = root.find(f"{{{SOAP}}}Body")[0]
        if op == "nadaj":
            header = root.find(f"{{{SOAP}}}Header")
            self.sent.append(
                {
                    "to": header.findtext(f"{{{OBI}}}AdresSkrytki"),
                    "reply": header.findtext(f"{{{OBI}}}AdresOdpowiedzi"),
                    "content": base64.b64decode(payload.findtext("zawartosc")),
                }
            )
            return self._respond(
                f'<obi:OdpowiedzSkrytki xmlns:obi="{OBI}"><status><kod>1</kod><komunikat>OK</komunikat></status>'
                f"<identyfikatorDokumentu>S-{len(self.sent)}</identyfikatorDokumentu>"
                "<identyfikatorUpp>UPP-9</identyfikatorUpp></obi:OdpowiedzSkrytki>"
            )
        assert payload.findtext("adresSkrytki") == BOX
        assert payload.findtext("podmiot") == "magistrowo"
        assert payload.findtext("nazwaSkrytki") == "skrytka"
        status_ok = "<status><kod>1</kod><komunikat>OK</komunikat></status>"
        if op == "oczekujaceDokumenty":
            return self._respond(
                f'<p:OdpowiedzPullOczekujace xmlns:p="{OBI}">{status_ok}'
                f"<oczekujace>{len(self.queue)}</oczekujace></p:OdpowiedzPullOczekujace>"
            )
        if op == "pobierzNastepny":
            if not self.queue:
                return self._respond(
                    f'<p:OdpowiedzPullPobierz xmlns:p="{OBI}"><status><kod>0</kod>'
                    "<komunikat>Brak dokumentow</komunikat></status></p:OdpowiedzPullPobierz>"
                )
            head = self.queue[0]
            return self._respond(
                f'<p:OdpowiedzPullPobierz xmlns:p="{OBI}">{status_ok}'
                "<danePodmiotu><identyfikator>resident-1</identyfikator><typOsoby>F</typOsoby>"
                "<imieSkrot>Jan</imieSkrot><nazwiskoNazwa>Testowy</nazwiskoNazwa><nip></nip>"
                "<pesel>90010112349</pesel><regon></regon><zgoda>true</zgoda></danePodmiotu>"
                "<daneNadawcy><uzytkownik>resident-1</uzytkownik><system></system></daneNadawcy>"
                "<dataNadania>2026-01-05T09:13:07.000+01:00</dataNadania>"
                f"<nazwaSkrytki>skrytka</nazwaSkrytki><adresSkrytki>{BOX}</adresSkrytki>"
                f"<adresOdpowiedzi>{head['reply']}</adresOdpowiedzi><czyTestowe>false</czyTestowe>"
                f"<daneDodatkowe>{base64.b64encode(head['extra']).decode()}</daneDodatkowe>"
                f"<dokument><nazwaPliku>{head['file_name']}</nazwaPliku><typPliku>text/xml</typPliku>"
                f"<zawartosc>{base64.b64encode(head['content']).decode()}</zawartosc></dokument>"
                "</p:OdpowiedzPullPobierz>"
            )
        if op == "potwierdzOdebranie":
            if self.fail_confirm_times:
                self.fail_confirm_times -= 1
                raise TransportError("connection reset: the confirmation never reached the platform")
            skrot = payload.findtext("skrot")
            if not self.queue:
                return self._fault(3, "Brak dokumentu do potwierdzenia")
            expected = base64.b64encode(hashlib.sha1(self.queue[0]["content"]).digest()).decode()  # noqa: S324
            if skrot != expected:
                return self._fault(4, "Niezgodny skrot")
            self.queue.pop(0)
            return self._respond(f'<p:OdpowiedzPullPotwierdz xmlns:p="{OBI}">{status_ok}</p:OdpowiedzPullPotwierdz>')
        raise AssertionError(op)


@pytest.fixture
def platform(test_pki):
    return FakePlatform(test_pki[1])


def _actions():
    return list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))


# --- Polling ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_signed_document_is_stored_byte_exact_then_confirmed(platform, test_pki):
    content = signed_pismo(test_pki)
    platform.put(content, upp_id="UPP-77")

    result = box_poll(box_address=BOX, transport=platform)

    assert (result.outcome, result.pending, result.stored, result.quarantined, result.confirmed) == ("ok", 1, 1, 0, 1)
    assert platform.queue == []
    assert platform.calls == ["oczekujaceDokumenty", "pobierzNastepny", "potwierdzOdebranie"]
    doc = InboundDocument.objects.get()
    assert bytes(doc.content) == content
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.skrot == base64.b64encode(hashlib.sha1(content).digest()).decode()  # noqa: S324
    assert doc.platform_document_id == "1001"
    assert doc.upp_reference == "UPP-77"
    assert doc.status == InboundDocument.Status.ACCEPTED
    assert doc.signature_verdict == InboundDocument.SignatureVerdict.VALID
    assert "resident-1" in doc.signer_subject or doc.signer_subject
    assert doc.validation_verdict == InboundDocument.ValidationVerdict.VALID
    assert doc.form_namespace == CRD_1410
    assert doc.form_code
    assert (doc.sender_identifier, doc.sender_first_name, doc.sender_name, doc.sender_pesel) == (
        "resident-1",
        "Jan",
        "Testowy",
        "90010112349",
    )
    assert doc.reply_address == "/resident-1/domyslna"
    assert doc.submitted_at == datetime.datetime(2026, 1, 5, 8, 13, 7, tzinfo=datetime.UTC)
    assert doc.confirmed_at is not None
    assert _actions() == ["epuap.inbound.stored"]
    state = PollState.objects.get(box_address=BOX)
    assert (state.locked_until, state.locked_by, state.consecutive_failures, state.queue_depth) == (None, "", 0, 0)
    assert state.last_success_at is not None
    assert state.documents_received == 1


@pytest.mark.django_db
def test_unsigned_tampered_and_bomb_are_quarantined_and_confirmed(platform, test_pki):
    tampered = signed_pismo(test_pki).replace("zaświadczenia".encode(), b"zezwolenia")
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<Dokument>&lol2;</Dokument>"
    )
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>'
    for content in (pismo(), tampered, bomb, xxe, b"<Dokument><niedomkniety></Dokument>"):
        platform.put(content)

    result = box_poll(box_address=BOX, transport=platform)

    assert (result.outcome, result.stored, result.quarantined, result.confirmed) == ("ok", 5, 5, 5)
    assert platform.queue == []  # all confirmed: not fetched forever
    docs = list(InboundDocument.objects.order_by("id"))
    assert [d.status for d in docs] == [InboundDocument.Status.QUARANTINED] * 5
    assert [d.quarantine_codes for d in docs] == [["unsigned"], ["signature"], ["xml"], ["xml"], ["xml"]]
    assert [d.signature_verdict for d in docs] == ["unsigned", "invalid", "not_checked", "not_checked", "not_checked"]
    assert all(d.quarantine_reason for d in docs)
    assert "digest" in docs[1].signature_reason
    assert [bytes(d.content) for d in docs][:4] == [pismo(), tampered, bomb, xxe]  # nothing dropped
    assert _actions() == ["epuap.inbound.quarantined"] * 5


@pytest.mark.django_db
def test_oversize_document_is_quarantined_and_confirmed(platform, test_pki, settings, monkeypatch):
    oversize = signed_pismo(test_pki, "x" * 25_000)
    settings.EPUAP_MAX_DOCUMENT_BYTES = 20_000
    # The SOAP envelope carrying a document is bigger than the document (base64): envelopes are parsed with a
    # larger bound than documents (the size verdict is the adapter's, on the decoded bytes).
    monkeypatch.setattr(wssecurity, "safe_parse", lambda data, max_bytes=None: xmlsafe.parse(data, max_bytes=10**7))
    platform.put(oversize)

    result = box_poll(box_address=BOX, transport=platform)

    assert (result.outcome, result.stored, result.quarantined, result.confirmed) == ("ok", 1, 1, 1)
    doc = InboundDocument.objects.get()
    assert (doc.status, doc.quarantine_codes, doc.size) == ("quarantined", ["size"], len(oversize))
    assert bytes(doc.content) == oversize
    assert "20000" in doc.quarantine_reason


@pytest.mark.django_db
def test_unknown_form_namespace_is_quarantined(platform, test_pki):
    content = xades.sign(
        b'<?xml version="1.0"?><Dokument xmlns="http://example.org/nieznany/"><A>1</A></Dokument>',
        test_pki[1]["resident-1"],
    )
    platform.put(content)

    box_poll(box_address=BOX, transport=platform)

    doc = InboundDocument.objects.get()
    assert doc.status == InboundDocument.Status.QUARANTINED
    assert doc.signature_verdict == InboundDocument.SignatureVerdict.VALID
    assert doc.quarantine_codes == ["form"]
    assert platform.queue == []


@pytest.mark.django_db
def test_crash_between_store_and_confirm_stores_exactly_one_document(platform, test_pki):
    content = signed_pismo(test_pki)
    platform.put(content)
    platform.fail_confirm_times = 1
    t0 = timezone.now()

    first = box_poll(box_address=BOX, transport=platform, now=t0)

    assert (first.outcome, first.stored, first.confirmed) == ("error", 1, 0)
    assert len(platform.queue) == 1
    assert InboundDocument.objects.get().confirmed_at is None
    state = PollState.objects.get(box_address=BOX)
    assert state.consecutive_failures == 1
    assert state.locked_by == ""

    second = box_poll(box_address=BOX, transport=platform, now=state.next_attempt_at)

    assert (second.outcome, second.stored, second.duplicates, second.confirmed) == ("ok", 0, 1, 1)
    assert platform.queue == []
    doc = InboundDocument.objects.get()
    assert bytes(doc.content) == content
    assert doc.confirmed_at is not None
    assert _actions() == ["epuap.inbound.stored"]
    assert PollState.objects.get(box_address=BOX).consecutive_failures == 0


@pytest.mark.django_db
def test_second_worker_gets_busy_while_the_lease_is_held(platform, test_pki):
    platform.put(signed_pismo(test_pki))
    now = timezone.now()
    PollState.objects.create(box_address=BOX, locked_by="worker-a", locked_until=now + datetime.timedelta(minutes=5))

    result = box_poll(box_address=BOX, transport=platform, now=now)

    assert result.outcome == "busy"
    assert platform.calls == []
    assert InboundDocument.objects.count() == 0
    assert PollState.objects.get(box_address=BOX).locked_by == "worker-a"

    # An expired lease (the worker died) is taken over.
    later = box_poll(box_address=BOX, transport=platform, now=now + datetime.timedelta(minutes=6))
    assert (later.outcome, later.stored) == ("ok", 1)


@pytest.mark.django_db
def test_lease_is_taken_by_one_conditional_update(platform, test_pki):
    """Two workers racing: the one whose UPDATE matched holds the box, the other sees it busy."""
    from epuap.services import _lease_take

    now = timezone.now()
    assert _lease_take(BOX, now, "a") == "ok"
    assert _lease_take(BOX, now, "b") == "busy"
    assert PollState.objects.get(box_address=BOX).locked_by == "a"


@pytest.mark.django_db
def test_platform_fault_records_backoff_and_stores_nothing(platform, test_pki):
    platform.put(signed_pismo(test_pki))
    platform.fault_on["pobierzNastepny"] = (2, "Awaria systemu")
    now = timezone.now()

    result = box_poll(box_address=BOX, transport=platform, now=now)

    assert result.outcome == "error"
    assert "Awaria systemu" in result.error
    assert InboundDocument.objects.count() == 0
    state = PollState.objects.get(box_address=BOX)
    assert state.consecutive_failures == 1
    assert "Awaria systemu" in state.last_error
    assert now + datetime.timedelta(seconds=15) <= state.next_attempt_at <= now + datetime.timedelta(seconds=30)
    assert state.locked_until is None

    # Before the backoff ends nobody calls the platform.
    calls = len(platform.calls)
    assert box_poll(box_address=BOX, transport=platform, now=now + datetime.timedelta(seconds=5)).outcome == "backoff"
    assert len(platform.calls) == calls

    # The second failure doubles the ceiling.
    again = box_poll(box_address=BOX, transport=platform, now=state.next_attempt_at)
    assert again.outcome == "error"
    state2 = PollState.objects.get(box_address=BOX)
    assert state2.consecutive_failures == 2
    delay = (state2.next_attempt_at - state.next_attempt_at).total_seconds()
    assert 30 <= delay <= 60


def test_backoff_is_capped_exponential_with_jitter(settings):
    settings.EPUAP_BACKOFF_BASE_SECONDS = 30
    settings.EPUAP_BACKOFF_MAX_SECONDS = 1800
    delays = [backoff_delay(n) for n in range(1, 12)]
    for n, d in enumerate(delays, start=1):
        ceiling = min(1800, 30 * 2 ** (n - 1))
        assert ceiling / 2 <= d <= ceiling
    assert len({backoff_delay(5) for _ in range(20)}) > 1  # jittered


@pytest.mark.django_db
def test_response_not_signed_by_the_platform_is_refused(platform, test_pki):
    platform.put(signed_pismo(test_pki))
    platform.sign_with = test_pki[1]["resident-1"]

    result = box_poll(box_address=BOX, transport=platform)

    assert result.outcome == "error"
    assert InboundDocument.objects.count() == 0
    assert PollState.objects.get(box_address=BOX).consecutive_failures == 1


@pytest.mark.django_db
def test_client_raises_typed_errors(platform, test_pki):
    from epuap.client import Box, EpuapClient, PlatformFault

    client = EpuapClient(transport=platform)
    platform.fault_on["oczekujaceDokumenty"] = (7, "Brak uprawnien")
    with pytest.raises(PlatformFault) as exc:
        client.pull_pending(Box.from_address(BOX))
    assert (exc.value.kod, exc.value.komunikat) == (7, "Brak uprawnien")
    platform.fault_on.clear()
    platform.sign_with = test_pki[1]["resident-1"]
    with pytest.raises(ResponseSignatureInvalid):
        client.pull_pending(Box.from_address(BOX))
    assert issubclass(ResponseSignatureInvalid, PlatformError)


@pytest.mark.django_db
def test_poll_boxes_task_polls_every_configured_box(platform, test_pki, monkeypatch):
    from epuap import tasks

    platform.put(signed_pismo(test_pki))
    monkeypatch.setattr("epuap.transport.default_transport", lambda: platform)
    monkeypatch.setattr("epuap.client.default_transport", lambda: platform)

    summary = tasks.poll_boxes.apply().get()
    assert summary == {BOX: "ok"}
    summary = tasks.poll_boxes.apply().get()  # safe to run twice
    assert summary == {BOX: "ok"}
    assert InboundDocument.objects.count() == 1


# --- Quarantine decisions ---------------------------------------------------------------------------------


def _quarantined(platform, *, reply="/resident-1/domyslna") -> InboundDocument:
    platform.put(pismo(), reply=reply)
    box_poll(box_address=BOX, transport=platform)
    return InboundDocument.objects.get(status=InboundDocument.Status.QUARANTINED)


@pytest.mark.django_db
def test_release_accepts_with_a_note_and_audit(platform, make_user):
    clerk = make_user(roles.REGISTRY_CLERK)
    doc = _quarantined(platform)

    released = inbound_release(actor=clerk, document=doc, note="Podpis złożony osobiście w urzędzie.")

    doc.refresh_from_db()
    assert doc.status == InboundDocument.Status.RELEASED == released.status
    assert (doc.decision_note, doc.decided_by) == ("Podpis złożony osobiście w urzędzie.", clerk)
    assert doc.decided_at is not None
    assert _actions()[-1] == "epuap.inbound.released"
    with pytest.raises(ApplicationError):
        inbound_release(actor=clerk, document=doc, note="again")


@pytest.mark.django_db
def test_release_needs_a_note_and_changes_nothing_without(platform, make_user):
    clerk = make_user(roles.REGISTRY_CLERK)
    doc = _quarantined(platform)
    events = AuditEvent.objects.count()

    with pytest.raises(ServiceValidationError):
        inbound_release(actor=clerk, document=doc, note="  ")

    doc.refresh_from_db()
    assert doc.status == InboundDocument.Status.QUARANTINED
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_reject_sends_the_sender_a_notice_through_epuap(platform, make_user):
    clerk = make_user(roles.REGISTRY_CLERK)
    doc = _quarantined(platform)

    inbound_reject(actor=clerk, document=doc, reason="Dokument nie został podpisany.", transport=platform)

    doc.refresh_from_db()
    assert doc.status == InboundDocument.Status.REJECTED
    assert doc.decision_note == "Dokument nie został podpisany."
    assert (doc.notice_channel, doc.notice_reference, doc.notice_upp_reference) == ("epuap", "S-1", "UPP-9")
    assert doc.notice_sent_at is not None
    assert len(platform.sent) == 1
    sent = platform.sent[0]
    assert (sent["to"], sent["reply"]) == ("/resident-1/domyslna", BOX)
    assert "Dokument nie został podpisany.".encode() in sent["content"]
    xades.verify(sent["content"], ca=pki.ca_certificate(None))  # the office signed its notice
    assert _actions()[-2:] == ["epuap.inbound.rejected", "epuap.inbound.rejection_notice"]
    assert InboundDocument.objects.filter(pk=doc.pk).exists()  # nothing deleted


@pytest.mark.django_db
def test_reject_without_reply_box_records_that_a_paper_letter_is_needed(platform, make_user):
    clerk = make_user(roles.REGISTRY_CLERK)
    doc = _quarantined(platform, reply="")

    inbound_reject(actor=clerk, document=doc, reason="Brak podpisu.", transport=platform)

    doc.refresh_from_db()
    assert (doc.status, doc.notice_channel) == (InboundDocument.Status.REJECTED, "paper")
    assert platform.sent == []


@pytest.mark.django_db
def test_reject_when_the_platform_fails_falls_back_to_paper(platform, make_user):
    clerk = make_user(roles.REGISTRY_CLERK)
    doc = _quarantined(platform)
    platform.fault_on["nadaj"] = (5, "Skrytka nie istnieje")

    inbound_reject(actor=clerk, document=doc, reason="Brak podpisu.", transport=platform)

    doc.refresh_from_db()
    assert (doc.status, doc.notice_channel) == (InboundDocument.Status.REJECTED, "paper")
    assert "Skrytka nie istnieje" in doc.notice_error


# --- Against the built-in simulated platform, over HTTP (the Django test client) ---------------------------


class DjangoClientTransport:
    """Routes the SOAP calls to the simulated platform's endpoints through the Django test client."""

    def __init__(self, client, *, fail_confirm_times: int = 0):
        self.client = client
        self.fail_confirm_times = fail_confirm_times
        self.calls: list[str] = []

    def __call__(self, url: str, body: bytes, soap_action: str) -> bytes:
        op = soap_action.rsplit("/", 1)[-1]
        self.calls.append(op)
        if op == "potwierdzOdebranie" and self.fail_confirm_times:
            self.fail_confirm_times -= 1
            raise TransportError("worker killed before potwierdzOdebranie")
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        response = self.client.post(
            "/" + path, data=body, content_type="text/xml; charset=utf-8", HTTP_SOAPACTION=f'"{soap_action}"'
        )
        return response.content


@pytest.fixture
def simulated(db, client, test_pki):
    from django.core.management import call_command

    call_command("epuap_platform_setup", residents=1, stdout=__import__("io").StringIO())
    return DjangoClientTransport(client)


def _resident_sends(transport, test_pki, content: bytes):
    from epuap.client import EpuapClient

    resident = EpuapClient(transport=transport, credential=test_pki[1]["resident-1"], podmiot="resident-1")
    return resident.send(
        recipient_address=BOX, reply_address="/resident-1/domyslna", content=content, file_name="pismo.xml"
    )


@pytest.mark.django_db
def test_round_trip_resident_platform_poll_stored_with_upp(simulated, test_pki):
    content = signed_pismo(test_pki)
    sent = _resident_sends(simulated, test_pki, content)
    assert sent.upp_id
    assert sent.upp

    result = box_poll(box_address=BOX, transport=simulated)

    assert (result.outcome, result.pending, result.stored, result.confirmed) == ("ok", 1, 1, 1)
    doc = InboundDocument.objects.get()
    assert bytes(doc.content) == content
    assert doc.status == InboundDocument.Status.ACCEPTED
    assert (doc.platform_document_id, doc.upp_reference) == (sent.document_id, sent.upp_id)
    assert doc.sender_identifier == "resident-1"
    assert doc.reply_address == "/resident-1/domyslna"
    again = box_poll(box_address=BOX, transport=simulated)
    assert (again.outcome, again.pending, again.stored) == ("ok", 0, 0)


@pytest.mark.django_db
def test_simulated_crash_between_store_and_confirm_leaves_exactly_one_document(simulated, test_pki):
    _resident_sends(simulated, test_pki, signed_pismo(test_pki))
    simulated.fail_confirm_times = 1

    first = box_poll(box_address=BOX, transport=simulated)
    assert (first.outcome, first.stored, first.confirmed) == ("error", 1, 0)
    state = PollState.objects.get(box_address=BOX)

    second = box_poll(box_address=BOX, transport=simulated, now=state.next_attempt_at)

    assert (second.outcome, second.pending, second.stored, second.duplicates, second.confirmed) == ("ok", 1, 0, 1, 1)
    assert InboundDocument.objects.count() == 1
    assert box_poll(box_address=BOX, transport=simulated).pending == 0


@pytest.mark.django_db
def test_simulated_rejection_notice_reaches_the_residents_box(simulated, test_pki, make_user):
    from epuap.client import Box, EpuapClient

    _resident_sends(simulated, test_pki, pismo())  # unsigned → quarantine
    box_poll(box_address=BOX, transport=simulated)
    doc = InboundDocument.objects.get(status=InboundDocument.Status.QUARANTINED)

    inbound_reject(actor=make_user(roles.REGISTRY_CLERK), document=doc, reason="Brak podpisu.", transport=simulated)

    doc.refresh_from_db()
    assert doc.notice_channel == "epuap"
    assert doc.notice_reference
    resident = EpuapClient(transport=simulated, credential=test_pki[1]["resident-1"], podmiot="resident-1")
    notice = resident.pull_next(Box.from_address("/resident-1/domyslna"))
    assert notice is not None
    assert b"Brak podpisu." in notice.content
    xades.verify(notice.content, ca=test_pki[1].ca)


# --- Back office ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_back_office_pages_for_the_registry_clerk(client, platform, test_pki, make_user):
    from django.urls import reverse

    platform.put(signed_pismo(test_pki))
    platform.put(pismo("Bez podpisu"))
    box_poll(box_address=BOX, transport=platform)
    good = InboundDocument.objects.get(status="accepted")
    bad = InboundDocument.objects.get(status="quarantined")
    client.force_login(make_user(roles.REGISTRY_CLERK))

    listing = client.get(reverse("epuap:inbound-list"))
    assert listing.status_code == 200
    assert listing.context["page"].paginator.count == 2
    quarantine = client.get(reverse("epuap:quarantine"))
    assert [d.pk for d in quarantine.context["page"].object_list] == [bad.pk]
    status = client.get(reverse("epuap:status"))
    assert status.status_code == 200
    assert BOX.encode() in status.content
    detail = client.get(reverse("epuap:inbound-detail", args=[good.pk]))
    assert detail.status_code == 200
    assert detail.context["rendered"].ok
    assert "Proszę o wydanie zaświadczenia." in detail.content.decode()
    assert _actions()[-1] == "epuap.inbound.accessed"
    original = client.get(reverse("epuap:inbound-download", args=[good.pk]))
    assert original.content == bytes(good.content)
    assert original["Content-Type"] == "application/octet-stream"

    refused = client.post(reverse("epuap:inbound-release", args=[bad.pk]), {"note": ""})
    assert refused.status_code == 422
    bad.refresh_from_db()
    assert bad.status == "quarantined"

    done = client.post(reverse("epuap:inbound-release", args=[bad.pk]), {"note": "Sprawdzone telefonicznie."})
    assert done.status_code == 302
    bad.refresh_from_db()
    assert (bad.status, bad.decision_note) == ("released", "Sprawdzone telefonicznie.")


@pytest.mark.django_db
def test_reject_through_the_back_office(client, platform, make_user, monkeypatch):
    from django.urls import reverse

    doc = _quarantined(platform)
    monkeypatch.setattr("epuap.client.default_transport", lambda: platform)
    client.force_login(make_user(roles.REGISTRY_CLERK))

    response = client.post(reverse("epuap:inbound-reject", args=[doc.pk]), {"reason": "Brak podpisu."})

    assert response.status_code == 302
    doc.refresh_from_db()
    assert (doc.status, doc.notice_channel) == ("rejected", "epuap")
    assert len(platform.sent) == 1


@pytest.mark.django_db
def test_back_office_refuses_other_roles(client, platform, make_user):
    from django.urls import reverse

    doc = _quarantined(platform)
    client.force_login(make_user(roles.TAX_CLERK))
    for name, args in (("epuap:inbound-list", []), ("epuap:inbound-detail", [doc.pk]), ("epuap:status", [])):
        assert client.get(reverse(name, args=args)).status_code == 403
    assert client.post(reverse("epuap:inbound-reject", args=[doc.pk]), {"reason": "x"}).status_code == 403
    doc.refresh_from_db()
    assert doc.status == "quarantined"


@pytest.mark.django_db(transaction=True)
def test_concurrent_lease_attempts_from_two_threads():
    """Two workers at the same moment (separate connections): exactly one takes the box (PostgreSQL)."""
    import threading

    from django.db import connection

    from epuap.services import _lease_take

    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent connections")
    PollState.objects.create(box_address=BOX)
    now = timezone.now()
    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker(name: str) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results.append(_lease_take(BOX, now, name))
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["busy", "ok"]
