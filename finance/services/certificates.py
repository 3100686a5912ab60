"""Certificates of no arrears / of the state of arrears (zaświadczenie o niezaleganiu, OP art. 306a–306n).

``certificate_request`` opens a case in EZD (JRWA 3123, procedure ``certificate``: the 7-day deadline comes from the
documents deadline rules and is stored), numbers the certificate ``ZS/<year>/<nnnnnn>`` (``next_number``) and fixes
the stamp duty (FinanceParameter ``certificate_stamp_duty`` on the request date) unless exempt (basis required).
``certificate_fee_paid`` records the proof of payment (or the cash desk does it with a STAMP_DUTY receipt).
``certificate_issue`` refuses while the duty is neither paid nor exempt, states every account of the party (as
obligor or co-obligor, all receivable types) as of ``as_of``: principal past due, interest to that date, reminder
costs — outcome NO_ARREARS or ARREARS with one row per account (receivable type and year) — gives it a random
verification code, renders the PDF and hands it to EZD as an outgoing document in the case.
``certificate_refuse`` (postanowienie o odmowie) keeps the reason. Refusals write nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.models import Party
from core.pdf import render_pdf
from core.services.audit import audit_log
from documents.models import JrwaClass
from documents.models.outgoing import DocumentKind
from documents.services.cases import case_open
from documents.services.numbering import next_number
from documents.services.outgoing import outgoing_create
from finance import selectors
from finance.domain.rounding import ZERO
from finance.models import Certificate

PERM = "finance.issue_certificates"
JRWA_SYMBOL = "3123"
PROCEDURE = "certificate"
# No 0/O, 1/I/L: a code read aloud or typed from paper is not mistaken.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
S = Certificate.Status


def _require(actor) -> None:
    if not (actor and getattr(actor, "is_active", False) and actor.has_perm(PERM)):
        raise ApplicationError(_("You may not issue certificates."), code="forbidden")


def _party(party) -> Party:
    if isinstance(party, Party):
        return party
    found = None
    try:
        found = Party.objects.filter(pk=int(party)).first() if party not in (None, "") else None
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise ServiceValidationError(_("Unknown party."), errors={"party": [_("Unknown party.")]})
    return found


def new_verification_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
        if not Certificate.objects.filter(verification_code=code).exists():
            return code


def normalise_code(code: str) -> str | None:
    code = (code or "").strip().upper().replace("-", "").replace(" ", "")
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def verification_url(code: str) -> str:
    """The full URL when settings.MAGISTRAT_PUBLIC_URL is set, else the path."""
    base = getattr(settings, "MAGISTRAT_PUBLIC_URL", "").rstrip("/")
    return f"{base}{reverse('finance:certificate-verify')}?code={code}"


def _jrwa() -> JrwaClass:
    jrwa = JrwaClass.objects.filter(version__is_current=True, symbol=JRWA_SYMBOL).first()
    if jrwa is None:
        raise ApplicationError(
            _("The JRWA class %(symbol)s is missing from the current list.") % {"symbol": JRWA_SYMBOL},
            code="no_jrwa_class",
        )
    return jrwa


def certificate_request(
    *, actor, party, as_of=None, purpose: str = "", fee_exempt: bool = False, fee_exemption_basis: str = "",
    incoming_entry=None,
) -> Certificate:  # fmt: skip
    _require(actor)
    party = _party(party)
    today = timezone.localdate()
    as_of = as_of or today
    errors: dict[str, list[str]] = {}
    if as_of > today:
        errors["as_of"] = [_("The date of the state cannot be in the future.")]
    fee_exemption_basis = (fee_exemption_basis or "").strip()
    if fee_exempt and not fee_exemption_basis:
        errors["fee_exemption_basis"] = [_("Give the basis of the exemption from the stamp duty.")]
    if actor.org_unit_id is None:
        errors["unit"] = [_("You are not assigned to an organisational unit.")]
    if errors:
        raise ServiceValidationError(_("Correct the request."), errors=errors)
    try:
        fee = ZERO if fee_exempt else selectors.parameter("certificate_stamp_duty", today)
    except LookupError:
        raise ApplicationError(
            _("No stamp duty for certificates is in force on %(day)s; the administrator must set the finance "
              "parameter certificate_stamp_duty.") % {"day": f"{today:%d.%m.%Y}"},
            code="no_stamp_duty",
        ) from None  # fmt: skip
    with transaction.atomic():
        case = case_open(
            actor=actor, unit=actor.org_unit, jrwa=_jrwa(), entry=incoming_entry, parties=[party],
            procedure=PROCEDURE,
            title=(_("Certificate of arrears for %(party)s") % {"party": party.display_name})[:500],
        )  # fmt: skip
        number = next_number(f"certificate:{today.year}")
        certificate = Certificate.objects.create(
            number=f"ZS/{today.year}/{number:06d}", party=party, requested_on=today, as_of=as_of,
            purpose=(purpose or "")[:300], fee_amount=fee, fee_exempt=bool(fee_exempt),
            fee_exemption_basis=fee_exemption_basis[:300] if fee_exempt else "", case=case,
            deadline=case.due_date or today, created_by=_user(actor),
        )  # fmt: skip
        audit_log(
            actor=actor, action="finance.certificate.requested", obj=certificate,
            details={
                "number": certificate.number, "party": party.pk, "as_of": as_of.isoformat(), "case": case.mark,
                "fee": str(fee), "fee_exempt": bool(fee_exempt), "deadline": certificate.deadline.isoformat(),
            },
        )  # fmt: skip
    return certificate


def access_certificate(*, user, certificate_id: int, purpose: str, issued_only: bool = False) -> Certificate:
    """One certificate for a user holding ``finance.issue_certificates``; the read of the party's arrears is logged
    with its purpose ("detail", "pdf"). ``issued_only``: only an issued certificate (the PDF exists)."""
    if not (user and user.is_authenticated and user.has_perm(PERM)):
        raise NotFoundOrForbidden(_("Not found."))
    queryset = Certificate.objects.select_related("party", "case", "document")
    if issued_only:
        queryset = queryset.filter(status=S.ISSUED)
    certificate = queryset.filter(pk=certificate_id).first()
    if certificate is None:
        raise NotFoundOrForbidden(_("Not found."))
    audit_log(actor=user, action="finance.certificate.viewed", obj=certificate, details={"purpose": purpose})
    return certificate


def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().get(pk=certificate.pk)


def _check_requested(certificate: Certificate) -> None:
    if certificate.status != S.REQUESTED:
        raise ApplicationError(_("The certificate has already been decided."), code="invalid_state")


def _refresh(target: Certificate, source: Certificate) -> None:
    for f in Certificate._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


def certificate_fee_paid(*, actor, certificate: Certificate, paid_on: datetime.date, reference: str) -> Certificate:
    """The stamp duty was paid (to the bank account of the office): the date and the proof are recorded."""
    _require(actor)
    reference = (reference or "").strip()
    errors: dict[str, list[str]] = {}
    if not reference:
        errors["reference"] = [_("Give the proof of payment.")]
    if paid_on is None or paid_on > timezone.localdate():
        errors["paid_on"] = [_("The payment date cannot be in the future.")]
    if errors:
        raise ServiceValidationError(_("Correct the payment of the stamp duty."), errors=errors)
    with transaction.atomic():
        locked = _locked(certificate)
        mark_fee_paid(certificate=locked, paid_on=paid_on, reference=reference)
        audit_log(
            actor=actor, action="finance.certificate.fee_paid", obj=locked,
            details={"paid_on": paid_on.isoformat(), "reference": reference[:200], "amount": str(locked.fee_amount)},
        )  # fmt: skip
    _refresh(certificate, locked)
    return locked


def mark_fee_paid(*, certificate: Certificate, paid_on: datetime.date, reference: str) -> None:
    """Record the payment on a locked certificate (also called by the cash desk inside its transaction)."""
    _check_requested(certificate)
    if certificate.fee_exempt:
        raise ApplicationError(_("The certificate is exempt from the stamp duty."), code="fee_exempt")
    if certificate.fee_paid_on is not None:
        raise ApplicationError(_("The stamp duty has already been paid."), code="fee_paid")
    certificate.fee_paid_on = paid_on
    certificate.fee_reference = reference[:200]
    certificate.save(update_fields=["fee_paid_on", "fee_reference"])


def arrears_rows(party: Party, *, as_of: datetime.date) -> tuple[list[dict], object]:
    """Rows (one per obligor account with something past due) and the total: principal past due, interest to
    ``as_of``, reminder costs. Amounts as strings (stored in JSON)."""
    rows, total = [], ZERO
    for account, b in selectors.party_balances(party, as_of=as_of):
        interest = b.interest if b.arrears > 0 else ZERO
        row_total = b.arrears + interest + b.costs
        if row_total <= 0:
            continue
        rows.append({
            "account": account.pk, "receivable_type": account.receivable_type.code,
            "receivable_name": account.receivable_type.name, "year": account.year,
            "co_obligor": account.party_id != party.pk, "principal": str(b.arrears), "interest": str(interest),
            "costs": str(b.costs), "total": str(row_total),
        })  # fmt: skip
        total += row_total
    return rows, total


def certificate_pdf_html(certificate: Certificate) -> str:
    return render_to_string(
        "finance/certificates/certificate_pdf.html",
        {
            "certificate": certificate, "party": certificate.party, "rows": certificate.rows,
            "verification_url": verification_url(certificate.verification_code),
            "office_place": getattr(settings, "MAGISTRAT_OFFICE_PLACE", ""),
        },
    )  # fmt: skip


def certificate_issue(*, actor, certificate: Certificate) -> Certificate:
    _require(actor)
    with transaction.atomic():
        locked = _locked(certificate)
        _check_requested(locked)
        if not locked.fee_exempt and locked.fee_paid_on is None:
            raise ApplicationError(
                _("The stamp duty has not been paid and the request is not exempt from it."), code="fee_unpaid"
            )
        party = locked.party
        rows, total = arrears_rows(party, as_of=locked.as_of)
        locked.rows = rows
        locked.total_arrears = total
        locked.outcome = Certificate.Outcome.ARREARS if total > 0 else Certificate.Outcome.NO_ARREARS
        locked.verification_code = new_verification_code()
        locked.issued_on = timezone.localdate()
        locked.status = S.ISSUED
        locked.decided_by = _user(actor)
        pdf = render_pdf(certificate_pdf_html(locked))
        locked.pdf = pdf
        locked.sha256 = hashlib.sha256(pdf).hexdigest()
        locked.document = outgoing_create(
            case=locked.case, document=pdf, file_name=f"zaswiadczenie-{locked.number.replace('/', '-')}.pdf",
            mime="application/pdf", title=(_("Certificate %(number)s") % {"number": locked.number})[:500],
            kind=DocumentKind.CERTIFICATE, recipients=[party], source_app="finance",
            source_ref=f"certificate:{locked.pk}", actor=actor,
        )  # fmt: skip
        locked.save()
        audit_log(
            actor=actor, action="finance.certificate.issued", obj=locked,
            details={
                "number": locked.number, "outcome": locked.outcome, "total": str(total), "as_of": str(locked.as_of),
                "document": locked.document_id, "sha256": locked.sha256,
            },
        )  # fmt: skip
    _refresh(certificate, locked)
    return locked


def certificate_refuse(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """Refusal to issue (postanowienie, OP art. 306g): the reason is kept."""
    _require(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceValidationError(
            _("Give the reason of the refusal."), errors={"reason": [_("Give the reason of the refusal.")]}
        )
    with transaction.atomic():
        locked = _locked(certificate)
        _check_requested(locked)
        locked.status = S.REFUSED
        locked.refusal_reason = reason
        locked.decided_by = _user(actor)
        locked.save(update_fields=["status", "refusal_reason", "decided_by"])
        audit_log(actor=actor, action="finance.certificate.refused", obj=locked, details={"reason": reason[:500]})
    _refresh(certificate, locked)
    return locked


def initials(party: Party) -> str:
    if party.kind == Party.Kind.PERSON:
        parts = [*party.first_names.split()[:1], *party.surname.split("-")]
    else:
        parts = party.name.split()
    return " ".join(f"{p[0].upper()}." for p in parts if p)


def certificate_verify(*, code: str) -> dict | None:
    """Public: the number, issue date, outcome and the party's initials of an issued certificate — no amounts."""
    code = normalise_code(code)
    if code is None:
        return None
    found = Certificate.objects.select_related("party").filter(verification_code=code, status=S.ISSUED).first()
    if found is None:
        return None
    return {
        "number": found.number, "issued_on": found.issued_on, "outcome": found.outcome,
        "outcome_display": found.get_outcome_display(), "party_initials": initials(found.party),
    }  # fmt: skip
