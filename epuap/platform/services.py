"""Business actions of the simulated ePUAP platform (a separate system: these never touch the office's tables).

Used by the SOAP views (WS-Pull, WS-Skrytka, WS-Doręczyciel), the periodic deemed-delivery task, the setup command
and the resident's side of the platform (sending a form, opening a letter).
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from lxml import etree

from epuap import pki, upo, xades
from epuap.platform.models import Box, DeliveryOrder, Podmiot, PodmiotCertificate, QueuedDocument, Upp
from epuap.platform.soap import (
    KOD_BAD_REQUEST,
    KOD_NO_ACCESS,
    KOD_NO_BOX,
    KOD_NOT_SIGNED,
    KOD_TOO_LARGE,
    KOD_WRONG_DIGEST,
)

PLATFORM_SYSTEM = "ePUAP"
REMINDER_AFTER = datetime.timedelta(days=7)
DEEMED_AFTER = datetime.timedelta(days=14)


class PlatformError(Exception):
    """A refusal by the platform; the SOAP layer turns it into a Fault with ``Wyjatek{kod, komunikat}``."""

    def __init__(self, kod: int, message: str):
        super().__init__(message)
        self.kod = kod
        self.message = message


# ---------------------------------------------------------------- accounts, boxes, certificates


def pki_dir() -> Path:
    return Path(settings.EPUAP_PKI_DIR)


def platform_credential() -> pki.Credential:
    """The platform's own signing credential (responses, UPP, UPD)."""
    return pki.load_credential("platform", directory=pki_dir())


def box_address(podmiot_identifier: str, name: str) -> str:
    return f"/{podmiot_identifier}/{name}"


def podmiot_ensure(*, identifier: str, name: str, typ_osoby: str = "P", **fields) -> Podmiot:
    podmiot, created = Podmiot.objects.get_or_create(
        identifier=identifier, defaults={"name": name, "typ_osoby": typ_osoby, **fields}
    )
    if not created:
        changed = {"name": name, "typ_osoby": typ_osoby, **fields}
        if any(getattr(podmiot, k) != v for k, v in changed.items()):
            for k, v in changed.items():
                setattr(podmiot, k, v)
            podmiot.save()
    return podmiot


def box_ensure(*, podmiot: Podmiot, name: str, upp_mode: bool = False) -> Box:
    box, created = Box.objects.get_or_create(
        podmiot=podmiot,
        name=name,
        defaults={"address": box_address(podmiot.identifier, name), "upp_mode": upp_mode},
    )
    if not created and box.upp_mode != upp_mode:
        box.upp_mode = upp_mode
        box.save(update_fields=["upp_mode"])
    return box


def certificate_register(*, podmiot: Podmiot, cert: x509.Certificate | str | bytes) -> PodmiotCertificate:
    """Register a system certificate for the podmiot (idempotent: same fingerprint → same row)."""
    if isinstance(cert, str):
        cert = cert.encode()
    if isinstance(cert, bytes):
        cert = x509.load_pem_x509_certificate(cert)
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = cert.public_bytes(Encoding.PEM).decode("ascii")
    row, _ = PodmiotCertificate.objects.get_or_create(
        podmiot=podmiot, fingerprint=pki.cert_fingerprint(cert), defaults={"pem": pem}
    )
    return row


@functools.lru_cache(maxsize=256)
def _parsed_certificate(pem: str) -> x509.Certificate:
    """A registered certificate parsed once per process; keyed by the exact PEM, so a changed or newly
    registered certificate is parsed afresh and a removed one is simply no longer asked for."""
    return x509.load_pem_x509_certificate(pem.encode())


def trusted_certificates(podmiot_identifier: str) -> list[x509.Certificate]:
    rows = PodmiotCertificate.objects.filter(podmiot__identifier=podmiot_identifier).values_list("pem", flat=True)
    return [_parsed_certificate(pem) for pem in rows]


def podmiot_with_certificates(podmiot_identifier: str) -> tuple[Podmiot | None, list[x509.Certificate]]:
    """The podmiot and its registered certificates (read from the database on every call, parsed from a cache) in
    one query; ``(None, [])`` for an unknown podmiot or one without a registered certificate."""
    rows = list(PodmiotCertificate.objects.filter(podmiot__identifier=podmiot_identifier).select_related("podmiot"))
    if not rows:
        return None, []
    return rows[0].podmiot, [_parsed_certificate(row.pem) for row in rows]


def box_get(address: str) -> Box:
    try:
        return Box.objects.select_related("podmiot").get(address=address)
    except Box.DoesNotExist:
        raise PlatformError(KOD_NO_BOX, f"Skrytka o adresie {address} nie istnieje.") from None


def _check_owner(box: Box, *, podmiot_identifier: str, box_name: str) -> Box:
    if box.podmiot.identifier != podmiot_identifier or (box_name and box.name != box_name):
        raise PlatformError(KOD_NO_ACCESS, "Skrytka nie należy do podmiotu lub nazwa skrytki nie zgadza się z adresem.")
    return box


def box_for_owner(*, podmiot_identifier: str, box_name: str, address: str) -> Box:
    """The box a WS-Pull request names (adresSkrytki, else /podmiot/nazwaSkrytki); it must belong to the podmiot."""
    box = box_get(address or box_address(podmiot_identifier, box_name))
    return _check_owner(box, podmiot_identifier=podmiot_identifier, box_name=box_name)


def _new_id() -> str:
    return str(uuid.uuid4())


def _check_size(content: bytes) -> None:
    if len(content) > settings.EPUAP_MAX_DOCUMENT_BYTES:
        raise PlatformError(KOD_TOO_LARGE, "Dokument przekracza dopuszczalny rozmiar.")


def _dane_dodatkowe(**ids: str) -> bytes:
    root = etree.Element("DaneDodatkowe")
    for name, value in ids.items():
        if value:
            etree.SubElement(root, name).text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ---------------------------------------------------------------- WS-Pull


def document_enqueue(
    *,
    box: Box,
    content: bytes,
    file_name: str,
    mime_type: str,
    sender: Podmiot,
    sent_at: datetime.datetime,
    sender_user: str = "",
    sender_system: str = "",
    reply_address: str = "",
    is_test: bool = False,
    extra_data: bytes = b"",
    document_id: str | None = None,
) -> QueuedDocument:
    return QueuedDocument.objects.create(
        box=box,
        document_id=document_id or _new_id(),
        content=bytes(content),
        file_name=file_name,
        mime_type=mime_type,
        sender_identifier=sender.identifier,
        sender_typ_osoby=sender.typ_osoby,
        sender_first_name=sender.first_name,
        sender_name=sender.name,
        sender_nip=sender.nip,
        sender_pesel=sender.pesel,
        sender_regon=sender.regon,
        sender_consent=sender.consent,
        sender_user=sender_user,
        sender_system=sender_system,
        sent_at=sent_at,
        reply_address=reply_address,
        is_test=is_test,
        extra_data=bytes(extra_data),
    )


def _pending(box: Box):
    # FIFO by id. Ordered as the (box, confirmed_at, id) index is (the same order under these filters) so that
    # PostgreSQL reads the head from that index instead of sorting the box's whole queue.
    return QueuedDocument.objects.filter(box=box, confirmed_at__isnull=True).order_by("box_id", "confirmed_at", "id")


def pull_pending_count(box: Box) -> int:
    return _pending(box).count()


def pull_head(box: Box) -> QueuedDocument | None:
    """The head of the box's queue; it stays there until confirmed."""
    return _pending(box).first()


def _owner_head(*, podmiot_identifier: str, box_name: str, address: str) -> tuple[Box, QueuedDocument | None]:
    """(box, head of its queue) for a WS-Pull request: :func:`box_for_owner` followed by :func:`pull_head`.

    Two simple queries on purpose: reading the head joined with its box by address makes PostgreSQL sort the
    whole pending queue instead of walking the (box, confirmed_at, id) index."""
    box = box_for_owner(podmiot_identifier=podmiot_identifier, box_name=box_name, address=address)
    return box, pull_head(box)


def pull_head_for_owner(*, podmiot_identifier: str, box_name: str, address: str) -> tuple[Box, QueuedDocument | None]:
    """``pobierzNastepny``: the box the request names (it must belong to the podmiot) and the head of its queue."""
    return _owner_head(podmiot_identifier=podmiot_identifier, box_name=box_name, address=address)


def skrot(content: bytes) -> str:
    """Base64 of the SHA-1 of the exact document bytes, as ``potwierdzOdebranie`` expects it."""
    return base64.b64encode(hashlib.sha1(bytes(content)).digest()).decode("ascii")  # noqa: S324 — protocol-mandated


def pull_confirm(box: Box, digest: str, *, now: datetime.datetime | None = None) -> QueuedDocument:
    """Confirm the head of the queue; ``digest`` must be the skrot of its exact bytes. Removes it from the queue."""
    while True:
        head = _pending(box).first()
        confirmed = _confirm_head(head, digest, now=now)
        if confirmed is not None:
            return confirmed


def _confirm_head(head: QueuedDocument | None, digest: str, *, now: datetime.datetime | None) -> QueuedDocument | None:
    """Confirm ``head`` (just read as the head of its queue) if ``digest`` is its skrot; None if a concurrent
    confirmation took it first (the caller reads the new head and tries again).

    Optimistic instead of SELECT ... FOR UPDATE in a transaction (two round trips instead of four): the head is
    confirmed only by a conditional UPDATE that still finds it unconfirmed; a lost race re-reads the head and checks
    the digest against it, exactly as if the two confirmations had been serialised by the row lock."""
    if head is None:
        raise PlatformError(KOD_WRONG_DIGEST, "Brak dokumentów do potwierdzenia.")
    if digest.strip() != skrot(head.content):
        raise PlatformError(KOD_WRONG_DIGEST, "Skrót nie odpowiada dokumentowi oczekującemu w kolejce.")
    confirmed_at = now or timezone.now()
    if not QueuedDocument.objects.filter(pk=head.pk, confirmed_at__isnull=True).update(confirmed_at=confirmed_at):
        return None
    head.confirmed_at = confirmed_at
    return head


def pull_confirm_for_owner(
    *, podmiot_identifier: str, box_name: str, address: str, digest: str, now: datetime.datetime | None = None
) -> QueuedDocument:
    """``potwierdzOdebranie``: :func:`box_for_owner` + :func:`pull_confirm`."""
    while True:
        _box, head = _owner_head(podmiot_identifier=podmiot_identifier, box_name=box_name, address=address)
        confirmed = _confirm_head(head, digest, now=now)
        if confirmed is not None:
            return confirmed


# ---------------------------------------------------------------- WS-Skrytka


@dataclass
class SubmitResult:
    document_id: str
    document: QueuedDocument | None  # None for a trial send (CzyProbne)
    upp: Upp | None


def document_submit(
    *,
    sender: Podmiot,
    box_address: str,
    content: bytes,
    file_name: str,
    mime_type: str = "text/xml",
    reply_address: str = "",
    trial: bool = False,
    extra_data: bytes = b"",
    sender_user: str = "",
    sender_system: str = "",
    now: datetime.datetime | None = None,
) -> SubmitResult:
    """WS-Skrytka ``nadaj``: deliver a document to a box; a UPP box also yields a UPP signed by the platform."""
    now = now or timezone.now()
    box = box_get(box_address)
    _check_size(content)
    if not content:
        raise PlatformError(KOD_BAD_REQUEST, "Pusty dokument.")
    if trial:
        return SubmitResult(document_id="", document=None, upp=None)
    document_id = _new_id()
    upp_id = _new_id() if box.upp_mode else ""
    if not extra_data:
        extra_data = _dane_dodatkowe(IdentyfikatorUpp=upp_id, IdentyfikatorDokumentu=document_id)
    with transaction.atomic():
        doc = document_enqueue(
            box=box,
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            sender=sender,
            sent_at=now,
            sender_user=sender_user,
            sender_system=sender_system,
            reply_address=reply_address,
            extra_data=extra_data,
            document_id=document_id,
        )
        upp = None
        if box.upp_mode:
            xml = upo.build_upp(
                identifier=upp_id,
                recipient_name=box.podmiot.name,
                recipient_id=box.podmiot.identifier,
                sender_name=_display_name(sender),
                sender_id=sender.identifier,
                delivered_at=timezone.localtime(now),
                created_at=timezone.localtime(now),
                document_id=document_id,
            )
            upp = Upp.objects.create(
                identifier=upp_id, document=doc, content=xades.sign(xml, platform_credential()), created_at=now
            )
    return SubmitResult(document_id=document_id, document=doc, upp=upp)


def _display_name(podmiot: Podmiot) -> str:
    return f"{podmiot.first_name} {podmiot.name}".strip()


# ---------------------------------------------------------------- WS-Doręczyciel


def delivery_order_create(
    *,
    sender: Podmiot,
    addressee_address: str,
    reply_address: str,
    content: bytes,
    file_name: str,
    mime_type: str = "text/xml",
    sender_document_id: str = "",
    case_id: str = "",
    deadline: datetime.datetime | None = None,
    extra_data: bytes = b"",
    trial: bool = False,
    now: datetime.datetime | None = None,
) -> DeliveryOrder | None:
    """WS-Doręczyciel ``dorecz``: only a document with a valid XAdES signature is accepted; notifies the addressee."""
    now = now or timezone.now()
    _check_size(content)
    addressee = box_get(addressee_address)
    if not reply_address:
        raise PlatformError(KOD_BAD_REQUEST, "Brak adresu skrytki na odpowiedzi (AdresOdpowiedzi).")
    reply_box = box_get(reply_address)
    if reply_box.podmiot_id != sender.pk:
        raise PlatformError(KOD_NO_ACCESS, "Skrytka na odpowiedzi nie należy do nadawcy.")
    try:
        xades.verify(content, ca=pki.ca_certificate(pki_dir()))
    except xades.SignatureInvalid as exc:
        raise PlatformError(KOD_NOT_SIGNED, f"Dokument nie jest poprawnie podpisany: {exc.reason}") from exc
    except Exception as exc:  # a document that is not even XML cannot be signed
        raise PlatformError(KOD_NOT_SIGNED, f"Dokument nie jest poprawnie podpisany: {exc}") from exc
    if trial:
        return None
    return DeliveryOrder.objects.create(
        order_id=_new_id(),
        document_id=_new_id(),
        sender=sender,
        addressee_box=addressee,
        reply_box=reply_box,
        sender_document_id=sender_document_id,
        case_id=case_id,
        deadline=deadline,
        content=bytes(content),
        file_name=file_name,
        mime_type=mime_type,
        extra_data=bytes(extra_data),
        notified_at=now,
    )


def _issue_upd(order: DeliveryOrder, *, received_at: datetime.datetime, deemed: bool, now: datetime.datetime) -> None:
    """Build and sign the UPD and put it in the office's reply box (caller holds the row lock)."""
    addressee = order.addressee_box.podmiot
    upd_id = _new_id()
    extra = (
        ("Doręczenie zastępcze: dokument nie został odebrany w terminie 14 dni od powiadomienia.",) if deemed else ()
    )
    xml = upo.build_upd(
        identifier=upd_id,
        issuer_name=order.sender.name,
        issuer_id=order.sender.identifier,
        addressee_name=_display_name(addressee),
        addressee_id=addressee.identifier,
        received_at=timezone.localtime(received_at),
        created_at=timezone.localtime(now),
        case_id=order.case_id,
        document_id=order.sender_document_id or order.document_id,
        extra=extra,
    )
    signed = xades.sign(xml, platform_credential())
    queued = document_enqueue(
        box=order.reply_box,
        content=signed,
        file_name=f"UPD-{order.order_id}.xml",
        mime_type="text/xml",
        sender=addressee,
        sent_at=now,
        sender_system=PLATFORM_SYSTEM,
        extra_data=_dane_dodatkowe(
            RodzajDokumentu="UPD",
            IdentyfikatorZlecenia=order.order_id,
            IdentyfikatorSprawy=order.case_id,
            IdentyfikatorDokumentuNadawcy=order.sender_document_id,
            IdentyfikatorDokumentu=order.document_id,
        ),
    )
    order.upd_id = upd_id
    order.upd = signed
    order.upd_document = queued


def _reminder_due(order: DeliveryOrder) -> datetime.datetime:
    return order.notified_at + REMINDER_AFTER


def _deem_due(order: DeliveryOrder) -> datetime.datetime:
    return order.notified_at + DEEMED_AFTER


def _advance(order: DeliveryOrder, now: datetime.datetime) -> bool:
    """Record the reminder and the deemed delivery whose moment has passed (order locked, status awaiting)."""
    changed = False
    if order.reminder_at is None and _reminder_due(order) <= now:
        order.reminder_at = _reminder_due(order)
        changed = True
    if _deem_due(order) <= now:
        order.status = DeliveryOrder.Status.DEEMED_DELIVERED
        order.deemed_at = _deem_due(order)
        _issue_upd(order, received_at=order.deemed_at, deemed=True, now=now)
        changed = True
    return changed


def delivery_open(order: DeliveryOrder, when: datetime.datetime | None = None) -> DeliveryOrder:
    """The addressee opens the letter: the UPD (signed by the platform) goes to the office's reply box. Idempotent."""
    when = when or timezone.now()
    with transaction.atomic():
        order = (
            DeliveryOrder.objects.select_for_update()
            .select_related("sender", "addressee_box__podmiot", "reply_box")
            .get(pk=order.pk)
        )
        if order.status == DeliveryOrder.Status.AWAITING:
            _advance(order, when)  # opening after day 14 comes after the deemed delivery
        if order.status == DeliveryOrder.Status.AWAITING:
            order.status = DeliveryOrder.Status.OPENED
            order.opened_at = when
            _issue_upd(order, received_at=when, deemed=False, now=when)
        elif order.opened_at is None:
            order.opened_at = when
        order.save()
    return order


def deliveries_deem_due(now: datetime.datetime | None = None) -> int:
    """Periodic: record 7-day reminders and deem delivered the letters not opened within 14 days. Idempotent."""
    now = now or timezone.now()
    deemed = 0
    candidates = DeliveryOrder.objects.filter(
        status=DeliveryOrder.Status.AWAITING, notified_at__lte=now - REMINDER_AFTER
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            order = (
                DeliveryOrder.objects.select_for_update()
                .select_related("sender", "addressee_box__podmiot", "reply_box")
                .filter(pk=pk, status=DeliveryOrder.Status.AWAITING)
                .first()
            )
            if order is None:
                continue
            if _advance(order, now):
                order.save()
                deemed += order.status == DeliveryOrder.Status.DEEMED_DELIVERED
    return deemed


def deliveries_for_box(box: Box):
    """The resident's inbox: letters delivered to the box, newest first."""
    return DeliveryOrder.objects.filter(addressee_box=box).select_related("sender").order_by("-notified_at", "-id")


# ---------------------------------------------------------------- setup


RESIDENT_BOX = "domyslna"


def platform_setup(*, residents: int = 3) -> dict[str, Podmiot]:
    """Create the office's podmiot with its boxes (UPP mode) and registered system certificate, and the test
    residents' accounts with their default boxes and certificates. Idempotent."""
    creds = pki.ensure_test_pki(pki_dir(), residents=residents)
    office_id = settings.EPUAP_PODMIOT
    created: dict[str, Podmiot] = {}
    with transaction.atomic():
        office = podmiot_ensure(identifier=office_id, name=settings.EPUAP_OFFICE_NAME, typ_osoby="P")
        for address in settings.EPUAP_BOXES:
            parts = address.strip("/").split("/")
            if len(parts) == 2 and parts[0] == office_id:
                box_ensure(podmiot=office, name=parts[1], upp_mode=True)
        certificate_register(podmiot=office, cert=creds[settings.EPUAP_OFFICE_CREDENTIAL].certificate)
        created[office_id] = office
        for index, name in enumerate(pki.resident_names(residents), start=1):
            ident = pki.resident_identity(index)
            resident = podmiot_ensure(
                identifier=name,
                name=ident["surname"],
                typ_osoby="F",
                first_name=ident["first_name"],
                pesel=ident["pesel"],
                consent=True,
            )
            box_ensure(podmiot=resident, name=RESIDENT_BOX, upp_mode=False)
            certificate_register(podmiot=resident, cert=creds[name].certificate)
            created[name] = resident
    return created


# ---------------------------------------------------------------- the resident's side (web UI of the platform)

NS_PPZP = "http://crd.gov.pl/xml/schematy/ppzp/"
NS_OSO_2009_03 = "http://crd.gov.pl/xml/schematy/osoba/2009/03/06/"


def office_box_address() -> str:
    """The office's box the resident's forms go to (the first configured box of the office's podmiot)."""
    for address in settings.EPUAP_BOXES:
        if address.strip("/").split("/")[0] == settings.EPUAP_PODMIOT:
            return address
    return box_address(settings.EPUAP_PODMIOT, "skrytka")


def resident_box(resident: Podmiot) -> Box:
    return Box.objects.get(podmiot=resident, name=RESIDENT_BOX)


def podpis_zp_xml(*, first_name: str, surname: str, pesel: str, account: str) -> bytes:
    """Old-style profil zaufany signer data (``ppZP:PodpisZP``) for ``xades:ClaimedRole``."""
    root = etree.Element(f"{{{NS_PPZP}}}PodpisZP", nsmap={"ppZP": NS_PPZP, "os": NS_OSO_2009_03})
    osoba = etree.SubElement(etree.SubElement(root, f"{{{NS_PPZP}}}DaneZP"), f"{{{NS_PPZP}}}DaneZPOsobyFizycznej")
    etree.SubElement(osoba, f"{{{NS_OSO_2009_03}}}Nazwisko", rodzajCzlonu="pierwszy").text = surname
    etree.SubElement(osoba, f"{{{NS_OSO_2009_03}}}Imie").text = first_name
    etree.SubElement(osoba, f"{{{NS_OSO_2009_03}}}PESEL").text = pesel
    etree.SubElement(osoba, f"{{{NS_PPZP}}}IdKontaUzytkownikaEpuap").text = account
    return etree.tostring(root, encoding="UTF-8")


def resident_document_send(
    *,
    resident: Podmiot,
    document: bytes,
    file_name: str,
    first_name: str,
    surname: str,
    pesel: str,
    now: datetime.datetime | None = None,
) -> SubmitResult:
    """Sign the resident's CRD document (XAdES-BES with the resident's test credential and PodpisZP data as the
    claimed role) and submit it to the office's box the way WS-Skrytka ``nadaj`` does; returns the UPP."""
    credential = pki.load_credential(resident.identifier, directory=pki_dir())
    claimed = podpis_zp_xml(first_name=first_name, surname=surname, pesel=pesel, account=resident.identifier)
    signed = xades.sign(document, credential, claimed_role_xml=claimed)
    return document_submit(
        sender=resident,
        box_address=office_box_address(),
        content=signed,
        file_name=file_name,
        mime_type="text/xml",
        reply_address=resident_box(resident).address,
        sender_user=resident.identifier,
        now=now,
    )


def resident_sent_documents(resident: Podmiot):
    """Documents the resident sent (not the UPDs the platform files on the resident's behalf), newest first."""
    return (
        QueuedDocument.objects.filter(sender_identifier=resident.identifier)
        .exclude(sender_system=PLATFORM_SYSTEM)
        .select_related("box", "upp")
        .order_by("-sent_at", "-id")
    )
