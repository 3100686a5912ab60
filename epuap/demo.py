"""Demo documents for ``manage.py seed_demo`` (registered in EpuapConfig.ready()): the residents' side of ePUAP.

Test residents (resident-1..3 of the test PKI) send a handful of realistic, XAdES-signed documents to the office's
box through the simulated platform's SOAP interface — WS-Skrytka ``nadaj``, signed with each resident's
certificate (WS-Security), exactly as a resident's client system would — so they wait in the office's WS-Pull
queue (each with a UPP):

- a pismo ogólne (wzór 4566) asking for a certificate of residence,
- an IN-1 (information on real estate, local form),
- a DO-1 (waste-fee declaration, local form),
- a pismo ogólne whose content was altered after signing (broken signature: the adapter quarantines it).

The running Celery worker polls the box every minute over HTTP (``epuap.tasks.poll_boxes``) and brings them into the
office's inbound queue (/epuap/). The adapter does not import the simulation (tests/test_layering.py): the platform
is set up by its management command, and the SOAP requests go to the platform's URLs through this server's own
request handling in-process (there is no HTTP server while seed_demo runs) — the bytes are those of a real call.

Idempotent: sending writes the audit event ``epuap.demo.documents_sent``; when it exists, nothing is sent again.
"""

from __future__ import annotations

import datetime
import io

from django.conf import settings
from django.utils import timezone
from lxml import etree

from epuap import crd, pki, xades

RESIDENTS = 3
PLACE = "Magistrowo"

_NS_META, _NS_STR, _NS_OSO, _NS_INST = crd.NS_META, crd.NS_STR, crd.NS_OSO, crd.NS_INST


# --- documents --------------------------------------------------------------------------------------------


def _sender(index: int) -> crd.Party:
    ident = pki.resident_identity(index)
    return crd.Party(first_name=ident["first_name"], surname=ident["surname"], pesel=ident["pesel"])


def pismo_ogolne(index: int, *, today: datetime.date, title: str, paragraphs: list[str]) -> bytes:
    """A pismo ogólne (wzór 2017/10/24/4566) from test resident ``index`` to the office (unsigned)."""
    return crd.build_pismo_ogolne(
        crd.CrdDocument(
            form_namespace=crd.NS_WNIO_4566,
            title=title,
            kind="wniosek",
            text_paragraphs=paragraphs,
            sender=_sender(index),
            recipient_name=settings.EPUAP_OFFICE_NAME,
            place=PLACE,
            created=today,
        )
    )


def _local_form(
    namespace: str, index: int, *, today: datetime.date, fields: list[tuple[str, str]], content=None
) -> bytes:
    """A local form (IN-1, DO-1) in the CRD document structure: header, parties, and the form's fields as
    leaf elements of ``TrescDokumentu`` (the adapter shows them as "name: value"); ``content`` (an element) is
    appended to ``TrescDokumentu/DaneFormularza``."""
    nsmap = {"wnio": namespace, "meta": _NS_META, "str": _NS_STR, "oso": _NS_OSO, "inst": _NS_INST}

    def el(parent, uri, tag, text=None, **attrs):
        node = etree.SubElement(parent, f"{{{uri}}}{tag}", **attrs)
        if text is not None:
            node.text = text
        return node

    sender = _sender(index)
    root = etree.Element(f"{{{namespace}}}Dokument", nsmap=nsmap)
    opis = el(root, namespace, "OpisDokumentu")
    el(el(opis, _NS_META, "Data", typDaty="stworzony"), _NS_META, "Czas", today.isoformat())
    dane = el(root, namespace, "DaneDokumentu")
    el(el(dane, _NS_STR, "Naglowek"), _NS_STR, "NazwaDokumentu", crd.KNOWN_FORMS[namespace])
    el(el(dane, _NS_META, "Data", typDaty="stworzony"), _NS_META, "Czas", today.isoformat())
    adresat = el(el(dane, _NS_STR, "Adresaci"), _NS_META, "Podmiot")
    el(el(adresat, _NS_INST, "Instytucja"), _NS_INST, "NazwaInstytucji", settings.EPUAP_OFFICE_NAME)
    osoba = el(el(el(dane, _NS_STR, "Nadawcy"), _NS_META, "Podmiot"), _NS_OSO, "Osoba")
    el(el(osoba, _NS_OSO, "IdOsoby"), _NS_OSO, "PESEL", sender.pesel)
    el(osoba, _NS_OSO, "Imie", sender.first_name)
    el(osoba, _NS_OSO, "Nazwisko", sender.surname)
    tresc = el(root, namespace, "TrescDokumentu", format="text/xml", kodowanie="XML")
    el(tresc, namespace, "MiejscowoscDokumentu", PLACE)
    for name, value in fields:
        el(tresc, namespace, name, value)
    if content is not None:
        el(tresc, namespace, "DaneFormularza").append(content)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def in1(index: int, *, today: datetime.date) -> bytes:
    return _local_form(
        crd.NS_IN1,
        index,
        today=today,
        fields=[
            ("Tytul", "Informacja o nieruchomościach i obiektach budowlanych (IN-1)"),
            ("Okolicznosc", "nabycie nieruchomości"),
            ("DataPowstaniaObowiazku", (today - datetime.timedelta(days=9)).isoformat()),
            ("PolozenieNieruchomosci", "Magistrowo, ul. Lipowa 7"),
            ("NumerKsiegiWieczystej", "WA1M/00012345/6"),
            ("NumerDzialki", "123/4"),
            ("PowierzchniaGruntuM2", "812"),
            ("PowierzchniaUzytkowaBudynkuM2", "146.5"),
            ("FunkcjaBudynku", "mieszkalny"),
        ],
        # the same in the taxes IN-1 layout, for "Z ePUAP" in the tax register (docs/integrations/tax-forms.md)
        content=crd.taxes_in1(
            year=today.year,
            sender=_sender(index),
            purpose="zmiana",
            event_date=today - datetime.timedelta(days=9),
            objects=[
                ("Grunt", "Magistrowo", "123/4", "land_other", "812"),
                ("Budynek", "Magistrowo", "123/4", "building_residential", "146.5"),
            ],
        ),
    )


def do1(index: int, *, today: datetime.date) -> bytes:
    return _local_form(
        crd.NS_DO1,
        index,
        today=today,
        fields=[
            ("Tytul", "Deklaracja o wysokości opłaty za gospodarowanie odpadami komunalnymi (DO-1)"),
            ("RodzajDeklaracji", "zmiana danych"),
            ("DataZmiany", today.replace(day=1).isoformat()),
            ("AdresNieruchomosci", "Magistrowo, ul. Polna 3"),
            ("LiczbaMieszkancow", "4"),
            ("Kompostownik", "tak"),
            ("StawkaZl", "31.00"),
            ("ZwolnienieKompostownikZl", "4.00"),
            ("MiesiecznaOplataZl", "120.00"),
        ],
    )


def broken(document_signed: bytes) -> bytes:
    """The signed document altered after signing (as by a faulty client): the digest no longer matches."""
    altered = document_signed.replace(b"ul. Ogrodowa 12", b"ul. Ogrodowa 21", 1)
    assert altered != document_signed
    return altered


def demo_documents(credentials: dict[str, pki.Credential], *, today: datetime.date) -> list[tuple[int, str, bytes]]:
    """(resident index, file name, signed bytes) of the demo documents."""
    residence = pismo_ogolne(
        1,
        today=today,
        title="Wniosek o wydanie zaświadczenia o zameldowaniu",
        paragraphs=[
            "Proszę o wydanie zaświadczenia o moim zameldowaniu na pobyt stały w Magistrowie.",
            "Zaświadczenie jest mi potrzebne do przedłożenia w banku.",
        ],
    )
    complaint = pismo_ogolne(
        3,
        today=today,
        title="Zgłoszenie uszkodzonej lampy ulicznej",
        paragraphs=[
            "Uprzejmie informuję, że od tygodnia nie świeci lampa uliczna przy ul. Ogrodowa 12.",
            "Proszę o naprawę.",
        ],
    )
    return [
        (1, "wniosek-zaswiadczenie.xml", xades.sign(residence, credentials["resident-1"])),
        (2, "IN-1.xml", xades.sign(in1(2, today=today), credentials["resident-2"])),
        (3, "DO-1.xml", xades.sign(do1(3, today=today), credentials["resident-3"])),
        (3, "zgloszenie-lampa.xml", broken(xades.sign(complaint, credentials["resident-3"]))),
    ]


# --- the seeder -------------------------------------------------------------------------------------------

SENT_ACTION = "epuap.demo.documents_sent"


class InProcessTransport:
    """A SOAP Transport into this server's own URL conf (the platform's views), without a network."""

    def __init__(self):
        from django.test import Client  # request handling with the middleware; no test database involved

        self.client = Client()

    def __call__(self, url: str, body: bytes, soap_action: str) -> bytes:
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
        response = self.client.post(
            path, data=body, content_type="text/xml; charset=utf-8", HTTP_SOAPACTION=f'"{soap_action}"'
        )
        return response.content


def seed_epuap(*, actor=None, stdout=None, transport=None) -> str:
    """Send the demo documents to the office's box unless they were sent before. Returns a one-line summary."""
    from django.core.management import call_command

    from core.models import AuditEvent
    from core.services.audit import audit_log
    from epuap.client import EpuapClient

    office_box = settings.EPUAP_BOXES[0]
    if AuditEvent.objects.filter(action=SENT_ACTION).exists():
        return f"demo documents already sent to {office_box}"
    # The platform's accounts, boxes and certificates (and the test PKI); idempotent.
    call_command("epuap_platform_setup", residents=RESIDENTS, stdout=io.StringIO())
    credentials = pki.ensure_test_pki(settings.EPUAP_PKI_DIR, residents=RESIDENTS)
    transport = transport or InProcessTransport()
    documents = demo_documents(credentials, today=timezone.localdate())
    sent = []
    for index, file_name, content in documents:
        name = f"resident-{index}"
        resident = EpuapClient(transport=transport, credential=credentials[name], podmiot=name)
        result = resident.send(
            recipient_address=office_box,
            reply_address=f"/{name}/domyslna",
            content=content,
            file_name=file_name,
        )
        sent.append({"resident": name, "file": file_name, "document_id": result.document_id, "upp": result.upp_id})
    audit_log(
        actor=actor or "manage.py seed_demo",
        action=SENT_ACTION,
        object_type="epuap.box",
        object_id=office_box,
        object_repr=office_box,
        details={"documents": sent},
    )
    return f"{len(sent)} signed documents from test residents sent to {office_box} (one with a broken signature)"
