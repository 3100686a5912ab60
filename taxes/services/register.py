"""Services of the tax register (kartoteka): objects, their versions by month, liabilities (owners, co-owners with
shares, spouses). Each function owns its transaction, checks ``taxes.manage_register`` and writes an audit event;
a refusal raises before anything is written.

Dates are month-aligned: a version or a liability is valid from the first day of a month to the last day of a
month (open when ``valid_to`` is None). :func:`obligation_start` / :func:`obligation_end` turn the date of an event
(purchase, sale, completion of a building, registration of a vehicle) into those boundaries (upol art. 6 ust. 1, 3:
the obligation arises from the first day of the month after the event and expires at the end of the month in which
its cause ended).

Public signatures (used by the declarations area and the assessment):

- ``object_create(*, actor, kind, precinct, parcel, identifier, address=None, description="", version: dict,
  liabilities: list[dict], declaration=None) -> TaxObject``
- ``object_version_add(*, actor, object, valid_from, declaration=None, **fields) -> ObjectVersion``
- ``object_end(*, actor, object, valid_to) -> TaxObject``
- ``liability_add(*, actor, object, party, role, valid_from, valid_to=None, share_numerator=1,
  share_denominator=1, declaration=None) -> Liability``
- ``liability_end(*, actor, liability, valid_to) -> Liability``

``version`` / ``**fields`` take the fields of :class:`~taxes.models.ObjectVersion`: ``category`` (a RateCategory or
its code), ``area``, ``area_low``, ``value``, ``land_type``, ``land_class``, ``reserve``, ``vehicle_mass_kg``,
``vehicle_axles``, ``vehicle_air_suspension``, ``vehicle_seats``, ``vehicle_year``, ``exemption`` (an
ExemptionReason or its code) and, for ``object_create``, ``valid_from`` / ``valid_to``. A liability dict has the
keyword arguments of :func:`liability_add` without ``actor`` / ``object``.

Spouses (joint property): a ``spouse`` liability is joint with the owner's (co-owner's) liability of the same share
that covers its whole period; it does not add to the shares of the object (the spouses together hold that share).
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import Party
from core.services.audit import audit_log
from taxes.models import ExemptionReason, Liability, ObjectVersion, RateCategory, TaxObject

MANAGE = "taxes.manage_register"
Kind = TaxObject.Kind
Role = Liability.Role

VERSION_FIELDS = (
    "category", "area", "area_low", "value", "land_type", "land_class", "reserve", "vehicle_mass_kg",
    "vehicle_axles", "vehicle_air_suspension", "vehicle_seats", "vehicle_year", "exemption",
)  # fmt: skip
DECIMAL_FIELDS = ("area", "area_low", "value")
PARCEL_KINDS = (Kind.LAND, Kind.AGRICULTURAL, Kind.FOREST)
AREA_KINDS = (Kind.LAND, Kind.BUILDING, Kind.AGRICULTURAL, Kind.FOREST)


# --- month boundaries -------------------------------------------------------------------------------------------


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def obligation_start(event: datetime.date) -> datetime.date:
    """The first day of the month after the event (upol art. 6 ust. 1)."""
    return month_end(event) + datetime.timedelta(days=1)


def obligation_end(event: datetime.date) -> datetime.date:
    """The last day of the month in which the cause of the obligation ended (upol art. 6 ust. 3)."""
    return month_end(event)


def _d(day: datetime.date) -> str:
    return date_format(day, "d.m.Y")


def _check_from(day, errors, field="valid_from") -> None:
    if day is None:
        errors.setdefault(field, []).append(_("The start date is required."))
    elif day.day != 1:
        errors.setdefault(field, []).append(
            _("The validity must start on the first day of a month (given: %(date)s).") % {"date": _d(day)}
        )


def _check_to(day, errors, field="valid_to") -> None:
    if day is not None and day != month_end(day):
        errors.setdefault(field, []).append(
            _("The validity must end on the last day of a month (given: %(date)s).") % {"date": _d(day)}
        )


def _require(actor) -> None:
    if actor is None or not actor.has_perm(MANAGE):
        raise ApplicationError(_("You may not maintain the tax register."), code="forbidden")


# --- validation of a version ------------------------------------------------------------------------------------


def _resolve_version(kind: str, raw: dict, errors: dict) -> dict:
    """The version fields with the category / exemption resolved and the numbers parsed; errors collected."""
    unknown = set(raw) - set(VERSION_FIELDS) - {"vehicle_kind"}
    if unknown:
        errors.setdefault("__all__", []).append(
            _("Unknown fields of an object version: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    data = {k: raw[k] for k in VERSION_FIELDS if k in raw}
    for name in DECIMAL_FIELDS:
        value = data.get(name)
        if value is None or value == "":
            data[name] = Decimal("0")
            continue
        try:
            data[name] = Decimal(str(value))
        except (InvalidOperation, ValueError):
            errors.setdefault(name, []).append(_("Enter a number."))
            data[name] = Decimal("0")
    for name in ("land_type", "land_class"):
        data[name] = (data.get(name) or "").strip()
    tax = TaxObject.TAX_OF_KIND[kind]
    category = data.get("category") or None
    if kind == Kind.VEHICLE:  # the transport tax class follows from the vehicle data (taxes.vehicles)
        from taxes.vehicles import vehicle_version_category

        category = vehicle_version_category(data, category, errors, raw.get("vehicle_kind") or "")
    if isinstance(category, str):
        category = RateCategory.objects.filter(code=category).first()
        if category is None:
            errors.setdefault("category", []).append(
                _("Unknown rate category %(code)s.") % {"code": data.get("category")}
            )
    if category is None and "category" not in errors:
        errors.setdefault("category", []).append(_("The rate category is required."))
    elif category is not None and category.tax != tax:
        errors.setdefault("category", []).append(
            _("The rate category %(category)s belongs to the %(category_tax)s, not to the %(tax)s of this object.")
            % {"category": category.name, "category_tax": category.get_tax_display(), "tax": _tax_label(tax)}
        )
    data["category"] = category
    exemption = data.get("exemption")
    if isinstance(exemption, str):
        code = exemption
        exemption = ExemptionReason.objects.filter(code=code).first() if code else None
        if code and exemption is None:
            errors.setdefault("exemption", []).append(_("Unknown exemption reason %(code)s.") % {"code": code})
    if exemption is not None and exemption.tax != tax:
        errors.setdefault("exemption", []).append(
            _("The exemption %(code)s is an exemption from the %(exemption_tax)s, not from the %(tax)s.")
            % {"code": exemption.code, "exemption_tax": exemption.get_tax_display(), "tax": _tax_label(tax)}
        )
    data["exemption"] = exemption
    area, low, value = data["area"], data["area_low"], data["value"]
    if area < 0:
        errors.setdefault("area", []).append(_("The area cannot be negative (given: %(area)s).") % {"area": area})
    elif kind in AREA_KINDS and area == 0:
        errors.setdefault("area", []).append(_("The area must be greater than zero."))
    if low < 0:
        errors.setdefault("area_low", []).append(_("The area cannot be negative (given: %(area)s).") % {"area": low})
    elif low > area >= 0:
        errors.setdefault("area_low", []).append(
            _("The area of height 1.40–2.20 m (%(low)s) cannot exceed the whole area (%(area)s).")
            % {"low": low, "area": area}
        )
    if low > 0 and kind != Kind.BUILDING:
        errors.setdefault("area_low", []).append(_("Only a building has an area of height 1.40–2.20 m."))
    if value < 0:
        errors.setdefault("value", []).append(_("The value cannot be negative."))
    elif kind == Kind.STRUCTURE and value == 0:
        errors.setdefault("value", []).append(_("The value of a structure must be greater than zero."))
    if kind == Kind.AGRICULTURAL:
        if not data["land_type"]:
            errors.setdefault("land_type", []).append(_("Agricultural land needs its land type (arable, meadow…)."))
        if not data["land_class"]:
            errors.setdefault("land_class", []).append(_("Agricultural land needs its class from the land register."))
    if kind == Kind.VEHICLE and not data.get("vehicle_mass_kg"):
        errors.setdefault("vehicle_mass_kg", []).append(_("A vehicle needs its permissible mass."))
    return data


def _tax_label(tax: str) -> str:
    from taxes.models import Tax

    return str(Tax(tax).label)


def _check_object(kind, precinct, parcel, identifier, errors) -> None:
    if kind not in Kind.values:
        errors.setdefault("kind", []).append(_("Unknown kind of tax object: %(kind)s.") % {"kind": kind})
        return
    if kind in PARCEL_KINDS and not (parcel or "").strip():
        errors.setdefault("parcel", []).append(_("A parcel number is required for land, agricultural land and forest."))
    if kind in PARCEL_KINDS and not (precinct or "").strip():
        errors.setdefault("precinct", []).append(_("The precinct (obręb) of the parcel is required."))
    if kind == Kind.VEHICLE and not (identifier or "").strip():
        errors.setdefault("identifier", []).append(_("A vehicle needs its registration number."))


# --- shares -----------------------------------------------------------------------------------------------------


def _overlaps(a_from, a_to, b_from, b_to) -> bool:
    return (b_to is None or a_from <= b_to) and (a_to is None or b_from <= a_to)


def _fraction_text(f: Fraction) -> str:
    return f"{f.numerator}/{f.denominator}"


def _check_shares(rows: list[tuple], errors: dict) -> None:
    """``rows``: (role, numerator, denominator, valid_from, valid_to, party label) of one object, new ones
    included. At every date where a liability starts, the shares of the non-spouse liabilities valid then must not
    add up to more than 1."""
    holders = [r for r in rows if r[0] != Role.SPOUSE]
    for start in sorted({r[3] for r in holders}):
        valid = [r for r in holders if r[3] <= start and (r[4] is None or r[4] >= start)]
        total = sum((Fraction(r[1], r[2]) for r in valid), Fraction(0))
        if total > 1:
            parts = " + ".join(f"{r[5]} {r[1]}/{r[2]}" for r in valid)
            errors.setdefault("share_numerator", []).append(
                _("On %(date)s the shares of the object would add up to %(total)s, more than 1: %(parts)s.")
                % {"date": _d(start), "total": _fraction_text(total), "parts": parts}
            )
            return


def _check_spouses(rows: list[tuple], errors: dict) -> None:
    """A spouse's liability must be covered by an owner's / co-owner's liability of the same share."""
    holders = [r for r in rows if r[0] != Role.SPOUSE]
    for r in rows:
        if r[0] != Role.SPOUSE:
            continue
        covered = any(
            Fraction(h[1], h[2]) == Fraction(r[1], r[2])
            and h[3] <= r[3]
            and (h[4] is None or (r[4] is not None and r[4] <= h[4]))
            and h[5] != r[5]
            for h in holders
        )
        if not covered:
            errors.setdefault("role", []).append(
                _("A spouse is liable jointly with an owner or co-owner of the same share (%(share)s) for the whole "
                  "period; there is none from %(date)s.")
                % {"share": f"{r[1]}/{r[2]}", "date": _d(r[3])}
            )  # fmt: skip


def _resolve_liability(raw: dict, errors: dict, index: int | None = None) -> dict:
    prefix = "" if index is None else f"liabilities[{index}]."

    def err(field, msg):
        errors.setdefault(prefix + field if prefix else field, []).append(msg)

    allowed = {"party", "role", "valid_from", "valid_to", "share_numerator", "share_denominator", "declaration"}
    unknown = set(raw) - allowed
    if unknown:
        err("__all__", _("Unknown fields of a liability: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    party = raw.get("party")
    if party is not None and not isinstance(party, Party):
        party = Party.objects.filter(pk=party).first()
    if party is None:
        err("party", _("The taxpayer is required (an existing party)."))
    role = raw.get("role") or Role.OWNER
    if role not in Role.values:
        err("role", _("Unknown role: %(role)s.") % {"role": role})
    num, den = raw.get("share_numerator", 1), raw.get("share_denominator", 1)
    try:
        num, den = int(num), int(den)
    except (TypeError, ValueError):
        num, den = 0, 0
    if num < 1 or den < num:
        err("share_numerator", _("A share must be a fraction between 0 and 1, e.g. 1/2 (given: %(share)s).")
            % {"share": f"{raw.get('share_numerator')}/{raw.get('share_denominator')}"})  # fmt: skip
        num, den = 1, 1
    if role == Role.OWNER and num != den:
        err("role", _("An owner of a share smaller than the whole is a co-owner."))
    sub: dict = {}
    _check_from(raw.get("valid_from"), sub)
    _check_to(raw.get("valid_to"), sub)
    if raw.get("valid_from") and raw.get("valid_to") and raw["valid_to"] < raw["valid_from"]:
        sub.setdefault("valid_to", []).append(_("The end cannot be before the start."))
    for field, msgs in sub.items():
        for m in msgs:
            err(field, m)
    return {
        "party": party, "role": role, "share_numerator": num, "share_denominator": den,
        "valid_from": raw.get("valid_from"), "valid_to": raw.get("valid_to"), "declaration": raw.get("declaration"),
    }  # fmt: skip


def _share_row(data: dict) -> tuple:
    party = data["party"]
    return (data["role"], data["share_numerator"], data["share_denominator"], data["valid_from"], data["valid_to"],
            str(party) if party is not None else "?")  # fmt: skip


def _existing_rows(obj: TaxObject, exclude_id: int | None = None) -> list[tuple]:
    qs = Liability.objects.filter(object=obj).select_related("party").order_by("valid_from", "id")
    return [
        (li.role, li.share_numerator, li.share_denominator, li.valid_from, li.valid_to, str(li.party))
        for li in qs
        if li.pk != exclude_id
    ]


def _liability_details(li: Liability) -> dict:
    return {
        "party": li.party_id, "role": li.role, "share": f"{li.share_numerator}/{li.share_denominator}",
        "valid_from": li.valid_from.isoformat(), "valid_to": li.valid_to.isoformat() if li.valid_to else None,
    }  # fmt: skip


def _version_details(v: ObjectVersion) -> dict:
    return {
        "valid_from": v.valid_from.isoformat(), "valid_to": v.valid_to.isoformat() if v.valid_to else None,
        "category": v.category.code, "area": str(v.area), "area_low": str(v.area_low), "value": str(v.value),
        "exemption": v.exemption.code if v.exemption_id else None,
    }  # fmt: skip


def _raise(errors: dict) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceValidationError(first, errors=errors)


# --- services ---------------------------------------------------------------------------------------------------


def object_create(
    *, actor, kind: str, precinct: str, parcel: str, identifier: str, address=None, description: str = "",
    version: dict, liabilities: list[dict], declaration=None,
) -> TaxObject:  # fmt: skip
    """A new tax object with its first version and its liabilities (at least one)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    precinct, parcel, identifier = (precinct or "").strip(), (parcel or "").strip(), (identifier or "").strip()
    _check_object(kind, precinct, parcel, identifier, errors)
    version = dict(version or {})
    valid_from, valid_to = version.pop("valid_from", None), version.pop("valid_to", None)
    _check_from(valid_from, errors)
    _check_to(valid_to, errors)
    if valid_from and valid_to and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(_("The end cannot be before the start."))
    data = _resolve_version(kind, version, errors) if kind in Kind.values else {}
    if not liabilities:
        errors.setdefault("liabilities", []).append(_("A tax object needs at least one taxpayer."))
    resolved = [_resolve_liability(raw, errors, n) for n, raw in enumerate(liabilities or [])]
    if not errors:
        rows = [_share_row(r) for r in resolved]
        _check_shares(rows, errors)
        _check_spouses(rows, errors)
    if kind == Kind.VEHICLE and identifier and not errors:
        clash = TaxObject.objects.filter(kind=Kind.VEHICLE, identifier__iexact=identifier,
                                         versions__valid_to__isnull=True).exists()  # fmt: skip
        if clash:
            errors.setdefault("identifier", []).append(
                _("A vehicle with the registration number %(number)s is already in the register.")
                % {"number": identifier}
            )
    _raise(errors)
    with transaction.atomic():
        obj = TaxObject.objects.create(kind=kind, precinct=precinct, parcel=parcel, identifier=identifier,
                                       address=address, description=description, created_by=actor)  # fmt: skip
        v = ObjectVersion.objects.create(object=obj, valid_from=valid_from, valid_to=valid_to, created_by=actor,
                                         declaration=declaration, **data)  # fmt: skip
        created = [
            Liability.objects.create(object=obj, **{**r, "declaration": r["declaration"] or declaration})
            for r in resolved
        ]
        audit_log(actor=actor, action="taxes.object.created", obj=obj, details={
            "kind": kind, "precinct": precinct, "parcel": parcel, "identifier": identifier,
            "version": _version_details(v), "liabilities": [_liability_details(li) for li in created],
            "declaration": declaration.pk if declaration is not None else None,
        })  # fmt: skip
    return obj


def object_version_add(*, actor, object: TaxObject, valid_from: datetime.date, declaration=None, **fields):
    """A new version from ``valid_from`` (1st of a month); the open version before it is closed at the end of the
    previous month. A version starting on or before the start of another version, or inside a closed one, is
    refused (overlap)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    valid_to = fields.pop("valid_to", None)
    if object.kind == Kind.VEHICLE and not fields.get("category") and not fields.get("vehicle_kind"):
        from taxes.vehicles import vehicle_kind_of

        fields["vehicle_kind"] = vehicle_kind_of(object)  # the class then follows from the new data
    _check_from(valid_from, errors)
    _check_to(valid_to, errors)
    if valid_from and valid_to and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(_("The end cannot be before the start."))
    data = _resolve_version(object.kind, fields, errors)
    _raise(errors)
    with transaction.atomic():
        obj = TaxObject.objects.select_for_update().get(pk=object.pk)
        versions = list(ObjectVersion.objects.filter(object=obj).order_by("valid_from", "id"))
        to_close = None
        for v in versions:
            if v.valid_from >= valid_from:
                errors.setdefault("valid_from", []).append(
                    _("A version valid from %(date)s already exists; a new version must start after %(date)s.")
                    % {"date": _d(v.valid_from)}
                )
                break
            if v.valid_to is None:
                to_close = v
            elif v.valid_to >= valid_from:
                errors.setdefault("valid_from", []).append(
                    _("The version %(from)s–%(to)s already covers %(date)s.")
                    % {"from": _d(v.valid_from), "to": _d(v.valid_to), "date": _d(valid_from)}
                )
                break
        _raise(errors)
        closed = None
        if to_close is not None:
            closed = valid_from - datetime.timedelta(days=1)
            ObjectVersion.objects.filter(pk=to_close.pk).update(valid_to=closed)
        v = ObjectVersion.objects.create(object=obj, valid_from=valid_from, valid_to=valid_to, created_by=actor,
                                         declaration=declaration, **data)  # fmt: skip
        audit_log(actor=actor, action="taxes.object.version_added", obj=obj, details={
            "version": _version_details(v), "closed_version": to_close.pk if to_close else None,
            "closed_on": closed.isoformat() if closed else None,
            "declaration": declaration.pk if declaration is not None else None,
        })  # fmt: skip
    return v


def object_end(*, actor, object: TaxObject, valid_to: datetime.date) -> TaxObject:
    """The object stops being taxed after ``valid_to`` (last day of a month): its open version and its open
    liabilities are closed then."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    if valid_to is None:
        errors.setdefault("valid_to", []).append(_("The end date is required."))
    _check_to(valid_to, errors)
    _raise(errors)
    with transaction.atomic():
        obj = TaxObject.objects.select_for_update().get(pk=object.pk)
        open_version = ObjectVersion.objects.filter(object=obj, valid_to__isnull=True).first()
        if open_version is None:
            raise ApplicationError(_("The object has already ended."), code="already_ended")
        if open_version.valid_from > valid_to:
            errors.setdefault("valid_to", []).append(
                _("The current version is valid from %(date)s; the object cannot end before it.")
                % {"date": _d(open_version.valid_from)}
            )
        later = Liability.objects.filter(object=obj, valid_from__gt=valid_to).select_related("party").first()
        if later is not None:
            errors.setdefault("valid_to", []).append(
                _("%(party)s is liable from %(date)s; end that liability first.")
                % {"party": later.party, "date": _d(later.valid_from)}
            )
        _raise(errors)
        ObjectVersion.objects.filter(pk=open_version.pk).update(valid_to=valid_to)
        open_liabilities = list(
            Liability.objects.filter(object=obj).filter(valid_to__isnull=True).values_list("pk", flat=True)
        )
        longer = list(Liability.objects.filter(object=obj, valid_to__gt=valid_to).values_list("pk", flat=True))
        Liability.objects.filter(pk__in=open_liabilities + longer).update(valid_to=valid_to)
        audit_log(actor=actor, action="taxes.object.ended", obj=obj, details={
            "valid_to": valid_to.isoformat(), "version": open_version.pk,
            "liabilities_closed": sorted(open_liabilities + longer),
        })  # fmt: skip
    return obj


def liability_add(
    *, actor, object: TaxObject, party, role: str, valid_from: datetime.date,
    valid_to: datetime.date | None = None, share_numerator: int = 1, share_denominator: int = 1, declaration=None,
) -> Liability:  # fmt: skip
    """Another taxpayer of an object (an owner, a co-owner with a share, a spouse, a possessor…). The shares of
    the object's liabilities (spouses aside) must not add up to more than 1 at any date."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    raw = {"party": party, "role": role, "valid_from": valid_from, "valid_to": valid_to,
           "share_numerator": share_numerator, "share_denominator": share_denominator}  # fmt: skip
    data = _resolve_liability(raw, errors)
    _raise(errors)
    with transaction.atomic():
        obj = TaxObject.objects.select_for_update().get(pk=object.pk)
        existing = _existing_rows(obj)
        same = Liability.objects.filter(object=obj, party=data["party"]).exclude(valid_to__lt=valid_from)
        for li in same:
            if _overlaps(valid_from, valid_to, li.valid_from, li.valid_to):
                errors.setdefault("party", []).append(
                    _("%(party)s is already liable for this object from %(date)s.")
                    % {"party": data["party"], "date": _d(li.valid_from)}
                )
                break
        rows = [*existing, _share_row(data)]
        _check_shares(rows, errors)
        _check_spouses([_share_row(data), *[r for r in existing if r[0] != Role.SPOUSE]], errors)
        _raise(errors)
        li = Liability.objects.create(object=obj, declaration=declaration, **{
            k: v for k, v in data.items() if k != "declaration"})  # fmt: skip
        audit_log(actor=actor, action="taxes.liability.added", obj=obj, details={
            **_liability_details(li), "liability": li.pk,
            "declaration": declaration.pk if declaration is not None else None,
        })  # fmt: skip
    return li


def liability_end(*, actor, liability: Liability, valid_to: datetime.date) -> Liability:
    """The taxpayer stops being liable after ``valid_to`` (last day of a month)."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    if valid_to is None:
        errors.setdefault("valid_to", []).append(_("The end date is required."))
    _check_to(valid_to, errors)
    _raise(errors)
    with transaction.atomic():
        TaxObject.objects.select_for_update().get(pk=liability.object_id)
        li = Liability.objects.select_related("party").get(pk=liability.pk)
        if li.valid_to is not None and li.valid_to <= valid_to:
            raise ApplicationError(
                _("The liability already ends on %(date)s.") % {"date": _d(li.valid_to)}, code="already_ended"
            )
        if valid_to < li.valid_from:
            errors.setdefault("valid_to", []).append(
                _("The liability starts on %(date)s; it cannot end before it.") % {"date": _d(li.valid_from)}
            )
        _raise(errors)
        if li.role != Role.SPOUSE:
            spouses = [r for r in Liability.objects.filter(object_id=li.object_id, role=Role.SPOUSE)
                       if r.valid_from <= valid_to and (r.valid_to is None or r.valid_to > valid_to)]  # fmt: skip
            rows = [(r.role, r.share_numerator, r.share_denominator, r.valid_from, r.valid_to, str(r.party))
                    for r in Liability.objects.filter(object_id=li.object_id).select_related("party")
                    if r.pk != li.pk]  # fmt: skip
            rows.append((li.role, li.share_numerator, li.share_denominator, li.valid_from, valid_to, str(li.party)))
            if spouses:
                _check_spouses(rows, errors)
                _raise(errors)
        previous = li.valid_to
        Liability.objects.filter(pk=li.pk).update(valid_to=valid_to)
        li.valid_to = valid_to
        audit_log(actor=actor, action="taxes.liability.ended", obj=li.object, details={
            "liability": li.pk, "party": li.party_id, "valid_to": valid_to.isoformat(),
            "previous_valid_to": previous.isoformat() if previous else None,
        })  # fmt: skip
    return li
