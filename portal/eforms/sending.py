"""Sign the resident's document with the simulated podpis zaufany and send it to the office's ePUAP box; the
platform returns the UPP (urzędowe poświadczenie przedłożenia).

The resident is always the logged-in resident's party (name and PESEL from the party register); the portal never
sends on behalf of anybody else. The resident's ePUAP account on the simulated platform is the test account with the
same PESEL (resident-1… of the test PKI: signed with that resident's own test certificate by the platform's
``resident_document_send``) or, for any other resident, an account the platform opens for the profil zaufany
(identifier ``pz-`` + a digest of the PESEL, no consent to electronic delivery) whose documents carry the podpis
zaufany as the real ePUAP makes it: XAdES-BES by the platform's own certificate with the signer's data
(``ppZP:PodpisZP``: first name, surname, PESEL, account) as the claimed role. Either way the office's adapter checks
the signature against the test CA and reads the sender's PESEL from the platform's metadata.

Only with ``EPUAP_MODE=simulated``: production needs the real ePUAP (the resident signs on epuap.gov.pl).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from epuap import crd, pki, upo, xades
from epuap.platform import resident_auth
from epuap.platform import services as platform
from portal.eforms.documents import FILE_NAMES

#: test residents of the platform's test PKI looked up by PESEL (pki.resident_identity is stable)
TEST_RESIDENTS = 20


@dataclass
class Sent:
    document_id: str
    upp_identifier: str
    upp_created_at: object
    file_name: str


def office_name() -> str:
    """The office as the addressee of the resident's documents."""
    return settings.EPUAP_OFFICE_NAME


def sender_of(party) -> crd.Party:
    """The resident as the sender of a CRD document; refused for a party without PESEL (forms of natural persons)."""
    if not party.pesel or not party.is_person:
        raise ApplicationError(
            _("The e-forms are for natural persons with a PESEL number; your entry in the register has none."),
            code="no_pesel",
        )
    return crd.Party(first_name=party.first_names.strip(), surname=party.surname.strip(), pesel=party.pesel)


def _test_account(pesel: str):
    """The platform's test resident with this PESEL (``resident_auth.TestIdentity``), if the platform has one."""
    for index in range(1, TEST_RESIDENTS + 1):
        if pki.resident_identity(index)["pesel"] == pesel:
            return resident_auth.identity_for(f"resident-{index}")
    return None


def pz_identifier(pesel: str) -> str:
    return "pz-" + hashlib.sha256(f"profil-zaufany:{pesel}".encode()).hexdigest()[:20]


def epuap_account(sender: crd.Party):
    """The resident's account (podmiot) on the simulated ePUAP, opened with a default box when missing."""
    test = _test_account(sender.pesel)
    if test is not None:
        podmiot = platform.podmiot_ensure(  # the existing test account, unchanged
            identifier=test.identifier, name=test.surname, typ_osoby="F", first_name=test.first_name, pesel=test.pesel
        )
    else:
        podmiot = platform.podmiot_ensure(
            identifier=pz_identifier(sender.pesel), name=sender.surname[:300], typ_osoby="F",
            first_name=sender.first_name[:100], pesel=sender.pesel, consent=False,
        )  # fmt: skip
    platform.box_ensure(podmiot=podmiot, name=platform.RESIDENT_BOX, upp_mode=False)
    return podmiot


def _has_credential(identifier: str) -> bool:
    try:
        pki.load_credential(identifier, directory=platform.pki_dir())
    except (FileNotFoundError, ValueError):
        return False
    return True


def sign_and_send(*, actor, party, kind: str, document: bytes):
    """Sign ``document`` (podpis zaufany of the resident ``party``) and submit it to the office's box. Returns
    :class:`Sent` with the UPP; raises ApplicationError when the platform refuses (nothing is recorded then)."""
    if settings.EPUAP_MODE != "simulated":
        raise ApplicationError(
            _("Sending from the portal needs the simulated ePUAP; in production send the form on epuap.gov.pl."),
            code="not_simulated",
        )
    sender = sender_of(party)
    file_name = FILE_NAMES[kind]
    try:
        with transaction.atomic():
            podmiot = epuap_account(sender)
            if _has_credential(podmiot.identifier):
                result = platform.resident_document_send(
                    resident=podmiot, document=document, file_name=file_name, first_name=sender.first_name,
                    surname=sender.surname, pesel=sender.pesel,
                )  # fmt: skip
            else:
                claimed = platform.podpis_zp_xml(
                    first_name=sender.first_name, surname=sender.surname, pesel=sender.pesel,
                    account=podmiot.identifier,
                )  # fmt: skip
                signed = xades.sign(document, platform.platform_credential(), claimed_role_xml=claimed)
                result = platform.document_submit(
                    sender=podmiot, box_address=platform.office_box_address(), content=signed, file_name=file_name,
                    mime_type="text/xml", reply_address=platform.resident_box(podmiot).address,
                    sender_user=podmiot.identifier,
                )  # fmt: skip
            if result.upp is None:
                raise ApplicationError(_("The office's box issued no UPP; the form was not sent."), code="no_upp")
            audit_log(
                actor=actor,
                action="portal.eform.sent",
                obj=party,
                details={
                    "form": kind,
                    "document_id": result.document_id,
                    "upp": result.upp.identifier,
                    "box": platform.office_box_address(),
                    "bytes": len(result.document.content),
                },
            )
    except platform.PlatformError as exc:
        raise ApplicationError(
            _("The ePUAP platform refused the document: %(reason)s") % {"reason": exc.message}, code="platform"
        ) from exc
    except FileNotFoundError:  # no test PKI: manage.py epuap_platform_setup was not run
        raise ApplicationError(
            _("The simulated ePUAP is not set up (no signing certificate); the form was not sent."), code="platform"
        ) from None
    return Sent(
        document_id=result.document_id,
        upp_identifier=result.upp.identifier,
        upp_created_at=result.upp.created_at,
        file_name=file_name,
    )


def upp_summary(content: bytes) -> dict:
    """The UPP's fields for the page (identifier, document id, extra information)."""
    try:
        return upo.parse_upo(bytes(content))
    except ValueError:
        return {}
