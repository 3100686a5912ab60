"""UPP / UPD — the official receipts of ePUAP (namespace ``http://crd.gov.pl/xml/schematy/UPO/2008/05/09/``).

UPP (urzędowe poświadczenie przedłożenia) confirms a document was submitted to a box; UPD (poświadczenie
doręczenia) confirms the addressee collected a delivered document. Built unsigned — the issuer signs them with
:func:`epuap.xades.sign`. Attributes ``TypIdentyfikatora`` / ``TypInformacjiUzupelniajacej`` are written
unqualified (as read by the public UPO stylesheet); the parser accepts both forms.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from lxml import etree

from epuap.xmlsafe import parse as safe_parse

NS_UPO = "http://crd.gov.pl/xml/schematy/UPO/2008/05/09/"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
ID_TYPE = "ePUAP"
EXTRA_TYPE = "Informacja"


def _e(parent, local: str, text: str | None = None, **attrs):
    el = etree.SubElement(parent, f"{{{NS_UPO}}}{local}", **attrs)
    if text is not None:
        el.text = str(text)
    return el


def _time(moment: datetime.datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _podmiot(parent, local: str, name: str, identifier: str) -> None:
    el = _e(parent, local)
    _e(el, "Nazwa", name)
    _e(el, "IdentyfikatorPodmiotu", identifier, TypIdentyfikatora=ID_TYPE)


def _extra(parent, extra: Sequence[str]) -> None:
    for item in extra:
        _e(parent, "InformacjaUzupelniajaca", item, TypInformacjiUzupelniajacej=EXTRA_TYPE)


def _root():
    return etree.Element(f"{{{NS_UPO}}}Dokument", nsmap={"pos": NS_UPO, "ds": NS_DS})


def build_upp(
    *,
    identifier: str,
    recipient_name: str,
    recipient_id: str,
    sender_name: str,
    sender_id: str,
    delivered_at: datetime.datetime,
    created_at: datetime.datetime,
    document_id: str,
    extra: Sequence[str] = (),
) -> bytes:
    root = _root()
    upp = _e(root, "UPP")
    _e(upp, "IdentyfikatorPoswiadczenia", identifier)
    _podmiot(upp, "Adresat", recipient_name, recipient_id)
    _podmiot(upp, "Nadawca", sender_name, sender_id)
    _e(upp, "DataDoreczenia", _time(delivered_at))
    _e(upp, "DataWytworzeniaPoswiadczenia", _time(created_at))
    _e(upp, "IdentyfikatorDokumentu", document_id)
    _extra(upp, extra)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_upd(
    *,
    identifier: str,
    issuer_name: str,
    issuer_id: str,
    addressee_name: str,
    addressee_id: str,
    received_at: datetime.datetime,
    created_at: datetime.datetime,
    case_id: str,
    document_id: str,
    extra: Sequence[str] = (),
) -> bytes:
    root = _root()
    upd = _e(root, "UPD")
    _e(upd, "IdentyfikatorPoswiadczenia", identifier)
    _podmiot(upd, "PodmiotWystawiajacyPoswiadczenie", issuer_name, issuer_id)
    _podmiot(upd, "Adresat", addressee_name, addressee_id)
    _e(upd, "DataOdbioru", _time(received_at))
    _e(upd, "DataUtworzeniaPoswiadczenia", _time(created_at))
    _e(upd, "IdentyfikatorSprawy", case_id)
    _e(upd, "IdentyfikatorDokumentu", document_id)
    _extra(upd, extra)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _parse_dt(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def _podmiot_dict(el) -> dict[str, str]:
    if el is None:
        return {"name": "", "id": ""}
    return {
        "name": el.findtext(f"{{{NS_UPO}}}Nazwa", "").strip(),
        "id": el.findtext(f"{{{NS_UPO}}}IdentyfikatorPodmiotu", "").strip(),
    }


def parse_upo(data: bytes) -> dict:
    """The fields of a UPP or UPD: ``{"kind": "UPP"|"UPD", "identifier", ..., "extra": [...], "signed"}``.

    Raises ``ValueError`` for other documents (``XmlRejected`` — a ValueError — for unacceptable XML).
    """
    root = safe_parse(data)
    if root.tag != f"{{{NS_UPO}}}Dokument":
        raise ValueError("not a UPO document")
    body = root.find(f"{{{NS_UPO}}}UPP")
    kind = "UPP"
    if body is None:
        body = root.find(f"{{{NS_UPO}}}UPD")
        kind = "UPD"
    if body is None:
        raise ValueError("the UPO document contains neither UPP nor UPD")

    def t(local: str) -> str:
        return body.findtext(f"{{{NS_UPO}}}{local}", "").strip()

    result: dict = {
        "kind": kind,
        "identifier": t("IdentyfikatorPoswiadczenia"),
        "document_id": t("IdentyfikatorDokumentu"),
        "extra": [" ".join((e.text or "").split()) for e in body.findall(f"{{{NS_UPO}}}InformacjaUzupelniajaca")],
        "signed": root.find(f"{{{NS_DS}}}Signature") is not None,
    }
    if kind == "UPP":
        recipient = _podmiot_dict(body.find(f"{{{NS_UPO}}}Adresat"))
        sender = _podmiot_dict(body.find(f"{{{NS_UPO}}}Nadawca"))
        result.update(
            recipient_name=recipient["name"],
            recipient_id=recipient["id"],
            sender_name=sender["name"],
            sender_id=sender["id"],
            delivered_at=_parse_dt(t("DataDoreczenia")),
            created_at=_parse_dt(t("DataWytworzeniaPoswiadczenia")),
        )
    else:
        issuer = _podmiot_dict(body.find(f"{{{NS_UPO}}}PodmiotWystawiajacyPoswiadczenie"))
        addressee = _podmiot_dict(body.find(f"{{{NS_UPO}}}Adresat"))
        result.update(
            issuer_name=issuer["name"],
            issuer_id=issuer["id"],
            addressee_name=addressee["name"],
            addressee_id=addressee["id"],
            received_at=_parse_dt(t("DataOdbioru")),
            created_at=_parse_dt(t("DataUtworzeniaPoswiadczenia")),
            case_id=t("IdentyfikatorSprawy"),
        )
    return result
