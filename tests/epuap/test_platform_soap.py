"""The simulated ePUAP platform over SOAP: WS-Pull, WS-Skrytka, WS-Doręczyciel with real WS-Security signatures."""

import base64
import datetime
import hashlib

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from epuap import wssecurity, xades, xmlsafe
from epuap.platform import services
from epuap.platform.models import Box, DeliveryOrder, Podmiot, QueuedDocument, Upp

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
OBI = "http://wsdl.epuap.gov.pl/obiekty/"
PULL = "/sim/epuap/pk_external_ws/services/pull"
SKRYTKA = "/sim/epuap/pk_external_ws/services/skrytka"
DORECZYCIEL = "/sim/epuap/pk_external_ws/services/doreczyciel"
OFFICE = "magistrowo"
OFFICE_BOX = "/magistrowo/skrytka"
RESIDENT_BOX = "/resident-1/domyslna"


@pytest.fixture
def platform(db, settings, pki):
    """The office (magistrowo, box /magistrowo/skrytka in UPP mode) and resident-1..3, set up as by the command.

    ``pki`` (tests/epuap/conftest.py) points settings.EPUAP_PKI_DIR at the session's test PKI."""
    settings.EPUAP_PODMIOT = OFFICE
    settings.EPUAP_BOXES = [OFFICE_BOX]
    settings.EPUAP_OFFICE_CREDENTIAL = "office-system"
    return services.platform_setup(residents=3)


# ---------------------------------------------------------------- helpers


def envelope(payload: str, headers: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP}" xmlns:obi="{OBI}">'
        f"<soap:Header>{headers}</soap:Header><soap:Body>{payload}</soap:Body></soap:Envelope>"
    ).encode()


def pull_request(op: str, *, podmiot=OFFICE, box="skrytka", address=OFFICE_BOX, skrot=None) -> bytes:
    extra = f"<skrot>{skrot}</skrot>" if skrot is not None else ""
    return envelope(
        f"<obi:{op}><podmiot>{podmiot}</podmiot><nazwaSkrytki>{box}</nazwaSkrytki>"
        f"<adresSkrytki>{address}</adresSkrytki>{extra}</obi:{op}>"
    )


def dokument(content: bytes, name="pismo.xml", mime="text/xml") -> str:
    b64 = base64.b64encode(content).decode()
    return (
        f"<obi:Dokument><nazwaPliku>{name}</nazwaPliku><typPliku>{mime}</typPliku>"
        f"<zawartosc>{b64}</zawartosc></obi:Dokument>"
    )


def nadaj_request(content: bytes, *, podmiot="resident-1", to=OFFICE_BOX, reply=RESIDENT_BOX, trial=False) -> bytes:
    headers = (
        f"<obi:IdentyfikatorPodmiotu>{podmiot}</obi:IdentyfikatorPodmiotu>"
        f"<obi:AdresSkrytki>{to}</obi:AdresSkrytki><obi:AdresOdpowiedzi>{reply}</obi:AdresOdpowiedzi>"
        f"<obi:CzyProbne>{'true' if trial else 'false'}</obi:CzyProbne><obi:DaneDodatkowe></obi:DaneDodatkowe>"
    )
    return envelope(dokument(content), headers)


def dorecz_request(content: bytes, *, to=RESIDENT_BOX, reply=OFFICE_BOX) -> bytes:
    headers = (
        f"<obi:IdentyfikatorPodmiotu>{OFFICE}</obi:IdentyfikatorPodmiotu>"
        f"<obi:AdresSkrytki>{to}</obi:AdresSkrytki><obi:AdresOdpowiedzi>{reply}</obi:AdresOdpowiedzi>"
        "<obi:TerminDoreczenia>2030-01-01T00:00:00</obi:TerminDoreczenia><obi:CzyProbne>false</obi:CzyProbne>"
        "<obi:IdentyfikatorDokumentu>FN.3120.1.2026/decyzja/1</obi:IdentyfikatorDokumentu>"
        "<obi:IdentyfikatorSprawy>FN.3120.1.2026</obi:IdentyfikatorSprawy><obi:DaneDodatkowe></obi:DaneDodatkowe>"
    )
    return envelope(dokument(content, name="decyzja.xml"), headers)


def call(client, url, env: bytes, credential=None, *, pki=None):
    data = wssecurity.sign_envelope(env, credential) if credential is not None else env
    response = client.post(url, data=data, content_type="text/xml; charset=utf-8")
    assert response["Content-Type"].startswith("text/xml")
    if pki is not None:  # every answer, fault or not, is signed by the platform
        signer = wssecurity.verify_envelope(response.content, trusted=[pki["platform"].certificate])
        assert signer.subject == pki["platform"].certificate.subject
    root = xmlsafe.parse(response.content)
    payload = root.find(f"{{{SOAP}}}Body")[0]
    return response, payload


def assert_fault(response, payload, kod=None) -> str:
    assert response.status_code == 500
    assert payload.tag == f"{{{SOAP}}}Fault"
    wyjatek = payload.find(f"detail/{{{OBI}}}Wyjatek")
    assert wyjatek is not None
    if kod is not None:
        assert wyjatek.findtext("kod") == str(kod)
    assert wyjatek.findtext("komunikat")
    return wyjatek.findtext("komunikat")


def status(payload) -> int:
    return int(payload.findtext("status/kod"))


def sha1_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324


def pismo(n: int) -> bytes:
    # CRLF line ends and non-ASCII text: the bytes must come back exactly as sent
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\r\n<Dokument xmlns="urn:test">\r\n'
        f"  <Tresc>pismo {n} — żółć</Tresc>\r\n</Dokument>\r\n"
    ).encode()


def submit(client, pki, content: bytes, **kwargs):
    response, payload = call(
        client, SKRYTKA, nadaj_request(content, **kwargs), pki[kwargs.get("podmiot", "resident-1")], pki=pki
    )
    assert response.status_code == 200, response.content
    return payload


# ---------------------------------------------------------------- WS-Pull


@pytest.mark.django_db
def test_pull_fifo_head_until_confirmed_and_skrot(client, platform, pki):
    office = pki["office-system"]
    first, second = pismo(1), pismo(2)
    submit(client, pki, first)
    submit(client, pki, second)

    _, payload = call(client, PULL, pull_request("ZapytaniePullOczekujace"), office, pki=pki)
    assert payload.tag == f"{{{OBI}}}OdpowiedzPullOczekujace"
    assert status(payload) == 1
    assert payload.findtext("oczekujace") == "2"

    for _ in range(2):  # the head is returned again until confirmed
        _, payload = call(client, PULL, pull_request("ZapytaniePullPobierz"), office, pki=pki)
        assert payload.tag == f"{{{OBI}}}OdpowiedzPullPobierz"
        assert status(payload) == 1
        assert base64.b64decode(payload.findtext("dokument/zawartosc")) == first  # byte-exact
        assert payload.findtext("dokument/nazwaPliku") == "pismo.xml"
        assert payload.findtext("danePodmiotu/identyfikator") == "resident-1"
        assert payload.findtext("danePodmiotu/typOsoby") == "F"
        assert payload.findtext("danePodmiotu/pesel") == platform["resident-1"].pesel
        assert payload.findtext("adresSkrytki") == OFFICE_BOX
        assert payload.findtext("nazwaSkrytki") == "skrytka"
        assert payload.findtext("adresOdpowiedzi") == RESIDENT_BOX
        assert payload.findtext("czyTestowe") == "false"
        extra = xmlsafe.parse(base64.b64decode(payload.findtext("daneDodatkowe")))
        assert extra.findtext("IdentyfikatorDokumentu")
        assert [c.tag for c in payload] == [
            "status", "danePodmiotu", "daneNadawcy", "dataNadania", "nazwaSkrytki", "adresSkrytki",
            "adresOdpowiedzi", "czyTestowe", "daneDodatkowe", "dokument",
        ]  # fmt: skip

    response, payload = call(
        client, PULL, pull_request("ZapytaniePullPotwierdz", skrot=sha1_b64(second)), office, pki=pki
    )
    assert_fault(response, payload, kod=400)
    assert QueuedDocument.objects.filter(confirmed_at__isnull=True).count() == 2

    _, payload = call(client, PULL, pull_request("ZapytaniePullPotwierdz", skrot=sha1_b64(first)), office, pki=pki)
    assert payload.tag == f"{{{OBI}}}OdpowiedzPullPotwierdz"
    assert status(payload) == 1

    _, payload = call(client, PULL, pull_request("ZapytaniePullOczekujace"), office, pki=pki)
    assert payload.findtext("oczekujace") == "1"
    _, payload = call(client, PULL, pull_request("ZapytaniePullPobierz"), office, pki=pki)
    assert base64.b64decode(payload.findtext("dokument/zawartosc")) == second
    call(client, PULL, pull_request("ZapytaniePullPotwierdz", skrot=sha1_b64(second)), office, pki=pki)

    _, payload = call(client, PULL, pull_request("ZapytaniePullPobierz"), office, pki=pki)
    assert status(payload) == 0
    assert payload.findtext("status/komunikat")
    response, payload = call(client, PULL, pull_request("ZapytaniePullPotwierdz", skrot=sha1_b64(second)), office)
    assert_fault(response, payload)


@pytest.mark.django_db
def test_pull_box_of_another_podmiot_is_refused(client, platform, pki):
    response, payload = call(
        client, PULL, pull_request("ZapytaniePullPobierz", podmiot="resident-1", address=OFFICE_BOX), pki["resident-1"]
    )
    assert_fault(response, payload, kod=201)
    response, payload = call(
        client, PULL, pull_request("ZapytaniePullPobierz", address="/magistrowo/nieistniejaca"), pki["office-system"]
    )
    assert_fault(response, payload, kod=300)


# ---------------------------------------------------------------- WS-Security


@pytest.mark.django_db
def test_unsigned_request_is_a_fault(client, platform, pki):
    response, payload = call(client, PULL, pull_request("ZapytaniePullOczekujace"), pki=pki)
    assert "WS-Security" in assert_fault(response, payload, kod=200)


@pytest.mark.django_db
def test_certificate_not_registered_for_the_podmiot_is_a_fault(client, platform, pki):
    # resident-2's certificate is valid and issued by the same CA, but not registered for the office
    response, payload = call(client, PULL, pull_request("ZapytaniePullOczekujace"), pki["resident-2"], pki=pki)
    assert_fault(response, payload, kod=200)
    # an unknown podmiot has no certificates at all
    response, payload = call(client, PULL, pull_request("ZapytaniePullOczekujace", podmiot="obcy"), pki["edoreczenia"])
    assert_fault(response, payload, kod=200)


@pytest.mark.django_db
def test_tampered_body_is_a_fault(client, platform, pki):
    submit(client, pki, pismo(1))
    signed = wssecurity.sign_envelope(pull_request("ZapytaniePullOczekujace"), pki["office-system"])
    tampered = signed.replace(b"<nazwaSkrytki>skrytka</nazwaSkrytki>", b"<nazwaSkrytki>skrytkX</nazwaSkrytki>")
    assert tampered != signed
    response = client.post(PULL, data=tampered, content_type="text/xml")
    payload = xmlsafe.parse(response.content).find(f"{{{SOAP}}}Body")[0]
    assert "digest" in assert_fault(response, payload, kod=200)


@pytest.mark.django_db
def test_malformed_and_get_requests(client, platform):
    assert client.get(PULL).status_code == 405
    response = client.post(PULL, data=b"<not-xml", content_type="text/xml")
    payload = xmlsafe.parse(response.content).find(f"{{{SOAP}}}Body")[0]
    assert_fault(response, payload, kod=100)
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    response = client.post(PULL, data=bomb, content_type="text/xml")
    assert response.status_code == 500


# ---------------------------------------------------------------- WS-Skrytka


@pytest.mark.django_db
def test_nadaj_trial_delivers_nothing(client, platform, pki):
    payload = submit(client, pki, pismo(1), trial=True)
    assert payload.tag == f"{{{OBI}}}OdpowiedzSkrytki"
    assert status(payload) == 1
    assert payload.find("zalacznik") is None
    assert payload.find("identyfikatorUpp") is None
    assert not QueuedDocument.objects.exists()
    assert not Upp.objects.exists()


@pytest.mark.django_db
def test_nadaj_to_upp_box_returns_a_signed_upp(client, platform, pki):
    content = pismo(7)
    payload = submit(client, pki, content)
    assert status(payload) == 1
    doc = QueuedDocument.objects.get()
    assert payload.findtext("identyfikatorDokumentu") == doc.document_id
    assert bytes(doc.content) == content
    upp_id = payload.findtext("identyfikatorUpp")
    assert upp_id == doc.upp.identifier
    upp = base64.b64decode(payload.findtext("zalacznik/zawartosc"))
    result = xades.verify(upp, ca=pki["ca"].certificate)
    assert result.signer == pki["platform"].certificate
    assert upp_id.encode() in upp
    assert doc.document_id.encode() in upp


@pytest.mark.django_db
def test_nadaj_to_box_without_upp_and_to_missing_box(client, platform, pki):
    # the office sends to a resident's (non-UPP) box
    response, payload = call(
        client, SKRYTKA, nadaj_request(pismo(1), podmiot=OFFICE, to="/resident-2/domyslna", reply=OFFICE_BOX),
        pki["office-system"], pki=pki,
    )  # fmt: skip
    assert status(payload) == 1
    assert payload.find("zalacznik") is None
    assert QueuedDocument.objects.get().box.address == "/resident-2/domyslna"
    response, payload = call(client, SKRYTKA, nadaj_request(pismo(1), to="/nikt/nic"), pki["resident-1"], pki=pki)
    assert_fault(response, payload, kod=300)


# ---------------------------------------------------------------- WS-Doręczyciel


def signed_letter(pki) -> bytes:
    xml = '<?xml version="1.0" encoding="UTF-8"?><Decyzja xmlns="urn:test"><Tresc>Decyzja wymiarowa</Tresc></Decyzja>'
    return xades.sign(xml.encode(), pki["office-system"])


def dorecz(client, pki) -> DeliveryOrder:
    response, payload = call(client, DORECZYCIEL, dorecz_request(signed_letter(pki)), pki["office-system"], pki=pki)
    assert response.status_code == 200, response.content
    assert payload.tag == f"{{{OBI}}}OdpowiedzDoreczyciela"
    assert status(payload) == 1
    order = DeliveryOrder.objects.get(order_id=payload.findtext("identyfikatorZlecenia"))
    assert order.document_id == payload.findtext("identyfikatorDokumentu")
    return order


def pull_upd(client, pki) -> bytes:
    office = pki["office-system"]
    _, payload = call(client, PULL, pull_request("ZapytaniePullPobierz"), office, pki=pki)
    assert status(payload) == 1
    upd = base64.b64decode(payload.findtext("dokument/zawartosc"))
    call(client, PULL, pull_request("ZapytaniePullPotwierdz", skrot=sha1_b64(upd)), office, pki=pki)
    assert xades.verify(upd, ca=pki["ca"].certificate).signer == pki["platform"].certificate
    return upd


@pytest.mark.django_db
def test_dorecz_of_an_unsigned_or_tampered_document_is_refused(client, platform, pki):
    plain = b'<?xml version="1.0"?><Decyzja xmlns="urn:test"/>'
    response, payload = call(client, DORECZYCIEL, dorecz_request(plain), pki["office-system"], pki=pki)
    assert "podpisany" in assert_fault(response, payload, kod=500)
    tampered = signed_letter(pki).replace(b"wymiarowa", b"zmieniona")
    response, payload = call(client, DORECZYCIEL, dorecz_request(tampered), pki["office-system"], pki=pki)
    assert_fault(response, payload, kod=500)
    assert not DeliveryOrder.objects.exists()


@pytest.mark.django_db
def test_dorecz_opened_gives_upd_in_the_reply_box(client, platform, pki):
    order = dorecz(client, pki)
    assert order.status == DeliveryOrder.Status.AWAITING
    assert list(services.deliveries_for_box(Box.objects.get(address=RESIDENT_BOX))) == [order]

    opened_at = timezone.now()
    order = services.delivery_open(order, opened_at)
    assert order.status == DeliveryOrder.Status.OPENED
    assert order.opened_at == opened_at
    services.delivery_open(order, opened_at + datetime.timedelta(hours=1))  # idempotent
    assert QueuedDocument.objects.filter(box__address=OFFICE_BOX).count() == 1

    upd = pull_upd(client, pki)
    assert b"FN.3120.1.2026" in upd  # IdentyfikatorSprawy echoed
    assert order.upd_id.encode() in upd


@pytest.mark.django_db
def test_dorecz_not_opened_is_deemed_delivered_on_day_14(client, platform, pki):
    # the test certificates are valid from "now", so travel forwards
    start = (timezone.now() + datetime.timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        order = dorecz(client, pki)
    with time_machine.travel(start + datetime.timedelta(days=6, hours=23)):
        assert services.deliveries_deem_due() == 0
        order.refresh_from_db()
        assert order.reminder_at is None
        assert order.status == DeliveryOrder.Status.AWAITING
    with time_machine.travel(start + datetime.timedelta(days=7, hours=1)):
        assert services.deliveries_deem_due() == 0
        order.refresh_from_db()
        assert order.reminder_at == start + datetime.timedelta(days=7)
        assert order.status == DeliveryOrder.Status.AWAITING
    with time_machine.travel(start + datetime.timedelta(days=14, minutes=5)):
        assert services.deliveries_deem_due() == 1
        assert services.deliveries_deem_due() == 0  # twice → still one UPD
        order.refresh_from_db()
        assert order.status == DeliveryOrder.Status.DEEMED_DELIVERED
        assert order.deemed_at == start + datetime.timedelta(days=14)
        assert QueuedDocument.objects.filter(box__address=OFFICE_BOX).count() == 1
        upd = pull_upd(client, pki)
        deemed_day = timezone.localtime(start + datetime.timedelta(days=14)).date().isoformat()
        assert f"<pos:DataOdbioru>{deemed_day}".encode() in upd
        # opening afterwards records the reading but issues no second UPD
        services.delivery_open(order)
        assert QueuedDocument.objects.filter(box__address=OFFICE_BOX).count() == 1


@pytest.mark.django_db
def test_opening_after_day_14_before_the_task_ran_is_a_deemed_delivery(client, platform, pki):
    start = timezone.now()
    order = dorecz(client, pki)
    order = services.delivery_open(order, start + datetime.timedelta(days=20))
    assert order.status == DeliveryOrder.Status.DEEMED_DELIVERED
    assert order.deemed_at == order.notified_at + datetime.timedelta(days=14)
    assert order.opened_at is not None
    assert QueuedDocument.objects.filter(box__address=OFFICE_BOX).count() == 1


# ---------------------------------------------------------------- setup


@pytest.mark.django_db
def test_setup_command_is_idempotent(settings, pki):
    settings.EPUAP_PODMIOT = OFFICE
    settings.EPUAP_BOXES = [OFFICE_BOX]
    call_command("epuap_platform_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("epuap_platform_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    office = Podmiot.objects.get(identifier=OFFICE)
    assert office.certificates.count() == 1
    assert list(office.boxes.values_list("address", "upp_mode")) == [(OFFICE_BOX, True)]
    assert Podmiot.objects.count() == 4
    assert Box.objects.count() == 4


@pytest.mark.django_db
def test_oversize_request_is_a_fault_not_a_crash(client, settings):
    settings.EPUAP_MAX_DOCUMENT_BYTES = 1000
    body = b"<x>" + b"a" * (2 * 1024 * 1024) + b"</x>"  # over 1000 * 4/3 + 1 MiB
    response = client.post("/sim/epuap/pk_external_ws/services/pull", data=body, content_type="text/xml; charset=utf-8")
    assert response.status_code == 500
    assert b"<kod>600</kod>" in response.content
