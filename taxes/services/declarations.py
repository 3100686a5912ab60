"""Declarations and information (IN-1, DN-1, IR-1, DR-1, IL-1, DL-1, DT-1): recording (a clerk's form or an ePUAP /
e-Doręczenia form registered in EZD), the proposed change of the register, accepting it (through
taxes.services.register, all or nothing) and rejecting it.

The proposal (``Declaration.proposal``) is a JSON list of register operations, the same shapes as the arguments
of the register services (dates ISO, decimals as strings, categories by code, parties by id)::

    {"op": "object_create", "kind", "precinct", "parcel", "identifier", "description",
     "version": {"valid_from": "2025-07-01", "category": "land_other", "area": "800.0000", ...},
     "liabilities": [{"party": 12 | null, "new_party": {"pesel", "nip", "first_name", "surname", "name"},
                      "role": "co_owner", "share_numerator": 1, "share_denominator": 2, "valid_from": "2025-07-01"}]}
    {"op": "object_version_add", "object": 7, "valid_from": "2025-07-01", "category": ..., "area": ...}
    {"op": "object_end", "object": 7, "valid_to": "2025-06-30"}
    {"op": "liability_add", "object": 7, "party": 12 | null, "new_party": {...}, "role", "share_numerator",
     "share_denominator", "valid_from"}
    {"op": "liability_end", "liability": 31, "valid_to": "2025-06-30"}

``new_party`` (a co-owner not yet in the party register) is matched or created (pending review) on acceptance.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import Party
from core.selectors import holidays_between
from core.services.audit import audit_log
from taxes.domain import forms as F
from taxes.models import Declaration, ExemptionReason, Liability, RateCategory, TaxObject

MANAGE = "taxes.manage_register"
OPS = ("object_create", "object_version_add", "object_end", "liability_add", "liability_end")
JRWA_TAXES = "3120"


def _require(actor) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(MANAGE):
        raise ApplicationError(_("You may not maintain the tax register."), code="forbidden")


def _categories() -> dict[str, F.CategoryInfo]:
    return {
        code: F.CategoryInfo(code, tax, unit)
        for code, tax, unit in RateCategory.objects.values_list("code", "tax", "unit")
    }


def _exemptions() -> dict[str, str]:
    """ExemptionReason code → tax (the exemption codes a form may name)."""
    return dict(ExemptionReason.objects.values_list("code", "tax"))


def filing_deadline(*, form: str, year: int, event_date: datetime.date | None) -> datetime.date | None:
    """:func:`taxes.domain.forms.filing_deadline` with the public holidays of the reference data."""
    start = min(d for d in (datetime.date(year, 1, 1), event_date) if d is not None)
    end = max(d for d in (datetime.date(year, 3, 1), event_date) if d is not None) + datetime.timedelta(days=45)
    return F.filing_deadline(form=form, year=year, event_date=event_date, holidays=holidays_between(start, end))


def party_by_identifiers(data: Mapping) -> Party | None:
    """The party with the PESEL (first) or the NIP of ``data`` (a form's payer / taxpayer), or None."""
    pesel, nip = (data.get("pesel") or "").strip(), (data.get("nip") or "").strip()
    if pesel:
        found = Party.objects.filter(pesel=pesel).order_by("pk").first()
        if found:
            return found
    if nip:
        return Party.objects.filter(nip=nip).order_by("pk").first()
    return None


def _share(text) -> tuple[int, int]:
    share = F.parse_share(text) or 1
    return share.numerator, share.denominator


def _find_object(obj: Mapping) -> TaxObject | None:
    qs = TaxObject.objects.filter(kind=obj["kind"])
    if obj["kind"] == "vehicle":
        qs = qs.filter(identifier__iexact=(obj.get("identifier") or "").strip())
    else:
        qs = qs.filter(precinct=(obj.get("precinct") or "").strip(), parcel=(obj.get("parcel") or "").strip())
        if obj.get("identifier"):
            qs = qs.filter(identifier=obj["identifier"].strip())
    return qs.order_by("pk").first()


def build_proposal(
    *, form: str, party: Party, year: int, event_date: datetime.date | None, payload: Mapping
) -> tuple[list[dict], list[F.Problem]]:
    """The register operations a (valid) payload proposes, and warnings for what the clerk must look at."""
    valid_from, valid_to = F.obligation_dates(year=year, event_date=event_date)
    warnings: list[F.Problem] = []
    taxpayer = payload.get("taxpayer") or {}
    num, den = _share(taxpayer.get("share"))
    role = taxpayer.get("role") or "owner"
    if role == "owner" and num != den:
        role = "co_owner"
    holders = [{"party": party.pk, "role": role, "share_numerator": num, "share_denominator": den,
                "valid_from": valid_from.isoformat()}]  # fmt: skip
    for co_owner in payload.get("co_owners") or []:
        cnum, cden = _share(co_owner.get("share"))
        found = party_by_identifiers(co_owner)
        holder = {"party": found.pk if found else None, "role": "co_owner", "share_numerator": cnum,
                  "share_denominator": cden, "valid_from": valid_from.isoformat()}  # fmt: skip
        if found is None:
            holder["new_party"] = {k: co_owner.get(k) or "" for k in ("pesel", "nip", "first_name", "surname", "name")}
            warnings.append(F.Problem("new_party", _("Co-owner %(who)s is not in the party register; accepting adds "
                                                     "the party for review.") % {
                "who": " ".join(p for p in (co_owner.get("first_name"), co_owner.get("surname"), co_owner.get("pesel"))
                                if p)}, "warning"))  # fmt: skip
        holders.append(holder)
    operations: list[dict] = []
    for index, obj in enumerate(payload.get("objects") or [], start=1):
        existing = _find_object(obj)
        if obj.get("event") == "disposed":
            liability = None
            if existing is not None:
                liability = (
                    Liability.objects.filter(object=existing, party=party, valid_to__isnull=True).order_by("pk").first()
                )
            if liability is None:
                warnings.append(F.Problem("not_in_register", _("%(object)s: the sold object is not in the register "
                                                               "as the taxpayer's.") % {
                    "object": F._label(index, obj)}, "warning", index))  # fmt: skip
                continue
            operations.append({"op": "liability_end", "liability": liability.pk, "valid_to": valid_to.isoformat()})
            continue
        version = F.version_fields(obj)
        if existing is None:
            operations.append({
                "op": "object_create", "kind": obj["kind"], "precinct": (obj.get("precinct") or "").strip(),
                "parcel": (obj.get("parcel") or "").strip(), "identifier": (obj.get("identifier") or "").strip(),
                "description": obj.get("description") or "",
                "version": {"valid_from": valid_from.isoformat(), **version},
                "liabilities": [dict(h) for h in holders],
            })  # fmt: skip
            continue
        warnings.append(F.Problem("in_register", _("%(object)s is already in the register (no. %(id)s): the "
                                                   "proposal adds a version and the taxpayers.") % {
            "object": F._label(index, obj), "id": existing.pk}, "warning", index))  # fmt: skip
        operations.append({"op": "object_version_add", "object": existing.pk, "valid_from": valid_from.isoformat(),
                           **version})  # fmt: skip
        for holder in holders:
            operations.append({"op": "liability_add", "object": existing.pk, **holder})
    return operations, warnings


def _refuse_invalid(problems: list[F.Problem]) -> None:
    errors = [p.message for p in problems if p.severity == "error"]
    if errors:
        raise ServiceValidationError(
            _("The declaration cannot be recorded: %(problems)s") % {"problems": " ".join(errors)},
            errors={"payload": errors},
        )


def declaration_record(
    *,
    actor,
    form: str,
    party: Party,
    year: int,
    purpose: str,
    event_date: datetime.date | None,
    filed_on: datetime.date,
    payload: Mapping,
    incoming_entry=None,
    case=None,
) -> Declaration:
    """Record a declaration (a clerk's form or the parsed ePUAP form): the filing deadline and the late flag, the
    checks of the payload (a structurally invalid one is refused, nothing written) and the proposed change of the
    register (warnings go to ``problems``)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    if form not in F.FORMS:
        errors["form"] = [_("Unknown form %(form)s.") % {"form": form}]
    if purpose not in F.PURPOSES:
        errors["purpose"] = [_("Unknown purpose %(purpose)s.") % {"purpose": purpose}]
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = [_("Give the tax year.")]
    if party is None:
        errors["party"] = [_("The taxpayer is required (an existing party).")]
    if filed_on is None:
        errors["filed_on"] = [_("Give the filing date.")]
    elif filed_on > timezone.localdate():
        errors["filed_on"] = [_("The filing date cannot be in the future.")]
    if form in ("IN-1", "IR-1", "IL-1") and purpose == "change" and event_date is None:
        errors["event_date"] = [_("A change during the year needs the date of the event.")]
    if errors:
        raise ServiceValidationError(_("Correct the declaration."), errors=errors)
    problems = F.check_payload(form=form, payload=payload, categories=_categories(), exemptions=_exemptions())
    _refuse_invalid(problems)
    deadline_day = filing_deadline(form=form, year=year, event_date=event_date)
    late = F.is_late(filed_on=filed_on, deadline_day=deadline_day)
    with transaction.atomic():
        operations, warnings = build_proposal(form=form, party=party, year=year, event_date=event_date,
                                              payload=payload)  # fmt: skip
        if late:
            warnings.insert(0, F.Problem("late", _("Filed late: the deadline was %(date)s.") % {
                "date": deadline_day.strftime("%d.%m.%Y")}, "warning"))  # fmt: skip
        declaration = Declaration.objects.create(
            form=form, purpose=purpose, party=party, year=year, event_date=event_date, filed_on=filed_on,
            deadline=deadline_day, late=late, payload=dict(payload), proposal=operations,
            problems=[w.as_dict() for w in [*problems, *warnings]], incoming_entry=incoming_entry, case=case,
            created_by=actor,
        )  # fmt: skip
        audit_log(actor=actor, action="taxes.declaration.recorded", obj=declaration, details={
            "form": form, "party": party.pk, "year": year, "late": late,
            "deadline": deadline_day.isoformat() if deadline_day else None,
            "entry": incoming_entry.pk if incoming_entry is not None else None, "operations": len(operations),
        })  # fmt: skip
    return declaration


# --- accepting the proposal ---------------------------------------------------------------------------------------


def _date(value, field: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ServiceValidationError(_("Correct the proposal."), errors={
            "proposal": [_("%(field)s: %(value)s is not a date (YYYY-MM-DD).") % {"field": field, "value": value}]
        }) from None  # fmt: skip


def _holder_party(holder: Mapping, actor) -> Party:
    from documents.services.intake import sender_match_or_create

    if holder.get("party"):
        party = Party.objects.filter(pk=holder["party"]).first()
        if party is None:
            raise ServiceValidationError(_("Correct the proposal."), errors={
                "proposal": [_("Party %(id)s does not exist.") % {"id": holder["party"]}]})  # fmt: skip
        return party
    identity = holder.get("new_party") or {}
    if not (identity.get("pesel") or identity.get("nip")):
        raise ServiceValidationError(_("Correct the proposal."), errors={
            "proposal": [_("A taxpayer of the proposal has neither a party nor a PESEL/NIP.")]})  # fmt: skip
    party, _created = sender_match_or_create(
        pesel=identity.get("pesel", ""), nip=identity.get("nip", ""), first_names=identity.get("first_name", ""),
        surname=identity.get("surname", ""), name=identity.get("name", ""), actor=actor,
    )  # fmt: skip
    return party


def _liability_args(holder: Mapping, actor, declaration) -> dict:
    return {
        "party": _holder_party(holder, actor),
        "role": holder.get("role") or "owner",
        "share_numerator": holder.get("share_numerator", 1),
        "share_denominator": holder.get("share_denominator", 1),
        "valid_from": _date(holder.get("valid_from"), "valid_from"),
        "valid_to": _date(holder.get("valid_to"), "valid_to"),
        "declaration": declaration,
    }


def _object(pk) -> TaxObject:
    obj = TaxObject.objects.filter(pk=pk).first()
    if obj is None:
        raise ServiceValidationError(_("Correct the proposal."), errors={
            "proposal": [_("Tax object %(id)s does not exist.") % {"id": pk}]})  # fmt: skip
    return obj


def _apply(op: Mapping, *, actor, declaration) -> dict:
    from taxes.services import register

    kind = op.get("op")
    if kind == "object_create":
        version = dict(op.get("version") or {})
        version["valid_from"] = _date(version.get("valid_from"), "valid_from")
        if "valid_to" in version:
            version["valid_to"] = _date(version.get("valid_to"), "valid_to")
        obj = register.object_create(
            actor=actor, kind=op.get("kind"), precinct=op.get("precinct") or "", parcel=op.get("parcel") or "",
            identifier=op.get("identifier") or "", description=op.get("description") or "", version=version,
            liabilities=[_liability_args(h, actor, declaration) for h in op.get("liabilities") or []],
            declaration=declaration,
        )  # fmt: skip
        return {"op": kind, "object": obj.pk}
    if kind == "object_version_add":
        fields = {k: v for k, v in op.items() if k not in ("op", "object", "valid_from")}
        if "valid_to" in fields:
            fields["valid_to"] = _date(fields["valid_to"], "valid_to")
        version = register.object_version_add(actor=actor, object=_object(op.get("object")),
                                              valid_from=_date(op.get("valid_from"), "valid_from"),
                                              declaration=declaration, **fields)  # fmt: skip
        return {"op": kind, "object": op.get("object"), "version": getattr(version, "pk", None)}
    if kind == "object_end":
        register.object_end(actor=actor, object=_object(op.get("object")), valid_to=_date(op.get("valid_to"), "to"))
        return {"op": kind, "object": op.get("object")}
    if kind == "liability_add":
        args = _liability_args(op, actor, declaration)
        liability = register.liability_add(actor=actor, object=_object(op.get("object")), **args)
        return {"op": kind, "object": op.get("object"), "liability": liability.pk}
    if kind == "liability_end":
        liability = Liability.objects.filter(pk=op.get("liability")).first()
        if liability is None:
            raise ServiceValidationError(_("Correct the proposal."), errors={
                "proposal": [_("Liability %(id)s does not exist.") % {"id": op.get("liability")}]})  # fmt: skip
        register.liability_end(actor=actor, liability=liability, valid_to=_date(op.get("valid_to"), "valid_to"))
        return {"op": kind, "liability": liability.pk}
    raise ServiceValidationError(_("Correct the proposal."), errors={
        "proposal": [_("Unknown operation %(op)s; known: %(known)s.") % {"op": kind, "known": ", ".join(OPS)}],
    })  # fmt: skip


def _locked(declaration: Declaration) -> Declaration:
    return Declaration.objects.select_for_update().get(pk=declaration.pk)


def declaration_accept(*, actor, declaration: Declaration, proposal: list | None = None) -> Declaration:
    """Apply the (possibly clerk-edited) proposal through the register services in one transaction — all or
    nothing —, link the created versions and liabilities to the declaration, status ACCEPTED."""
    _require(actor)
    if proposal is not None and (not isinstance(proposal, list) or not all(isinstance(op, dict) for op in proposal)):
        raise ServiceValidationError(_("Correct the proposal."), errors={
            "proposal": [_("The proposal must be a list of operations.")]})  # fmt: skip
    with transaction.atomic():
        locked = _locked(declaration)
        if Declaration.Status.ACCEPTED not in Declaration.TRANSITIONS[locked.status]:
            raise ApplicationError(_("A declaration %(status)s cannot be accepted.") % {
                "status": locked.get_status_display()}, code="invalid_state")  # fmt: skip
        operations = locked.proposal if proposal is None else proposal
        if not operations:
            raise ApplicationError(_("The proposal changes nothing in the register."), code="empty_proposal")
        results = []
        for number, op in enumerate(operations, start=1):
            try:
                results.append(_apply(op, actor=actor, declaration=locked))
            except ApplicationError as exc:
                messages = [m for msgs in (getattr(exc, "errors", None) or {}).values() for m in msgs]
                text = _("Operation %(n)s (%(op)s): %(message)s") % {
                    "n": number, "op": op.get("op"), "message": " ".join([exc.message, *messages])}  # fmt: skip
                raise ServiceValidationError(text, errors={"proposal": [text]}) from exc
        locked.proposal = operations
        locked.status = Declaration.Status.ACCEPTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["proposal", "status", "decided_by", "decided_at"])
        audit_log(actor=actor, action="taxes.declaration.accepted", obj=locked, details={
            "edited": proposal is not None, "results": results})  # fmt: skip
        from taxes.services.changes import on_declaration_accepted

        on_declaration_accepted(actor=actor, declaration=locked)  # self-assessment posted / changes detected
    return locked


def declaration_reject(*, actor, declaration: Declaration, reason: str) -> Declaration:
    _require(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceValidationError(_("Give the reason."), errors={"reason": [_("Give the reason.")]})
    with transaction.atomic():
        locked = _locked(declaration)
        if Declaration.Status.REJECTED not in Declaration.TRANSITIONS[locked.status]:
            raise ApplicationError(_("A declaration %(status)s cannot be rejected.") % {
                "status": locked.get_status_display()}, code="invalid_state")  # fmt: skip
        locked.status = Declaration.Status.REJECTED
        locked.decision_reason = reason
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        audit_log(actor=actor, action="taxes.declaration.rejected", obj=locked, details={"reason": reason})
    return locked


# --- from ePUAP / e-Doręczenia ------------------------------------------------------------------------------------


def entry_form_xml(entry) -> bytes | None:
    """The XML stored with an EZD entry: the original file (StoredFile role ORIGINAL), else the ePUAP document."""
    from documents.models import StoredFile

    original = entry.files.filter(role=StoredFile.Role.ORIGINAL).order_by("pk").first()
    if original is not None:
        return bytes(original.content)
    if entry.inbound_document_id:
        return bytes(entry.inbound_document.content)
    return None


def parse_form_xml(data: bytes) -> F.ParsedForm:
    """Recognise, validate (XSD) and map a form XML; ServiceValidationError with a precise message otherwise."""
    from epuap.xmlsafe import XmlRejected, parse

    try:
        root = parse(data)
    except XmlRejected as exc:
        raise ServiceValidationError(exc.reason, errors={"entry": [exc.reason]}) from None
    try:
        form, element = F.find_form(root)
    except F.FormNotRecognised as exc:
        raise ServiceValidationError(exc.reason, errors={"entry": [exc.reason]}) from None
    problems = F.schema_errors(form, element)
    if problems:
        message = _("The %(form)s form does not match its schema: %(problems)s") % {
            "form": form, "problems": " ".join(problems)}  # fmt: skip
        raise ServiceValidationError(message, errors={"entry": problems})
    return F.map_form(form, element)


def case_open_for_entry(*, actor, entry):
    """Open a case under JRWA 3120 for an EZD entry (the entry's unit, else the actor's)."""
    from documents.models import JrwaClass
    from documents.services.cases import case_open

    jrwa = JrwaClass.objects.filter(version__is_current=True, symbol=JRWA_TAXES).first()
    if jrwa is None:
        raise ApplicationError(_("The JRWA class %(symbol)s is missing.") % {"symbol": JRWA_TAXES}, code="jrwa")
    unit = entry.assigned_unit or actor.org_unit
    return case_open(actor=actor, unit=unit, jrwa=jrwa, title=entry.title, entry=entry)


def declaration_from_incoming(*, actor, entry) -> Declaration:
    """Record the declaration carried by an EZD entry (an ePUAP / e-Doręczenia form): the form is recognised by
    its namespace, validated against taxes/data/forms/<form>.xsd and mapped to the payload; the taxpayer is matched
    by the PESEL/NIP of the form (else the entry's sender); the declaration links to the entry and its case (a case
    under JRWA 3120 is opened when the entry has none). An unknown or invalid form: a precise message, nothing
    recorded."""
    _require(actor)
    if Declaration.objects.filter(incoming_entry=entry).exclude(status=Declaration.Status.REJECTED).exists():
        raise ApplicationError(_("A declaration from this entry is already recorded."), code="duplicate")
    data = entry_form_xml(entry)
    if not data:
        raise ServiceValidationError(_("The entry has no document to read."),
                                     errors={"entry": [_("The entry has no document to read.")]})  # fmt: skip
    parsed = parse_form_xml(data)
    if parsed.year is None:
        raise ServiceValidationError(
            _("The form gives no tax year."), errors={"entry": [_("The form gives no tax year.")]}
        )
    party = party_by_identifiers(parsed.payload.get("taxpayer") or {}) or entry.sender
    filed_on = timezone.localtime(entry.received_at).date()
    with transaction.atomic():
        case = entry.case if entry.case_id else None
        # check the payload before a case is opened, so that a refusal writes nothing
        problems = F.check_payload(
            form=parsed.form, payload=parsed.payload, categories=_categories(), exemptions=_exemptions()
        )
        _refuse_invalid(problems)
        if case is None:
            case = case_open_for_entry(actor=actor, entry=entry)
        return declaration_record(
            actor=actor, form=parsed.form, party=party, year=parsed.year, purpose=parsed.purpose,
            event_date=parsed.event_date, filed_on=filed_on, payload=parsed.payload, incoming_entry=entry, case=case,
        )  # fmt: skip
