"""Transport tax classes (upol art. 8 and 10, annexes 1–3): the class (rate category code) of a vehicle.

Pure: no ORM. The brackets below are the statutory *structure* (kind, axles, permissible mass, suspension, seats);
the money values (the maximum of art. 10 ust. 1 and the minimum of the annexes, per year) are reference data in
``taxes/data/max_rates.csv``.

Masses are whole kilograms. Every bracket is a half-open interval ``[mass_from, mass_to)`` of kilograms, so the
statutory wording maps as follows:

* "powyżej 3,5 t do 5,5 t włącznie" → [3 501, 5 501); "powyżej 9 t i poniżej 12 t" → [9 001, 12 000);
* the annexes' "nie mniej niż 13 t / mniej niż 14 t" → [13 000, 14 000);
* art. 10 ust. 1 pkt 4 and 6 split the maximum of tractor units and trailers at "do 36 ton włącznie" / "powyżej
  36 ton" → an annex row crossing 36 t is split at 36 001 kg (same minimum, different maximum).

For a tractor unit and a trailer (semi-trailer) ``mass_kg`` is the permissible mass of the *combination* (zespół
pojazdów) and ``axles`` the axles of the tractor unit / of the trailer itself, as in annexes 2 and 3. A bus is
classed by its seats besides the driver's (< 22 / ≥ 22).

Not taxable (``EngineError(code="not_taxable")``): a truck of at most 3.5 t, a tractor unit whose combination is
below 3.5 t, a trailer whose combination with the towing vehicle is below 7 t (art. 8 pkt 1, 3, 5). Missing or
impossible data (no axles for a heavy vehicle, a bus without seats, an unknown kind) → ``code="vehicle_data"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from taxes.domain.engine import EngineError, VehicleData

TRUCK, TRACTOR, TRAILER, BUS = "truck", "tractor", "trailer", "bus"
KINDS = (TRUCK, TRACTOR, TRAILER, BUS)
HEAVY_KG = 12_000
SPLIT_36_KG = 36_001  # "do 36 ton włącznie" / "powyżej 36 ton" (art. 10 ust. 1 pkt 4, 6)
BUS_SEATS = 22
# The lowest taxable permissible mass per kind (art. 8 pkt 1, 3, 5): above 3.5 t, from 3.5 t, from 7 t.
TAXABLE_FROM_KG = {TRUCK: 3_501, TRACTOR: 3_500, TRAILER: 7_000}


@dataclass(frozen=True)
class Bracket:
    """One transport tax class. ``axles_to`` None = "and more"; ``mass_to`` None = no upper limit; ``air`` None =
    the suspension does not matter, True = pneumatic or equivalent, False = other systems. ``annex`` is the annex of
    upol with the minimum (0 = no statutory minimum); ``maximum`` names the line of art. 10 ust. 1."""

    code: str
    kind: str
    axles_from: int
    axles_to: int | None
    mass_from: int
    mass_to: int | None
    air: bool | None
    annex: int
    maximum: str
    seats_from: int = 0
    seats_to: int | None = None

    def contains(self, v: VehicleData) -> bool:
        if v.kind != self.kind:
            return False
        if self.kind == BUS:
            return self.seats_from <= v.seats and (self.seats_to is None or v.seats < self.seats_to)
        if not (self.mass_from <= v.mass_kg and (self.mass_to is None or v.mass_kg < self.mass_to)):
            return False
        if self.annex and not (self.axles_from <= v.axles and (self.axles_to is None or v.axles <= self.axles_to)):
            return False
        return self.air is None or self.air == bool(v.air_suspension)


def _t(tonnes: float | None) -> int | None:
    return None if tonnes is None else round(tonnes * 1000)


def _heavy(kind: str, prefix: str, annex: int, rows, split_36: bool) -> list[Bracket]:
    """Annex rows (axles label, axles_from, axles_to, [(from t, to t), …]) → brackets for both suspensions; the
    rows crossing 36 t are split there when the maximum of art. 10 depends on it."""
    out = []
    for label, a_from, a_to, ranges in rows:
        for lo, hi in ranges:
            pieces = [(_t(lo), _t(hi))]
            if split_36 and _t(lo) < SPLIT_36_KG and (hi is None or _t(hi) > SPLIT_36_KG):
                pieces = [(_t(lo), SPLIT_36_KG), (SPLIT_36_KG, _t(hi))]
            for p_lo, p_hi in pieces:
                lo_txt = "36" if p_lo == SPLIT_36_KG else f"{p_lo // 1000}"
                hi_txt = "plus" if p_hi is None else ("36" if p_hi == SPLIT_36_KG else f"{p_hi // 1000}")
                if split_36:
                    maximum = f"{kind}_le36" if p_hi is not None and p_hi <= SPLIT_36_KG else f"{kind}_gt36"
                else:
                    maximum = f"{kind}_12"
                for air, suffix in ((True, "air"), (False, "other")):
                    code = f"{prefix}_{label}_{lo_txt}_{hi_txt}_{suffix}"
                    out.append(Bracket(code, kind, a_from, a_to, p_lo, p_hi, air, annex, maximum))
    return out


BRACKETS: tuple[Bracket, ...] = (
    *[
        # art. 8 pkt 1 / art. 10 ust. 1 pkt 1 a–c: trucks above 3.5 t and below 12 t.
        Bracket("truck_3_5_5_5", TRUCK, 0, None, 3_501, 5_501, None, 0, "truck_3_5_5_5"),
        Bracket("truck_5_5_9", TRUCK, 0, None, 5_501, 9_001, None, 0, "truck_5_5_9"),
        Bracket("truck_9_12", TRUCK, 0, None, 9_001, HEAVY_KG, None, 0, "truck_9_12"),
        # art. 8 pkt 3 / art. 10 ust. 1 pkt 3: tractor units, combination from 3.5 t and below 12 t.
        Bracket("tractor_3_5_12", TRACTOR, 0, None, 3_500, HEAVY_KG, None, 0, "tractor_3_5_12"),
        # art. 8 pkt 5 / art. 10 ust. 1 pkt 5: trailers, combination from 7 t and below 12 t.
        Bracket("trailer_7_12", TRAILER, 0, None, 7_000, HEAVY_KG, None, 0, "trailer_7_12"),
        # art. 8 pkt 7 / art. 10 ust. 1 pkt 7: buses by seats besides the driver's.
        Bracket("bus_lt22", BUS, 0, None, 0, None, None, 0, "bus_lt22", 0, BUS_SEATS),
        Bracket("bus_22_plus", BUS, 0, None, 0, None, None, 0, "bus_22_plus", BUS_SEATS, None),
    ],
    # annex 1: trucks of 12 t and more (art. 8 pkt 2), by axles of the truck.
    *_heavy(TRUCK, "truck", 1, [
        ("2ax", 2, 2, [(12, 13), (13, 14), (14, 15), (15, None)]),
        ("3ax", 3, 3, [(12, 17), (17, 19), (19, 21), (21, 23), (23, 25), (25, None)]),
        ("4ax", 4, None, [(12, 25), (25, 27), (27, 29), (29, 31), (31, None)]),
    ], split_36=False),
    # annex 2: tractor units, combination of 12 t and more (art. 8 pkt 4), by axles of the tractor unit.
    *_heavy(TRACTOR, "tractor", 2, [
        ("2ax", 2, 2, [(12, 18), (18, 25), (25, 31), (31, None)]),
        ("3ax", 3, None, [(12, 40), (40, None)]),
    ], split_36=True),
    # annex 3: trailers, combination of 12 t and more (art. 8 pkt 6), by axles of the trailer.
    *_heavy(TRAILER, "trailer", 3, [
        ("1ax", 1, 1, [(12, 18), (18, 25), (25, None)]),
        ("2ax", 2, 2, [(12, 28), (28, 33), (33, 38), (38, None)]),
        ("3ax", 3, None, [(12, 38), (38, None)]),
    ], split_36=True),
)  # fmt: skip

BY_CODE = {b.code: b for b in BRACKETS}


def kind_of_category(code: str) -> str:
    """The vehicle kind a class code belongs to ("" for a code that is not a transport class)."""
    bracket = BY_CODE.get(code or "")
    return bracket.kind if bracket else ""


def vehicle_category(v: VehicleData) -> str:
    """The transport tax class (rate category code) of the vehicle; see the module docstring for the errors."""
    if v.kind not in KINDS:
        raise EngineError(f"Unknown kind of vehicle: {v.kind!r}.", code="vehicle_data", item=v)
    if v.kind == BUS:
        if not v.seats or v.seats < 1:
            raise EngineError("A bus needs its number of seats.", code="vehicle_data", item=v)
    else:
        if v.mass_kg is None or v.mass_kg < TAXABLE_FROM_KG[v.kind]:
            raise EngineError(
                f"A {v.kind} of {v.mass_kg} kg is not subject to the transport tax.", code="not_taxable", item=v
            )
        if v.mass_kg >= HEAVY_KG and (v.axles or 0) < (1 if v.kind == TRAILER else 2):
            raise EngineError(
                f"A {v.kind} of 12 t or more needs its number of axles (given: {v.axles}).", code="vehicle_data", item=v
            )
    found = [b.code for b in BRACKETS if b.contains(v)]
    if len(found) != 1:  # the table is built so that this cannot happen (tests/taxes/test_vehicles.py)
        raise EngineError(f"No single transport tax class for {v}: {found}.", code="vehicle_data", item=v)
    return found[0]


def _int(value) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "tak", "t", "yes")
    return bool(value)


def expected_vehicle_class(
    fields: Mapping, given: str = "", kind: str = "", *, name_of: Callable[[str], str] | None = None
) -> tuple[str, str]:
    """(class code, refusal message) for the vehicle described by ``fields`` (``vehicle_mass_kg``,
    ``vehicle_axles``, ``vehicle_air_suspension``, ``vehicle_seats``); ``given`` is the class code entered (may be
    empty), ``kind`` the vehicle kind when no class is entered. The code is the given one when it is consistent,
    the automatic one when none was given; the message is empty when all is well. ``name_of`` (code → the class's
    name, "" when unknown) lets the message name the expected class; without it the message names the code only."""
    given = (given or "").strip()
    kind = (kind or "").strip() or kind_of_category(given)
    if given and not kind_of_category(given):
        return given, ""  # not a transport class: the caller reports an unknown / foreign category
    if kind not in KINDS:
        return "", _("Give the kind of the vehicle (truck, tractor unit, trailer, bus) or its tax class.")
    vehicle = VehicleData(
        kind=kind,
        mass_kg=_int(fields.get("vehicle_mass_kg")),
        axles=_int(fields.get("vehicle_axles")),
        air_suspension=_bool(fields.get("vehicle_air_suspension")),
        seats=_int(fields.get("vehicle_seats")),
    )
    try:
        expected = vehicle_category(vehicle)
    except EngineError as exc:
        if exc.code == "not_taxable":
            return "", _(
                "A vehicle of this kind with a permissible mass of %(mass)s kg is not subject to the transport tax."
            ) % {"mass": vehicle.mass_kg}
        if kind == "bus":
            return "", _("A bus needs its number of seats.")
        return "", _("A vehicle of 12 t or more needs its number of axles.")
    if given and given != expected:
        name = name_of(expected) if name_of is not None else ""
        if not name:
            return "", _("The vehicle data give the transport tax class %(expected)s, not %(given)s.") % {
                "expected": expected,
                "given": given,
            }
        return "", _("The vehicle data give the transport tax class %(expected)s (%(name)s), not %(given)s.") % {
            "expected": expected,
            "name": name,
            "given": given,
        }
    return expected, ""
