"""Signing outgoing documents for the office.

* :func:`document_sign` — an electronic seal: the XML of the latest version is XAdES-signed (enveloped, the
  office credential ``settings.EPUAP_OFFICE_CREDENTIAL`` from ``epuap.pki``, as the epuap adapter signs) and the
  result is verified against the office CA before it is stored in ``signed_xml``.
* :func:`document_mark_signed_on_paper` — the printed PDF was signed by hand.

Who and when: the signer holds ``documents.sign_document`` and can see the document. The document must be
``approved``; a draft (or a returned document) may be signed without an approval path only by a head of the
case's unit (a supervisor of it: he is the one who would approve it anyway). After signing no version can be
added (``draft_update`` refuses outside draft/returned). PAdES (a signature inside the PDF) is not produced.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotFoundOrForbidden
from documents.domain import approval as rules
from documents.models import OutgoingDocument
from documents.selectors import can_supervise, documents_visible_to
from documents.services.outgoing import document_transition, latest_version
from epuap import pki, xades


def _check_signer(actor, document: OutgoingDocument) -> None:
    if not (actor and actor.is_authenticated and actor.is_active and actor.has_perm("documents.sign_document")):
        raise NotFoundOrForbidden("not found")
    if not documents_visible_to(actor).filter(pk=document.pk).exists():
        raise NotFoundOrForbidden("not found")
    if document.status == rules.APPROVED:
        return
    if document.status in rules.EDITABLE and can_supervise(actor, document.case.unit_id):
        return
    if document.status in rules.EDITABLE:
        raise ApplicationError(
            _("The document must be approved first (only the head of the unit may sign a draft directly)."),
            code="not_approved",
        )
    raise ApplicationError(_("This document cannot be signed now."), code="transition_refused")


def can_sign(user, document: OutgoingDocument) -> bool:
    try:
        _check_signer(user, document)
    except ApplicationError:
        return False
    return True


def _credential():
    try:
        return pki.load_credential(settings.EPUAP_OFFICE_CREDENTIAL), pki.ca_certificate()
    except FileNotFoundError:
        raise ApplicationError(
            _("The office certificate is not available; the administrator must install it."), code="no_credential"
        ) from None


def document_sign(*, actor, document: OutgoingDocument) -> OutgoingDocument:
    """XAdES-sign the latest version's XML with the office credential; the verified result goes to ``signed_xml``."""
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().select_related("case").get(pk=document.pk)
        _check_signer(actor, locked)
        version = latest_version(locked)
        if version is None or not version.xml:
            raise ApplicationError(_("The document has no XML version to sign."), code="no_xml")
        xml = bytes(version.xml)
        if xades.is_signed(xml):
            raise ApplicationError(_("The XML of this document is already signed."), code="already_signed")
        credential, ca = _credential()
        signed = xades.sign(xml, credential)
        try:
            result = xades.verify(signed, ca=ca)
        except xades.SignatureInvalid as exc:  # never stored: a signature that does not verify is not a signature
            raise ApplicationError(
                _("The signature could not be verified: %(reason)s") % {"reason": exc.reason}, code="signature_invalid"
            ) from None
        now = timezone.now()
        document_transition(
            actor=actor,
            document=locked,
            to=rules.SIGNED,
            fields={
                "signature_kind": OutgoingDocument.SignatureKind.XADES,
                "signed_by": actor,
                "signed_at": now,
                "signed_xml": signed,
            },
            details={
                "signature": "xades",
                "version": version.number,
                "certificate": result.signer.subject.rfc4514_string(),
                "sha256": hashlib.sha256(signed).hexdigest(),
            },
        )
    document.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def document_mark_signed_on_paper(*, actor, document: OutgoingDocument) -> OutgoingDocument:
    """Record that the printed latest version was signed by hand (by ``actor``)."""
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().select_related("case").get(pk=document.pk)
        _check_signer(actor, locked)
        version = latest_version(locked)
        document_transition(
            actor=actor,
            document=locked,
            to=rules.SIGNED,
            fields={
                "signature_kind": OutgoingDocument.SignatureKind.PAPER,
                "signed_by": actor,
                "signed_at": timezone.now(),
            },
            details={"signature": "paper", "version": version.number if version else None},
        )
    document.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def signature_check(document: OutgoingDocument) -> tuple[bool, str]:
    """(valid, reason) of the stored XAdES signature, verified against the office CA."""
    if not document.signed_xml:
        return False, "no signature"
    try:
        ca = pki.ca_certificate()
    except FileNotFoundError:
        ca = None
    try:
        xades.verify(bytes(document.signed_xml), ca=ca)
    except xades.SignatureInvalid as exc:
        return False, exc.reason
    return True, ""
