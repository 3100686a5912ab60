"""The resident's side of the simulated ePUAP: simulated profil zaufany, sending forms (signed, with UPP), the inbox.

Everything goes through the Django test client against the real simulated platform (platform_setup); the last
test continues through the office's adapter (box_poll over the platform's SOAP endpoints).
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from epuap import crd, upo, xades
from epuap.pki import load_credential
from epuap.platform import services
from epuap.platform.models import DeliveryOrder, QueuedDocument
from epuap.platform.resident_auth import SESSION_KEY

OFFICE = "magistrowo"
OFFICE_BOX = "/magistrowo/skrytka"
NS_PPZP = "http://crd.gov.pl/xml/schematy/ppzp/"
NS_OSO_2009_03 = "http://crd.gov.pl/xml/schematy/osoba/2009/03/06/"


@pytest.fixture
def platform(db, settings, pki):
    settings.EPUAP_PODMIOT = OFFICE
    settings.EPUAP_BOXES = [OFFICE_BOX]
    settings.EPUAP_OFFICE_CREDENTIAL = "office-system"
    settings.EPUAP_PLATFORM_CERTIFICATE = ""
    return services.platform_setup(residents=2)


def url(name, *args):
    return reverse(f"epuap_platform:{name}", args=args)


def login_as(client, identifier):
    response = client.post(url("resident-identity"), {"identifier": identifier})
    assert response.status_code == 302
    assert response["Location"] == url("resident-home")


VALID = {
    "pismo-ogolne": {"place": "Magistrowo", "title": "Prośba o informację", "text": "Proszę o informację.\n\nDzięki."},
    "in-1": {
        "place": "Magistrowo",
        "tax_year": str(timezone.localdate().year),
        "location": "ul. Polna 1, Magistrowo",
        "parcel": "123/4",
        "land_area": "500.00",
        "residential_area": "120.50",
        "other_building_area": "0",
    },
    "do-1": {
        "place": "Magistrowo",
        "declaration_kind": "pierwsza",
        "effective_from": "2026-01-01",
        "address": "ul. Polna 1, Magistrowo",
        "residents": "3",
        "method": "selektywny-kompostownik",
    },
    "zaswiadczenie": {
        "place": "Magistrowo",
        "certificate_kind": "zameldowanie-stale",
        "purpose": "Do banku.",
        "copies": "1",
    },
}
FORM_NS = {"pismo-ogolne": crd.NS_WNIO_4566, "in-1": crd.NS_IN1, "do-1": crd.NS_DO1, "zaswiadczenie": crd.NS_ZAS}
FORM_CODE = {"pismo-ogolne": "PISMO_OGOLNE", "in-1": "IN-1", "do-1": "DO-1", "zaswiadczenie": "ZAS"}


def send(client, kind, data=None):
    response = client.post(url("resident-form", kind), data or VALID[kind])
    assert response.status_code == 302, response.content.decode()[:2000]
    document_id = response["Location"].rstrip("/").split("/")[-1]
    return QueuedDocument.objects.get(document_id=document_id)


# ---------------------------------------------------------------- simulated profil zaufany


def test_identity_page_lists_the_test_residents_from_their_certificates(client, platform, pki):
    response = client.get(url("resident-identity"))
    assert response.status_code == 200
    html = response.content.decode()
    identities = {i.identifier: i for i in response.context["identities"]}
    assert set(identities) == {"resident-1", "resident-2"}
    from epuap.pki import pesel_from_certificate

    pesel = pesel_from_certificate(pki["resident-1"].certificate)
    assert identities["resident-1"].pesel == pesel == platform["resident-1"].pesel
    assert identities["resident-1"].display_name == "Jan Testowy"
    assert pesel in html
    assert "Symulator ePUAP" in html  # clearly labelled as the simulator's test environment


def test_choosing_an_identity_logs_into_the_platform_session_only(client, platform):
    login_as(client, "resident-1")
    assert client.session[SESSION_KEY] == "resident-1"
    assert "_auth_user_id" not in client.session  # not the office's Django auth
    assert client.get(url("resident-home")).status_code == 200
    assert client.get("/epuap/").status_code == 302  # the office's back office still wants its own login

    client.post(url("resident-logout"))
    assert SESSION_KEY not in client.session
    assert client.get(url("resident-home"))["Location"] == url("resident-identity")


def test_unknown_identity_and_office_podmiot_are_refused(client, platform):
    for identifier in ("resident-9", OFFICE, ""):
        response = client.post(url("resident-identity"), {"identifier": identifier})
        assert response.status_code == 400
        assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("resident-home", ()),
        ("resident-form", ("pismo-ogolne",)),
        ("resident-sent", ()),
        ("resident-sent-detail", ("x",)),
        ("resident-sent-download", ("x",)),
        ("resident-upp-download", ("x",)),
        ("resident-inbox", ()),
        ("resident-delivery", ("x",)),
        ("resident-delivery-open", ("x",)),
        ("resident-delivery-download", ("x",)),
    ],
)
def test_resident_pages_refuse_without_the_platform_session(client, platform, make_user, name, args):
    client.force_login(make_user(username="office-user"))  # an office login is not a platform login
    for method in ("get", "post"):
        response = getattr(client, method)(url(name, *args))
        assert response.status_code == 302
        assert response["Location"] == url("resident-identity")
    assert QueuedDocument.objects.count() == 0


# ---------------------------------------------------------------- sending forms


@pytest.mark.parametrize("kind", list(VALID))
def test_sending_each_form_queues_a_signed_crd_document_with_upp(client, platform, pki, kind):
    login_as(client, "resident-1")
    assert client.get(url("resident-form", kind)).status_code == 200

    doc = send(client, kind)

    assert doc.box.address == OFFICE_BOX
    assert (doc.sender_identifier, doc.sender_pesel) == ("resident-1", platform["resident-1"].pesel)
    assert doc.reply_address == "/resident-1/domyslna"
    content = bytes(doc.content)
    verified = xades.verify(content, ca=pki.ca)
    assert verified.signer == pki["resident-1"].certificate
    role = verified.claimed_role
    assert role is not None
    assert role.tag == f"{{{NS_PPZP}}}PodpisZP"
    assert role.findtext(f".//{{{NS_OSO_2009_03}}}PESEL") == platform["resident-1"].pesel
    assert role.findtext(f".//{{{NS_OSO_2009_03}}}Imie") == "Jan"

    parsed = crd.parse_document(content)
    assert parsed.form_namespace == FORM_NS[kind]
    assert parsed.form_code == FORM_CODE[kind]
    assert parsed.sender.pesel == platform["resident-1"].pesel
    assert (parsed.sender.first_name, parsed.sender.surname) == ("Jan", "Testowy")
    assert parsed.recipient_name == platform[OFFICE].name
    assert parsed.signed

    upp = doc.upp
    upp_bytes = bytes(upp.content)
    xades.verify(upp_bytes, ca=pki.ca)
    data = upo.parse_upo(upp_bytes)
    assert (data["kind"], data["identifier"], data["document_id"]) == ("UPP", upp.identifier, doc.document_id)
    assert data["sender_id"] == "resident-1"

    page = client.get(url("resident-sent-detail", doc.document_id))
    assert page.status_code == 200
    assert upp.identifier in page.content.decode()
    download = client.get(url("resident-upp-download", doc.document_id))
    assert download.status_code == 200
    assert download.content == upp_bytes
    assert download["Content-Disposition"].startswith("attachment")
    assert client.get(url("resident-sent-download", doc.document_id)).content == content
    assert doc.document_id in client.get(url("resident-sent")).content.decode()


def test_form_fields_are_in_the_document(client, platform):
    login_as(client, "resident-1")
    parsed = crd.parse_document(bytes(send(client, "do-1").content))
    assert "LiczbaMieszkancow: 3" in parsed.text_paragraphs
    parsed = crd.parse_document(bytes(send(client, "pismo-ogolne").content))
    assert parsed.title == "Prośba o informację"
    assert parsed.text_paragraphs == ["Proszę o informację.", "Dzięki."]


def test_invalid_form_shows_polish_errors_and_sends_nothing(client, platform):
    login_as(client, "resident-1")
    response = client.post(url("resident-form", "in-1"), {**VALID["in-1"], "tax_year": "", "land_area": "-1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "To pole jest wymagane." in html
    assert "Upewnij się, że ta wartość jest większa lub równa 0." in html
    zero = {**VALID["in-1"], "land_area": "0", "residential_area": "0", "other_building_area": "0"}
    assert client.post(url("resident-form", "in-1"), zero).status_code == 400
    assert client.post(url("resident-form", "do-1"), {**VALID["do-1"], "residents": "0"}).status_code == 400
    assert QueuedDocument.objects.count() == 0
    assert client.get(url("resident-form", "no-such-form")).status_code == 404


def test_resident_cannot_see_another_residents_documents(client, platform):
    login_as(client, "resident-1")
    doc = send(client, "zaswiadczenie")
    order = _deliver(platform, "resident-1")

    login_as(client, "resident-2")
    assert client.session[SESSION_KEY] == "resident-2"
    for name, arg in (
        ("resident-sent-detail", doc.document_id),
        ("resident-sent-download", doc.document_id),
        ("resident-upp-download", doc.document_id),
        ("resident-delivery", order.order_id),
        ("resident-delivery-download", order.order_id),
    ):
        assert client.get(url(name, arg)).status_code == 404, name
    assert client.post(url("resident-delivery-open", order.order_id)).status_code == 404
    assert doc.document_id not in client.get(url("resident-sent")).content.decode()
    assert order.order_id not in client.get(url("resident-inbox")).content.decode()
    order.refresh_from_db()
    assert order.status == DeliveryOrder.Status.AWAITING


# ---------------------------------------------------------------- inbox


def _letter() -> bytes:
    doc = crd.CrdDocument(
        form_namespace=crd.NS_WNIO_4566,
        title="Decyzja w sprawie podatku",
        text_paragraphs=["Ustala się podatek."],
        sender=crd.Party(institution_name="Urząd Gminy Magistrowo"),
        recipient=crd.Party(first_name="Jan", surname="Testowy"),
        place="Magistrowo",
    )
    return xades.sign(crd.build_pismo_ogolne(doc), load_credential("office-system"))


def _deliver(platform, resident: str, *, now=None) -> DeliveryOrder:
    return services.delivery_order_create(
        sender=platform[OFFICE],
        addressee_address=f"/{resident}/domyslna",
        reply_address=OFFICE_BOX,
        content=_letter(),
        file_name="decyzja.xml",
        case_id="FN.3120.1.2026",
        now=now,
    )


def test_inbox_collect_opens_the_letter_and_queues_the_upd(client, platform, pki):
    order = _deliver(platform, "resident-1")
    login_as(client, "resident-1")

    inbox = client.get(url("resident-inbox"))
    assert inbox.status_code == 200
    assert order.file_name in inbox.content.decode()
    detail = client.get(url("resident-delivery", order.order_id))
    assert detail.context["opened"] is False
    # the content is not given before collecting
    assert client.get(url("resident-delivery-download", order.order_id)).status_code == 302
    assert client.get(url("resident-delivery", order.order_id)).status_code == 200
    assert DeliveryOrder.objects.get(pk=order.pk).status == DeliveryOrder.Status.AWAITING

    response = client.post(url("resident-delivery-open", order.order_id))
    assert response.status_code == 302

    order.refresh_from_db()
    assert order.status == DeliveryOrder.Status.OPENED
    assert order.opened_at is not None
    upd_doc = order.upd_document
    assert upd_doc.box.address == OFFICE_BOX
    assert upd_doc.confirmed_at is None  # waiting in the office's pull queue
    xades.verify(bytes(upd_doc.content), ca=pki.ca)
    upd = upo.parse_upo(bytes(upd_doc.content))
    assert (upd["kind"], upd["addressee_id"], upd["case_id"]) == ("UPD", "resident-1", "FN.3120.1.2026")

    detail = client.get(url("resident-delivery", order.order_id))
    assert detail.context["opened"] is True
    assert detail.context["signature"]["valid"] is True
    assert "Ustala się podatek." in detail.content.decode()
    download = client.get(url("resident-delivery-download", order.order_id))
    assert download.status_code == 200
    assert download.content == bytes(order.content)

    client.post(url("resident-delivery-open", order.order_id))  # idempotent: no second UPD
    assert QueuedDocument.objects.filter(box__address=OFFICE_BOX, sender_system="ePUAP").count() == 1


def test_inbox_shows_deemed_delivery(client, platform):
    order = _deliver(platform, "resident-1", now=timezone.now() - datetime.timedelta(days=15))
    services.deliveries_deem_due()
    login_as(client, "resident-1")
    html = client.get(url("resident-inbox")).content.decode()
    order.refresh_from_db()
    assert order.status == DeliveryOrder.Status.DEEMED_DELIVERED
    assert timezone.localtime(order.deemed_at).strftime("%d.%m.%Y") in html
    client.post(url("resident-delivery-open", order.order_id))  # still collectable; no second UPD
    order.refresh_from_db()
    assert order.status == DeliveryOrder.Status.DEEMED_DELIVERED
    assert order.opened_at is not None
    assert QueuedDocument.objects.filter(box__address=OFFICE_BOX, sender_system="ePUAP").count() == 1


# ---------------------------------------------------------------- end to end through the office's adapter


class DjangoClientTransport:
    """The office adapter's SOAP calls routed to the platform's endpoints through a Django test client."""

    def __init__(self, client):
        self.client = client

    def __call__(self, url_: str, body: bytes, soap_action: str) -> bytes:
        path = url_.split("://", 1)[-1].split("/", 1)[-1]
        response = self.client.post(
            "/" + path, data=body, content_type="text/xml; charset=utf-8", HTTP_SOAPACTION=f'"{soap_action}"'
        )
        return response.content


def test_resident_sends_and_the_office_polls_it(client, platform, settings):
    from django.test import Client

    from epuap.models import InboundDocument
    from epuap.services import box_poll

    login_as(client, "resident-1")
    queued = send(client, "do-1")

    result = box_poll(box_address=OFFICE_BOX, transport=DjangoClientTransport(Client()))

    assert (result.outcome, result.stored, result.confirmed) == ("ok", 1, 1)
    inbound = InboundDocument.objects.get()
    assert inbound.signature_verdict == InboundDocument.SignatureVerdict.VALID
    assert inbound.form_code == "DO-1"
    assert inbound.status == InboundDocument.Status.ACCEPTED
    assert inbound.sender_identifier == "resident-1"
    assert inbound.upp_reference == queued.upp.identifier
    assert bytes(inbound.content) == bytes(queued.content)
    queued.refresh_from_db()
    assert queued.confirmed_at is not None
