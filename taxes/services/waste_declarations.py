"""Waste fee properties and declarations (deklaracje o wysokości opłaty za gospodarowanie odpadami komunalnymi, ucpg
art. 6m; issue 9 point 2): recording a property, recording a declaration (validated with
``taxes.domain.waste.declared_problems`` against the resolution in force in the month it applies from, the late flag
from ``taxes.domain.waste.declaration_deadline`` shifted past weekends and holidays), accepting it (the previous
accepted declaration of the property gets ``superseded_by``; history is kept) and rejecting it with a reason.

An accepted declaration is never edited: a change or a correction is a NEW declaration linked by ``previous``.
Every service checks ``taxes.manage_register``, owns its transaction and writes an audit event; a refusal writes
nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import Address
from core.services.audit import audit_log
from taxes.domain import waste as domain
from taxes.models import WasteDeclaration, WasteMethod, WasteProperty
from taxes.selectors_waste import DOMAIN_METHOD, declared_of, waste_declarations_in_force, waste_rates_on

MANAGE = "taxes.manage_register"
GROSZ = Decimal("0.01")
DEADLINE_KIND = {WasteDeclaration.Purpose.FIRST: domain.FIRST, WasteDeclaration.Purpose.CHANGE: domain.CHANGE}


def _require(actor) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(MANAGE):
        raise ApplicationError(_("You may not record waste fee declarations."), code="forbidden")


def _refuse(field: str, message: str):
    raise ServiceValidationError(message, errors={field: [message]})


def _decimal(value, field: str, message: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        result = None
    if result is None or not result.is_finite() or result.as_tuple().exponent < -2:
        _refuse(field, message)
    return result


def _integer(value, field: str, message: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        _refuse(field, message)
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        _refuse(field, message)


# --- properties ----------------------------------------------------------------------------------------------------


def waste_property_create(*, actor, identifier: str, address, kind: str, dwelling_m2=None) -> WasteProperty:
    """A property the waste fee is declared for; ``address`` an Address or its id. Refused (nothing written) for an
    empty or already used identifier, an unknown address, an unknown kind or a negative area."""
    _require(actor)
    identifier = (identifier or "").strip()
    errors: dict[str, list[str]] = {}
    if not identifier:
        errors["identifier"] = [_("Enter the identifier of the property.")]
    elif WasteProperty.objects.filter(identifier=identifier).exists():
        errors["identifier"] = [_("The identifier %(identifier)s is already used by another property.") % {
            "identifier": identifier}]  # fmt: skip
    if not isinstance(address, Address):
        address_id = _integer(address, "address", _("Choose the address of the property."))
        address = Address.objects.filter(pk=address_id).first() if address_id is not None else None
        if address is None:
            errors["address"] = [_("The address does not exist; choose an address from the register.")]
    if kind not in WasteProperty.Kind.values:
        errors["kind"] = [_("Choose the kind of the property.")]
    area = _decimal(dwelling_m2, "dwelling_m2", _("Enter the dwelling area in m² with at most 2 decimal places."))
    if area is not None and area < 0:
        errors["dwelling_m2"] = [_("The dwelling area cannot be negative.")]
    if errors:
        raise ServiceValidationError(next(iter(errors.values()))[0], errors=errors)
    with transaction.atomic():
        prop = WasteProperty.objects.create(identifier=identifier, address=address, kind=kind, dwelling_m2=area)
        audit_log(actor=actor, action="taxes.waste_property.create", obj=prop, details={
            "identifier": identifier, "address": address.pk, "kind": kind,
            "dwelling_m2": None if area is None else str(area)})  # fmt: skip
    return prop


# --- the declared data ---------------------------------------------------------------------------------------------


def declaration_fee(declaration: WasteDeclaration, day: datetime.date | None = None) -> domain.FeeResult | None:
    """The monthly fee of ``declaration`` under the rates in force on ``day`` (default: the month it applies from);
    None when no resolution is in force or the data do not allow a computation."""
    rates = waste_rates_on(day or declaration.effective_from)
    if rates is None:
        return None
    try:
        return domain.monthly_fee(declared_of(declaration), rates)
    except domain.WasteFeeError:
        return None


def current_fee(prop: WasteProperty, day: datetime.date) -> tuple[WasteDeclaration | None, domain.FeeResult | None]:
    """The declaration in force on ``day`` and its monthly fee under the rates of that day."""
    declaration = waste_declarations_in_force(prop, day).first()
    return declaration, (None if declaration is None else declaration_fee(declaration, day))


def _containers(containers) -> list[dict]:
    message = _("Give each container as its capacity in litres, collections per month and the number of containers.")
    result = []
    for item in containers or ():
        if not isinstance(item, dict):
            _refuse("containers", message)
        values = {key: _integer(item.get(key), "containers", message) for key in ("capacity_l", "frequency", "count")}
        if values["capacity_l"] is None or values["frequency"] is None:
            _refuse("containers", message)
        values["count"] = 1 if values["count"] is None else values["count"]
        result.append(values)
    return result


@dataclass(frozen=True)
class CheckedData:
    """The data of a declaration or a decision (``checked_data``): normalised, with the pure computation's input
    and the rates in force in its month."""

    effective_from: datetime.date
    residents: int | None
    households: int | None
    water_m3: Decimal | None
    dwelling_m2: Decimal | None
    exemptions: list[str]
    containers: list[dict]
    declared: domain.Declared
    rates: domain.WasteRates


def checked_data(
    *, property: WasteProperty, effective_from: datetime.date, method: str, residents=None, water_m3=None,
    dwelling_m2=None, households=None, selective: bool = True, composts: bool = False, exemptions=(), containers=(),
) -> CheckedData:  # fmt: skip
    """The fee data of a declaration or a decision (``method`` already checked) normalised and checked against the
    resolution in force in the month of ``effective_from``: ServiceValidationError with the precise messages
    (numbers, ``declared_problems`` keyed by problem) when the fee cannot be computed from them."""
    residents = _integer(residents, "residents", _("Enter the number of residents as a whole number."))
    households = _integer(households, "households", _("Enter the number of households as a whole number."))
    water = _decimal(water_m3, "water_m3", _("Enter the water consumed in m³ with at most 2 decimal places."))
    area = _decimal(dwelling_m2, "dwelling_m2", _("Enter the dwelling area in m² with at most 2 decimal places."))
    exemptions = [str(code).strip() for code in exemptions or () if str(code).strip()]
    containers = _containers(containers)
    effective_from = effective_from.replace(day=1)
    rates = waste_rates_on(effective_from)
    if rates is None:
        _refuse("effective_from", _("No waste fee resolution is in force on %(date)s.") % {
            "date": f"{effective_from:%d.%m.%Y}"})  # fmt: skip
    declared = domain.Declared(
        method=DOMAIN_METHOD.get(method, method), residents=residents, water_m3=water, area_m2=area,
        households=1 if households is None else households, selective=bool(selective), composts=bool(composts),
        exemptions=tuple(exemptions), cottage=property.kind == WasteProperty.Kind.COTTAGE,
        containers=tuple(domain.Container(**c) for c in containers),
    )  # fmt: skip
    problems = domain.declared_problems(declared, rates)
    if problems:
        found: dict[str, list[str]] = {}
        for problem in problems:
            found.setdefault(problem.code, []).append(problem.message)
        raise ServiceValidationError(" ".join(p.message for p in problems), errors=found)
    return CheckedData(effective_from, residents, households, water, area, exemptions, containers, declared, rates)


def late_deadline(purpose: str, event_date: datetime.date | None) -> datetime.date | None:
    """The last day to file (art. 6m ust. 1) shifted past weekends and holidays; None for a correction or without the
    date of the event."""
    from taxes.selectors import due_date_shift

    kind = DEADLINE_KIND.get(purpose)
    if kind is None or event_date is None:
        return None
    return domain.declaration_deadline(kind, event_date, due_date_shift(event_date.year))


def waste_declaration_record(
    *,
    actor,
    property: WasteProperty,
    payer,
    filed_on: datetime.date,
    effective_from: datetime.date,
    purpose: str,
    method: str,
    residents=None,
    water_m3=None,
    dwelling_m2=None,
    households=None,
    selective: bool = True,
    composts: bool = False,
    exemptions=(),
    containers=(),
    event_date: datetime.date | None = None,
    incoming_entry=None,
) -> WasteDeclaration:
    """Record a declaration (status RECEIVED) applying from the month of ``effective_from``. Refused, nothing
    written, when the data cannot give a fee under the resolution in force in that month (a negative number, a
    method the resolution does not allow, missing data — the messages of ``declared_problems``) or when a change or
    correction has no earlier accepted declaration. ``late`` when filed after the deadline of art. 6m ust. 1 counted
    from ``event_date`` (a first declaration: 14 days; a change: the 10th of the following month)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    if not isinstance(property, WasteProperty):
        errors["property"] = [_("Choose the property.")]
    if payer is None:
        errors["payer"] = [_("Choose the fee payer.")]
    if not isinstance(filed_on, datetime.date):
        errors["filed_on"] = [_("Enter the date the declaration was filed.")]
    if not isinstance(effective_from, datetime.date):
        errors["effective_from"] = [_("Enter the month the fee applies from.")]
    if event_date is not None and not isinstance(event_date, datetime.date):
        errors["event_date"] = [_("Enter the date of the event as a date.")]
    if purpose not in WasteDeclaration.Purpose.values:
        errors["purpose"] = [_("Choose the purpose of the declaration.")]
    method = method or ""
    if method and method not in WasteMethod.values:
        errors["method"] = [_("Choose the method of the fee.")]
    if errors:
        raise ServiceValidationError(next(iter(errors.values()))[0], errors=errors)
    data = checked_data(
        property=property, effective_from=effective_from, method=method, residents=residents, water_m3=water_m3,
        dwelling_m2=dwelling_m2, households=households, selective=selective, composts=composts,
        exemptions=exemptions, containers=containers,
    )  # fmt: skip
    effective_from, residents, households = data.effective_from, data.residents, data.households
    water, area, exemptions, containers = data.water_m3, data.dwelling_m2, data.exemptions, data.containers
    deadline = late_deadline(purpose, event_date)
    with transaction.atomic():
        WasteProperty.objects.select_for_update().get(pk=property.pk)
        previous = waste_declarations_in_force(property, datetime.date.max).first()
        if purpose != WasteDeclaration.Purpose.FIRST and previous is None:
            _refuse("purpose", _("A change or a correction needs an earlier accepted declaration of the property."))
        declaration = WasteDeclaration.objects.create(
            property=property, payer=payer, filed_on=filed_on, effective_from=effective_from, purpose=purpose,
            method=method, residents=residents, water_m3=water, dwelling_m2=area, households=households,
            selective=bool(selective), composts=bool(composts), exemption_codes=exemptions, containers=containers,
            deadline=deadline, late=deadline is not None and filed_on > deadline,
            status=WasteDeclaration.Status.RECEIVED, incoming_entry=incoming_entry, previous=previous,
            payload={"event_date": event_date.isoformat() if event_date else None}, created_by=actor,
        )  # fmt: skip
        declaration.number = f"DO/{declaration.pk}/{filed_on.year}"
        declaration.save(update_fields=["number"])
        audit_log(actor=actor, action="taxes.waste_declaration.record", obj=declaration, details={
            "property": property.pk, "purpose": purpose, "effective_from": effective_from.isoformat(),
            "method": method, "residents": residents, "late": declaration.late,
            "deadline": deadline.isoformat() if deadline else None,
            "previous": previous.pk if previous else None})  # fmt: skip
    return declaration


# --- the clerk's decision ------------------------------------------------------------------------------------------


def _locked(declaration: WasteDeclaration) -> WasteDeclaration:
    return WasteDeclaration.objects.select_for_update().select_related("property").get(pk=declaration.pk)


def waste_declaration_accept(*, actor, declaration: WasteDeclaration) -> WasteDeclaration:
    """RECEIVED → ACCEPTED; the accepted declarations of the property not yet superseded get ``superseded_by`` this
    one (they stay as the history for the earlier months)."""
    _require(actor)
    with transaction.atomic():
        locked = _locked(declaration)
        if WasteDeclaration.Status.ACCEPTED not in WasteDeclaration.TRANSITIONS[locked.status]:
            raise ApplicationError(_("A declaration %(status)s cannot be accepted.") % {
                "status": locked.get_status_display()}, code="invalid_state")  # fmt: skip
        earlier = list(
            WasteDeclaration.objects.select_for_update()
            .filter(property_id=locked.property_id, status=WasteDeclaration.Status.ACCEPTED, superseded_by__isnull=True)
            .exclude(pk=locked.pk)
            .order_by("pk")
        )
        for old in earlier:
            old.superseded_by = locked
            old.save(update_fields=["superseded_by"])
        if locked.previous_id is None and earlier:
            locked.previous = earlier[-1]
        locked.status = WasteDeclaration.Status.ACCEPTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["previous", "status", "decided_by", "decided_at"])
        corrected = []
        if earlier and actor.has_perm("taxes.assess_taxes"):
            # months already charged from the change on now follow this declaration (the changed fee applies for
            # the month in which the change occurred, ucpg art. 6m ust. 2)
            from taxes.services.waste_charges import waste_charges_correct

            corrected = waste_charges_correct(actor=actor, property=locked.property, from_month=locked.effective_from)
        details = {"superseded": [old.pk for old in earlier], "corrected_months": [r["month"] for r in corrected]}
        audit_log(actor=actor, action="taxes.waste_declaration.accept", obj=locked, details=details)
    return locked


def waste_declaration_reject(*, actor, declaration: WasteDeclaration, reason: str) -> WasteDeclaration:
    """RECEIVED → REJECTED with the clerk's reason (required)."""
    _require(actor)
    reason = (reason or "").strip()
    if not reason:
        _refuse("reason", _("Give the reason."))
    with transaction.atomic():
        locked = _locked(declaration)
        if WasteDeclaration.Status.REJECTED not in WasteDeclaration.TRANSITIONS[locked.status]:
            raise ApplicationError(_("A declaration %(status)s cannot be rejected.") % {
                "status": locked.get_status_display()}, code="invalid_state")  # fmt: skip
        locked.status = WasteDeclaration.Status.REJECTED
        locked.decision_reason = reason
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        audit_log(actor=actor, action="taxes.waste_declaration.reject", obj=locked, details={"reason": reason})
    return locked
