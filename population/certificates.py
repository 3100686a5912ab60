"""Certificates (zaświadczenia o zameldowaniu) and disclosures of data (udostępnianie danych) from the register.

Services (write, audited, own their transaction):

- ``certificate_issue`` — a current or historical certificate of registration as a PDF (WeasyPrint) with the
  office's header, a number per year, a case mark placeholder, the stamp duty and a verification code;
- ``data_disclosure_record`` — data given (or refused) to an authorised requester, with the legal basis.

Reads: ``access_certificate_by_id`` (permission population.view_certificate, logged), ``certificate_verify``
(public: masked data only) and the look-ups the screens need (a party or residents by identifier).
See docs/population-certificates.md.
"""

import datetime
import hashlib
import re
import secrets
import zlib
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.actors import require_perm_or_not_found as _require
from core.domain.identifiers import IdentifierError, validate_pesel
from core.domain.money import format_pln, to_grosze
from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.models import Party
from core.pdf import render_pdf
from core.selectors import fee_amount, party_search
from core.services.audit import audit_log
from population.models import Certificate, DataDisclosure, Registration, Resident
from population.selectors import resident_registrations

CERTIFICATE_FEE_CODE = "stamp_duty_certificate"
DISCLOSURE_FEE_CODE = "population_data_disclosure"
VERIFICATION_CODE_RE = re.compile(r"^[0-9a-f]{12}$")
_NUMBER_LOCK = zlib.crc32(b"population.certificate_number")  # pg_advisory_xact_lock key (+ year)


def _fail(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(_("The data contain errors."), errors={field: [message]})


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


# --- content of a certificate -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateRow:
    """One registration as the certificate states it (the state on ``as_of``)."""

    kind: str  # Registration.Kind value
    kind_label: str
    address: str
    start_date: datetime.date
    planned_end_date: datetime.date | None  # temporary stays
    end_date: datetime.date | None  # only when it ended on or before as_of
    end_reason: str  # label, "" while in force


def certificate_content(*, resident: Resident, kind: str, as_of: datetime.date) -> list[CertificateRow]:
    """The registrations a certificate states.

    current: the registrations in force on ``as_of`` (start_date <= as_of < end_date), permanent first;
    historical: every registration begun on or before ``as_of``, oldest first; one that ended later than
    ``as_of`` is shown as in force (the state on that day).
    """
    rows = []
    for reg in resident_registrations(resident=resident).order_by("start_date", "pk"):
        if reg.start_date > as_of:
            continue
        ended = reg.end_date is not None and reg.end_date <= as_of
        if kind == Certificate.Kind.CURRENT and ended:
            continue
        rows.append(
            CertificateRow(
                kind=reg.kind,
                kind_label=reg.get_kind_display(),
                address=reg.address.one_line,
                start_date=reg.start_date,
                planned_end_date=reg.planned_end_date,
                end_date=reg.end_date if ended else None,
                end_reason=reg.get_end_reason_display() if ended else "",
            )
        )
    if kind == Certificate.Kind.CURRENT:
        rows.sort(key=lambda r: (r.kind != Registration.Kind.PERMANENT, r.start_date))
    return rows


# --- numbering, codes, places ------------------------------------------------------------------------------


def certificate_prefix() -> str:
    """Org unit symbol and JRWA class of certificates, e.g. "SO.5341" (setting POPULATION_CERTIFICATE_PREFIX)."""
    return getattr(settings, "POPULATION_CERTIFICATE_PREFIX", "SO.5341")


def _next_number(year: int) -> str:
    """The next number "<prefix>.<n>.<year>", n counting from 1 in each year (inside the issuing transaction)."""
    prefix = certificate_prefix()
    if connection.vendor == "postgresql":
        # Serialise numbering per year until the transaction ends (SQLite transactions are IMMEDIATE already).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NUMBER_LOCK & 0x7FFFFFFF, year])
    head, tail = f"{prefix}.", f".{year}"
    numbers = Certificate.objects.filter(number__startswith=head, number__endswith=tail).values_list(
        "number", flat=True
    )
    last = 0
    for number in numbers:
        middle = number[len(head) : -len(tail)]
        if middle.isdigit():
            last = max(last, int(middle))
    return f"{prefix}.{last + 1}.{year}"


def _new_verification_code() -> str:
    while True:
        code = secrets.token_hex(6)  # 12 hex digits, 48 random bits
        if not Certificate.objects.filter(verification_code=code).exists():
            return code


def verification_path(code: str) -> str:
    return reverse("population:certificate-verify", args=[code])


def verification_url(code: str) -> str:
    """The full URL when settings.MAGISTRAT_PUBLIC_URL is set (e.g. https://bip.gmina.pl), else the path."""
    base = getattr(settings, "MAGISTRAT_PUBLIC_URL", "").rstrip("/")
    return f"{base}{verification_path(code)}"


def office_place() -> str:
    """The place in "Magistrowo, dd.mm.rrrr": MAGISTRAT_OFFICE_PLACE, else the town of the office's address."""
    place = getattr(settings, "MAGISTRAT_OFFICE_PLACE", "")
    if place:
        return place
    address = getattr(settings, "MAGISTRAT_OFFICE_ADDRESS", "")
    match = re.search(r"\d{2}-\d{3}\s+(.+)$", address)
    return match.group(1).strip() if match else address.split(",")[-1].strip()


# --- rendering ---------------------------------------------------------------------------------------------


def certificate_html(
    *,
    certificate: Certificate,
    rows: list[CertificateRow],
    issue_date: datetime.date | None = None,
    fee_legal_basis: str = "",
) -> str:
    """The HTML given to WeasyPrint (always in Polish: it is an official document of a Polish office)."""
    party = certificate.resident.party
    clerk = certificate.issued_by
    if issue_date is None:
        issue_date = timezone.localdate(certificate.issued_at) if certificate.issued_at else timezone.localdate()
    context = {
        "certificate": certificate,
        "rows": rows,
        "party": party,
        "resident": certificate.resident,
        "office_name": getattr(settings, "MAGISTRAT_OFFICE_NAME", ""),
        "office_address": getattr(settings, "MAGISTRAT_OFFICE_ADDRESS", ""),
        "place": office_place(),
        "issue_date": issue_date,
        "fee": format_pln(certificate.fee_amount),
        "fee_legal_basis": fee_legal_basis,
        "verification_url": verification_url(certificate.verification_code),
        "clerk_name": clerk.get_full_name() or clerk.get_username(),
        "clerk_title": getattr(clerk, "job_title", ""),
        "clerk_unit": clerk.org_unit.name if getattr(clerk, "org_unit_id", None) else "",
    }
    with translation.override("pl"):
        return render_to_string("population/pdf/certificate.html", context)


# --- issuing -----------------------------------------------------------------------------------------------


def certificate_issue(
    *,
    actor,
    resident: Resident,
    kind: str,
    as_of: datetime.date,
    requester: Party | None = None,
    purpose: str = "",
    fee_exemption: str = "",
    today: datetime.date | None = None,
) -> Certificate:
    """Issue a zaświadczenie o zameldowaniu (art. 217 KPA) as a stored PDF.

    The caller has checked population.issue_certificate and obtained ``resident`` through
    ``access_resident_by_id``. A certificate that would certify nothing is refused.
    """
    today = today or timezone.localdate()
    purpose = (purpose or "").strip()
    fee_exemption = (fee_exemption or "").strip()
    if kind not in Certificate.Kind.values:
        raise _fail("kind", _("Unknown kind of certificate."))
    if as_of is None:
        raise _fail("as_of", _("Give the date the certificate states."))
    if as_of > today:
        raise _fail("as_of", _("The date %(date)s is in the future.") % {"date": _fmt(as_of)})
    if len(purpose) > 300:
        raise _fail("purpose", _("At most %(count)d characters.") % {"count": 300})
    if len(fee_exemption) > 300:
        raise _fail("fee_exemption", _("At most %(count)d characters.") % {"count": 300})
    if requester is not None and not isinstance(requester, Party):
        raise _fail("requester", _("The requester must be a party of the register."))

    rows = certificate_content(resident=resident, kind=kind, as_of=as_of)
    if not rows:
        if kind == Certificate.Kind.CURRENT:
            message = _(
                "On %(date)s this person has no registration of stay in force: there is nothing to certify. "
                "A historical certificate can state earlier registrations."
            )
        else:
            message = _("The register holds no registration of stay of this person up to %(date)s.")
        raise _fail("as_of", message % {"date": _fmt(as_of)})

    rate = fee_amount(code=CERTIFICATE_FEE_CODE, on=today)
    amount = Decimal("0.00") if fee_exemption else to_grosze(rate.amount)

    stored_name = ""
    try:
        with transaction.atomic():
            number = _next_number(today.year)
            certificate = Certificate(
                number=number,
                resident=resident,
                kind=kind,
                as_of=as_of,
                requester=requester,
                purpose=purpose,
                case_mark=number,  # placeholder until EZD assigns real case marks
                fee_code=CERTIFICATE_FEE_CODE,
                fee_amount=amount,
                fee_exemption=fee_exemption,
                verification_code=_new_verification_code(),
                issued_by=actor,
            )
            html = certificate_html(
                certificate=certificate, rows=rows, issue_date=today, fee_legal_basis=rate.legal_basis
            )
            pdf = render_pdf(html)
            certificate.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
            file_name = f"zaswiadczenie_{number.replace('.', '-')}_{secrets.token_hex(8)}.pdf"
            certificate.pdf.save(file_name, ContentFile(pdf), save=False)
            stored_name = certificate.pdf.name
            certificate.save()
            audit_log(
                actor=actor,
                action="certificate.issued",
                obj=certificate,
                details={
                    "resident": resident.pk,
                    "kind": kind,
                    "as_of": as_of,
                    "number": number,
                    "requester": requester.pk if requester else None,
                    "purpose": purpose,
                    "fee_amount": amount,
                    "fee_exemption": fee_exemption,
                    "verification_code": certificate.verification_code,
                    "pdf_sha256": certificate.pdf_sha256,
                },
            )
    except BaseException as exc:
        if stored_name:
            Certificate._meta.get_field("pdf").storage.delete(stored_name)
        if isinstance(exc, IntegrityError):
            raise ApplicationError(_("Another certificate was issued at the same moment. Try again.")) from exc
        raise
    return certificate


# --- reads -------------------------------------------------------------------------------------------------


def access_certificate_by_id(*, user, certificate_id: int, purpose: str = "") -> Certificate:
    """A certificate with the person's data (population.view_certificate); the read is logged."""
    _require(user, "population.view_certificate")
    certificate = (
        Certificate.objects.select_related("resident__party", "requester", "issued_by")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None:
        raise NotFoundOrForbidden("not found")
    audit_log(actor=user, action="certificate.viewed", obj=certificate, details={"purpose": purpose} if purpose else {})
    return certificate


def certificates_of(*, resident: Resident) -> QuerySet[Certificate]:
    """The certificates of a resident obtained through access_resident_by_id, newest first."""
    return resident.certificates.select_related("issued_by", "requester").order_by("-issued_at", "-pk")


def _mask_word(word: str) -> str:
    return "-".join(part[:1] + "*" * (len(part) - 1) for part in word.split("-"))


def mask_name(first_names: str, surname: str) -> str:
    """Initials and the surname's first letters: "Jan Maria", "Kowalska-Nowak" → "J. M. K*******-N****"."""
    initials = " ".join(f"{name[0]}." for name in (first_names or "").split() if name)
    masked = " ".join(_mask_word(word) for word in (surname or "").split())
    return f"{initials} {masked}".strip()


@dataclass(frozen=True)
class Verification:
    """What the public verification page may show: never the PESEL, the address or the full name."""

    number: str
    issued_on: datetime.date
    kind: str
    kind_label: str
    as_of: datetime.date
    person: str  # masked


def normalise_verification_code(code: str) -> str | None:
    """The code in its stored form, or None when it cannot be one (wrong length or characters)."""
    code = (code or "").strip().lower().replace("-", "").replace(" ", "")
    return code if VERIFICATION_CODE_RE.match(code) else None


def certificate_verify(*, code: str) -> Verification | None:
    """Public check of a verification code. None when no certificate has it."""
    code = normalise_verification_code(code)
    if code is None:
        return None
    certificate = Certificate.objects.select_related("resident__party").filter(verification_code=code).first()
    if certificate is None:
        return None
    party = certificate.resident.party
    return Verification(
        number=certificate.number,
        issued_on=timezone.localdate(certificate.issued_at),
        kind=certificate.kind,
        kind_label=certificate.get_kind_display(),
        as_of=certificate.as_of,
        person=mask_name(party.first_names, party.surname),
    )


def party_by_identifier(*, user, identifier: str, field: str = "requester") -> Party:
    """The party with exactly this PESEL, NIP or REGON (core.view_party), for choosing a requester."""
    digits = re.sub(r"[\s-]", "", identifier or "").upper().removeprefix("PL")
    if not digits.isdigit() or len(digits) not in (9, 10, 11, 14):
        raise _fail(field, _("Give the requester's PESEL (11 digits), NIP (10) or REGON (9 or 14)."))
    match = [
        p for p in party_search(user=user, query=digits)[:20] if digits in (p.pesel or "", p.nip or "", p.regon or "")
    ]
    if not match:
        raise _fail(
            field,
            _("No party with the identifier %(id)s in the party register: register the requester first.")
            % {"id": digits},
        )
    return match[0]


def disclosure_residents_by_pesel(*, user, pesels: str, field: str = "residents") -> list[Resident]:
    """Residents named by PESELs (separated by spaces, commas, semicolons or new lines), in the given order.

    Needs population.disclose_data; every wrong or unknown PESEL is reported, nothing is returned partially.
    """
    _require(user, "population.disclose_data")
    tokens = [t for t in re.split(r"[\s,;]+", pesels or "") if t]
    if not tokens:
        raise _fail(field, _("Give the PESEL of at least one person."))
    errors, numbers = [], []
    for token in tokens:
        try:
            number = validate_pesel(token).number
        except IdentifierError as exc:
            errors.append(f"{token}: {exc.message}")
            continue
        if number not in numbers:
            numbers.append(number)
    found = {r.party.pesel: r for r in Resident.objects.select_related("party").filter(party__pesel__in=numbers)}
    errors += [
        _("%(pesel)s: no such person in the residents register.") % {"pesel": n} for n in numbers if n not in found
    ]
    if errors:
        raise ServiceValidationError(_("The data contain errors."), errors={field: errors})
    return [found[n] for n in numbers]


# --- disclosure of data ------------------------------------------------------------------------------------


def data_disclosure_record(
    *,
    actor,
    requester: Party | None,
    requester_kind: str,
    legal_basis: str,
    justification: str = "",
    residents: list[Resident],
    scope: str,
    decision: str,
    refusal_reason: str = "",
    today: datetime.date | None = None,
) -> DataDisclosure:
    """Record data given to (or refused to) a requester (art. 46–47 ustawy o ewidencji ludności).

    Rules: a legal basis always; a factual interest needs its justification (and the data subject's consent);
    a refusal (a decision) needs its reason. Fee: the rate per person (population_data_disclosure) × the
    number of persons for a legal or factual interest; public bodies pay nothing; a refusal gives no data
    and costs nothing.
    """
    today = today or timezone.localdate()
    legal_basis = (legal_basis or "").strip()
    justification = (justification or "").strip()
    scope = (scope or "").strip()
    refusal_reason = (refusal_reason or "").strip()
    people = list(dict.fromkeys(residents or []))

    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not isinstance(requester, Party):
        add("requester", _("Choose the requester from the party register."))
    if requester_kind not in DataDisclosure.RequesterKind.values:
        add("requester_kind", _("Choose the kind of requester."))
    if not legal_basis:
        add("legal_basis", _("Give the legal basis of the disclosure."))
    elif len(legal_basis) > 300:
        add("legal_basis", _("At most %(count)d characters.") % {"count": 300})
    if requester_kind == DataDisclosure.RequesterKind.FACTUAL_INTEREST and not justification:
        add("justification", _("A request based on a factual interest must state its justification."))
    if not people:
        add("residents", _("Give the PESEL of at least one person."))
    if not scope:
        add("scope", _("Give the scope of the data."))
    elif len(scope) > 300:
        add("scope", _("At most %(count)d characters.") % {"count": 300})
    if decision not in DataDisclosure.Decision.values:
        add("decision", _("Choose the decision."))
    elif decision == DataDisclosure.Decision.REFUSED and not refusal_reason:
        add("refusal_reason", _("A refusal must give its reason."))
    elif decision == DataDisclosure.Decision.GRANTED and refusal_reason:
        add("refusal_reason", _("A reason is given only for a refusal."))
    if errors:
        raise ServiceValidationError(_("The data contain errors."), errors=errors)

    payable = decision == DataDisclosure.Decision.GRANTED and requester_kind != DataDisclosure.RequesterKind.PUBLIC_BODY
    fee = to_grosze(fee_amount(code=DISCLOSURE_FEE_CODE, on=today).amount * len(people)) if payable else Decimal("0.00")

    with transaction.atomic():
        disclosure = DataDisclosure.objects.create(
            requester=requester,
            requester_kind=requester_kind,
            legal_basis=legal_basis,
            justification=justification,
            scope=scope,
            decision=decision,
            refusal_reason=refusal_reason,
            fee_amount=fee,
            decided_by=actor,
        )
        disclosure.residents.set(people)
        audit_log(
            actor=actor,
            action="data_disclosure.recorded",
            obj=disclosure,
            details={
                "requester": requester.pk,
                "requester_kind": requester_kind,
                "legal_basis": legal_basis,
                "residents": [r.pk for r in people],
                "scope": scope,
                "decision": decision,
                "fee_amount": fee,
            },
        )
    return disclosure


def disclosure_list(*, user) -> QuerySet[DataDisclosure]:
    """Recorded disclosures, newest first (population.disclose_data)."""
    _require(user, "population.disclose_data")
    return DataDisclosure.objects.select_related("requester", "decided_by").order_by("-decided_at", "-pk")


def access_disclosure_by_id(*, user, disclosure_id: int) -> DataDisclosure:
    """One disclosure with the persons concerned (population.disclose_data); the read is logged."""
    _require(user, "population.disclose_data")
    disclosure = DataDisclosure.objects.select_related("requester", "decided_by").filter(pk=disclosure_id).first()
    if disclosure is None:
        raise NotFoundOrForbidden("not found")
    audit_log(actor=user, action="data_disclosure.viewed", obj=disclosure)
    return disclosure
