"""The waste fee (opłata za gospodarowanie odpadami komunalnymi, ucpg ch. 3a; issue 9 point 3): pure functions over
frozen dataclasses and Decimal, no ORM.

Inputs, built by the caller from the council's resolution and the declaration (or an art. 6o decision):

* :class:`WasteRates` — one resolution period: the allowed methods for residential properties and their rates, the
  non-selective multiplier (2–4), the composting discount, the optional exemptions, the holiday cottage's annual
  flat rate, the container rates and the water method's household cap;
* :class:`Declared` — what a declaration says about a property for a period.

Rules (docs/waste.md, "The fee computation"):

1. The base of the residential part is quantity × rate of the method (residents, m³ of water per month, m² of the
   dwelling, households). Under the water method the base of one household cannot exceed the household cap
   (ucpg art. 6j ust. 3f: 7.8 % of the income, :func:`caps`): base ≤ households × cap (a ``cap`` line).
2. Non-selective collection: the (capped) base is multiplied by the resolution's multiplier (2–4×, since the 2019
   amendment); the ``multiplier`` line is base × (multiplier − 1). It applies to the containers and the cottage too.
   The composting discount and the exemptions still apply after it (the resolution's conditions are the caller's).
3. The composting discount (art. 6k ust. 4a) per person (× residents) or per household (× households) is then
   subtracted, then the exemptions (art. 6k ust. 4): a percentage of what remains, or an amount per person or per
   household, in the order of the declaration. No reduction takes the residential part below 0.
4. Containers (non-residential properties and the non-residential part of a mixed-use property): the resolution's
   rate is **per month** for one container of the given capacity emptied the given number of times per month;
   the part is Σ count × rate.
5. A holiday cottage pays an **annual** flat rate, charged once a year: :attr:`FeeResult.annual`, never part of
   the monthly :attr:`FeeResult.total`.
6. The fee is **not rounded** (art. 6q ust. 2): every line keeps the exact Decimal product
   (:attr:`FeeResult.exact`). Only when the exact total has a fraction of a grosz (3.3 m³ × 22.17 = 73.161) the
   amount payable :attr:`FeeResult.total` is that total to the grosz, ROUND_HALF_UP, once, on the month's total
   (73.161 → 73.16; 0.005 → 0.01); a total in whole grosze (29.75) keeps its value (shown with 2 decimals).
7. The statutory caps (art. 6k ust. 2a, 6j ust. 3f) are percentages of the GUS average monthly disposable income per
   person of the previous year, each **truncated** to the grosz (10 % × 3167.17 = 316.717 → 316.71).
8. A change of the declared data applies **for the month in which the change occurred** (art. 6m ust. 2); a new
   declaration is due within 14 days of the first resident moving in, a change by the 10th of the following month
   (art. 6m ust. 1). The weekend/holiday shift is the caller's (``shift``, as in :mod:`taxes.domain.installments`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from taxes.domain.forms import Problem

ZERO = Decimal("0")
ONE = Decimal("1")
GROSZ = Decimal("0.01")
HUNDRED = Decimal("100")

# Methods of a residential property (art. 6j ust. 1–2).
RESIDENT, WATER, AREA, HOUSEHOLD = "resident", "water", "area", "household"
METHODS = (RESIDENT, WATER, AREA, HOUSEHOLD)
# The other rate kinds the caps know (rate_cap_problem): the water method's household cap, the holiday cottage.
WATER_HOUSEHOLD, COTTAGE, CONTAINER = "water_household", "cottage", "container"
# Basis of the composting discount and of an exemption given as an amount.
PER_PERSON, PER_HOUSEHOLD = "person", "household"
# Kind of an exemption.
PERCENT, AMOUNT = "percent", "amount"
# Kinds of a declaration for declaration_deadline.
FIRST, CHANGE = "first", "change"
FIRST_DAYS = 14
CHANGE_DAY = 10
MULTIPLIER_MIN, MULTIPLIER_MAX = Decimal("2"), Decimal("4")

#: statutory caps as % of the income (art. 6k ust. 2a, art. 6j ust. 3f)
CAP_PERCENT = {
    RESIDENT: Decimal("2"),
    WATER: Decimal("0.7"),
    AREA: Decimal("0.08"),
    HOUSEHOLD: Decimal("5.6"),
    WATER_HOUSEHOLD: Decimal("7.8"),
    COTTAGE: Decimal("10"),
}

Shift = Callable[[datetime.date], datetime.date]


class WasteFeeError(ValueError):
    """The fee cannot be computed: ``problems`` are the precise reasons (see :func:`declared_problems`)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(" ".join(p.message for p in problems))
        self.problems = tuple(problems)


def truncate(amount: Decimal) -> Decimal:
    """To the grosz, dropping the rest (the caps: 316.717 → 316.71)."""
    return Decimal(amount).quantize(GROSZ, rounding=ROUND_DOWN)


def payable(amount: Decimal) -> Decimal:
    """The amount payable of an exact fee: unchanged when in whole grosze, else to the grosz ROUND_HALF_UP."""
    return Decimal(amount).quantize(GROSZ, rounding=ROUND_HALF_UP)


def method_name(method: str) -> str:
    return {
        RESIDENT: _("per resident"),
        WATER: _("per m³ of water"),
        AREA: _("per m² of dwelling"),
        HOUSEHOLD: _("per household"),
        WATER_HOUSEHOLD: _("water method, per household"),
        COTTAGE: _("holiday cottage, per year"),
        CONTAINER: _("per container"),
    }.get(method, method or "—")


# --- caps ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caps:
    """The statutory maxima from ``income`` (GUS, previous year), each truncated to the grosz; monthly except
    ``cottage`` (per year)."""

    income: Decimal
    resident: Decimal
    water: Decimal
    area: Decimal
    household: Decimal
    water_household: Decimal
    cottage: Decimal

    def of(self, method: str) -> Decimal | None:
        return getattr(self, method, None) if method in CAP_PERCENT else None


def caps(income: Decimal) -> Caps:
    """The caps of art. 6k ust. 2a and art. 6j ust. 3f: 3167.17 → 63.34 / 22.17 / 2.53 / 177.36 / 247.03 / 316.71."""
    income = Decimal(income)
    values = {method: truncate(income * percent / HUNDRED) for method, percent in CAP_PERCENT.items()}
    return Caps(income=income, **values)


def rate_cap_problem(method: str, rate: Decimal, caps: Caps) -> str:
    """ "" when ``rate`` of ``method`` is within its cap, else the message naming the cap. Container rates have no
    cap in the reference data (domain §14 point 8): only a negative rate is refused."""
    rate = Decimal(rate)
    if rate < 0:
        return _("The rate %(rate)s zł (%(method)s) cannot be negative.") % {
            "rate": rate,
            "method": method_name(method),
        }
    maximum = caps.of(method)
    if maximum is None or rate <= maximum:
        return ""
    return _(
        "The rate %(rate)s zł (%(method)s) exceeds the statutory maximum %(maximum)s zł "
        "(%(percent)s%% of the average disposable income %(income)s zł)."
    ) % {
        "rate": rate,
        "method": method_name(method),
        "maximum": maximum,
        "percent": CAP_PERCENT[method],
        "income": caps.income,
    }


def multiplier_problem(multiplier: Decimal) -> str:
    """ "" when the non-selective multiplier is within 2–4 (domain reference §8), else the message."""
    if MULTIPLIER_MIN <= Decimal(multiplier) <= MULTIPLIER_MAX:
        return ""
    return _("The increased rate for non-selective collection must be 2 to 4 times the basic rate, not %(value)s.") % {
        "value": multiplier
    }


def rates_problems(rates: WasteRates, caps: Caps) -> list[Problem]:
    """Every reason ``rates`` break the law for the income of ``caps``: a rate above its cap or negative, the water
    household cap above 7.8 %, the multiplier outside 2–4, a negative composting discount, an exemption percentage
    outside 0–100 or a negative exemption amount, an unknown method."""
    problems: list[Problem] = []
    for method in rates.methods:
        if method not in METHODS:
            problems.append(Problem("method", _("Unknown method %(method)s.") % {"method": method}))
    checked = [(method, rate) for method, rate in rates.rates.items() if rate is not None]
    if rates.water_cap is not None:
        checked.append((WATER_HOUSEHOLD, rates.water_cap))
    if rates.cottage_rate is not None:
        checked.append((COTTAGE, rates.cottage_rate))
    checked += [(CONTAINER, rate) for rate in rates.container_rates.values()]
    for method, rate in checked:
        if message := rate_cap_problem(method, rate, caps):
            problems.append(Problem("rate", message))
    if message := multiplier_problem(rates.multiplier):
        problems.append(Problem("multiplier", message))
    if Decimal(rates.composting_discount) < 0:
        message = _("The composting discount cannot be negative (%(value)s).")
        problems.append(Problem("discount", message % {"value": rates.composting_discount}))
    for exemption in rates.exemptions.values():
        value = Decimal(exemption.value)
        if exemption.kind == PERCENT and not ZERO <= value <= HUNDRED:
            message = _("The exemption %(code)s must be 0 to 100 percent, not %(value)s.")
            problems.append(Problem("exemption", message % {"code": exemption.code, "value": value}))
        elif exemption.kind != PERCENT and value < 0:
            message = _("The exemption %(code)s cannot be a negative amount (%(value)s).")
            problems.append(Problem("exemption", message % {"code": exemption.code, "value": value}))
    return problems


# --- inputs --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exemption:
    """An optional exemption of the resolution (art. 6k ust. 4): ``kind`` PERCENT (``value`` % of the residential
    fee after the composting discount) or AMOUNT (``value`` zł per ``basis``: PER_PERSON or PER_HOUSEHOLD)."""

    code: str
    kind: str
    value: Decimal
    basis: str = PER_HOUSEHOLD


@dataclass(frozen=True)
class WasteRates:
    """One resolution period. ``rates`` method → monthly rate (RESIDENT per person, WATER per m³, AREA per m²,
    HOUSEHOLD per household); ``container_rates`` (capacity in litres, emptyings per month) → monthly rate of one
    container; ``cottage_rate`` the annual flat rate of a holiday cottage; ``water_cap`` the water method's cap per
    household (``caps(income).water_household``; None: no cap)."""

    methods: tuple[str, ...]
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    multiplier: Decimal = Decimal("2")
    composting_discount: Decimal = ZERO
    composting_basis: str = PER_PERSON
    exemptions: Mapping[str, Exemption] = field(default_factory=dict)
    cottage_rate: Decimal | None = None
    container_rates: Mapping[tuple[int, int], Decimal] = field(default_factory=dict)
    water_cap: Decimal | None = None


@dataclass(frozen=True)
class Container:
    capacity_l: int
    frequency: int  # emptyings per month
    count: int = 1


@dataclass(frozen=True)
class Declared:
    """A property's declared data for a period. ``method`` is "" for a property without a residential part;
    ``water_m3`` is per month; a mixed-use property has a method and ``containers``."""

    method: str = ""
    residents: int | None = None
    water_m3: Decimal | None = None
    area_m2: Decimal | None = None
    households: int = 1
    selective: bool = True
    composts: bool = False
    exemptions: tuple[str, ...] = ()
    cottage: bool = False
    containers: tuple[Container, ...] = ()

    @property
    def mixed(self) -> bool:
        return bool(self.method) and bool(self.containers)


# --- results -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeLine:
    """One line of the breakdown: ``kind`` base, cap, multiplier, discount, exemption, container or cottage;
    ``amount`` = quantity × rate exactly (negative for reductions)."""

    kind: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    code: str = ""  # the method, the exemption code or "capacity/frequency" of a container


@dataclass(frozen=True)
class FeeResult:
    lines: tuple[FeeLine, ...]
    residential: Decimal  # the exact residential part of a month (≥ 0)
    containers: Decimal  # the exact container part of a month
    annual: Decimal = ZERO  # the holiday cottage's annual fee (charged once a year, not in ``total``)

    @property
    def exact(self) -> Decimal:
        """The exact monthly fee (art. 6q ust. 2: not rounded)."""
        return self.residential + self.containers

    @property
    def total(self) -> Decimal:
        """The monthly amount payable: ``exact`` unless it has a fraction of a grosz (then to the grosz, HALF_UP)."""
        return payable(self.exact)


# --- validation ----------------------------------------------------------------------------------------------------


def _quantity_of(method: str, declared: Declared) -> Decimal | int | None:
    return {
        RESIDENT: declared.residents,
        WATER: declared.water_m3,
        AREA: declared.area_m2,
        HOUSEHOLD: declared.households,
    }.get(method)


def _data_name(method: str) -> str:
    return {
        RESIDENT: _("the number of residents"),
        WATER: _("the water consumed in m³ per month"),
        AREA: _("the dwelling area in m²"),
        HOUSEHOLD: _("the number of households"),
    }[method]


def declared_problems(declared: Declared, rates: WasteRates) -> list[Problem]:
    """Every reason the fee of ``declared`` cannot be computed under ``rates`` (empty: it can)."""
    problems: list[Problem] = []

    def error(code: str, message: str) -> None:
        problems.append(Problem(code, message))

    if declared.residents is not None and declared.residents < 0:
        error("residents", _("The number of residents cannot be negative (%(value)s).") % {"value": declared.residents})
    if declared.water_m3 is not None and declared.water_m3 < 0:
        error("water", _("The water consumed cannot be negative (%(value)s m³).") % {"value": declared.water_m3})
    if declared.area_m2 is not None and declared.area_m2 < 0:
        error("area", _("The dwelling area cannot be negative (%(value)s m²).") % {"value": declared.area_m2})
    if declared.households < 0:
        error(
            "households", _("The number of households cannot be negative (%(value)s).") % {"value": declared.households}
        )
    method = declared.method
    if method:
        if method not in METHODS or method not in rates.methods:
            error(
                "method",
                _("The resolution does not allow the method %(method)s; allowed: %(allowed)s.")
                % {"method": method_name(method), "allowed": ", ".join(method_name(m) for m in rates.methods) or "—"},
            )
        else:
            if _quantity_of(method, declared) is None:
                error("missing", _("The method %(method)s needs %(data)s.") % {
                    "method": method_name(method), "data": _data_name(method)})  # fmt: skip
            if rates.rates.get(method) is None:
                error("rate", _("The resolution sets no rate for the method %(method)s.") % {
                    "method": method_name(method)})  # fmt: skip
        if declared.composts and rates.composting_basis == PER_PERSON and declared.residents is None:
            error("missing", _("The composting discount per person needs the number of residents."))
        for code in declared.exemptions:
            exemption = rates.exemptions.get(code)
            if exemption is None:
                error("exemption", _("The resolution has no exemption %(code)s.") % {"code": code})
            elif exemption.kind == AMOUNT and exemption.basis == PER_PERSON and declared.residents is None:
                error("missing", _("The exemption %(code)s per person needs the number of residents.") % {"code": code})
    elif declared.composts or declared.exemptions:
        error("method", _("The composting discount and the exemptions need a method for the residential part."))
    for container in declared.containers:
        if container.count < 0:
            error(
                "containers", _("The number of containers cannot be negative (%(value)s).") % {"value": container.count}
            )
        elif (container.capacity_l, container.frequency) not in rates.container_rates:
            error(
                "container",
                _("The resolution has no rate for a %(capacity)s l container emptied %(frequency)s times a month.")
                % {"capacity": container.capacity_l, "frequency": container.frequency},
            )
    if declared.cottage and rates.cottage_rate is None:
        error("cottage", _("The resolution sets no annual rate for holiday cottages."))
    if not method and not declared.containers and not declared.cottage:
        error("empty", _("The declaration gives neither a method nor containers nor a holiday cottage."))
    return problems


# --- computation ---------------------------------------------------------------------------------------------------


def monthly_fee(declared: Declared, rates: WasteRates) -> FeeResult:
    """The fee of one month with its breakdown (see the module's rules); :class:`WasteFeeError` on bad input."""
    problems = declared_problems(declared, rates)
    if problems:
        raise WasteFeeError(problems)
    multiplier = ONE if declared.selective else Decimal(rates.multiplier)
    lines: list[FeeLine] = []
    residential = ZERO
    residents = Decimal(declared.residents or 0)
    households = Decimal(declared.households)
    if declared.method:
        method = declared.method
        quantity = Decimal(_quantity_of(method, declared))
        rate = Decimal(rates.rates[method])
        base = quantity * rate
        lines.append(FeeLine("base", quantity, rate, base, method))
        if method == WATER and rates.water_cap is not None and base > households * rates.water_cap:
            capped = households * Decimal(rates.water_cap)
            lines.append(FeeLine("cap", households, Decimal(rates.water_cap), capped - base, WATER_HOUSEHOLD))
            base = capped
        residential = base
        if multiplier != ONE:
            extra = base * (multiplier - ONE)
            lines.append(FeeLine("multiplier", base, multiplier - ONE, extra))
            residential += extra
        reductions: list[tuple[str, Decimal, Decimal, Decimal, str]] = []
        if declared.composts and rates.composting_discount:
            count = residents if rates.composting_basis == PER_PERSON else households
            reductions.append(("discount", count, Decimal(rates.composting_discount), ZERO, rates.composting_basis))
        for code in declared.exemptions:
            exemption = rates.exemptions[code]
            if exemption.kind == PERCENT:
                reductions.append(("exemption", ZERO, Decimal(exemption.value), Decimal(exemption.value), code))
            else:
                count = residents if exemption.basis == PER_PERSON else households
                reductions.append(("exemption", count, Decimal(exemption.value), ZERO, code))
        for kind, count, value, percent, code in reductions:
            if percent:
                quantity, rate, amount = residential, percent / HUNDRED, residential * percent / HUNDRED
            else:
                quantity, rate, amount = count, value, count * value
            amount = min(amount, residential)  # never below 0
            lines.append(FeeLine(kind, quantity, rate, -amount, code))
            residential -= amount
    containers = ZERO
    for container in declared.containers:
        rate = Decimal(rates.container_rates[(container.capacity_l, container.frequency)]) * multiplier
        amount = Decimal(container.count) * rate
        lines.append(
            FeeLine(
                "container", Decimal(container.count), rate, amount, f"{container.capacity_l}/{container.frequency}"
            )
        )
        containers += amount
    annual = ZERO
    if declared.cottage:
        annual = Decimal(rates.cottage_rate) * multiplier
        lines.append(FeeLine("cottage", ONE, annual, annual, COTTAGE))
    return FeeResult(lines=tuple(lines), residential=residential, containers=containers, annual=annual)


# --- periods and deadlines -----------------------------------------------------------------------------------------


def _months(year_month_from: tuple[int, int], year_month_to: tuple[int, int]) -> list[tuple[int, int]]:
    year, month = year_month_from
    result = []
    while (year, month) <= tuple(year_month_to):
        result.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def _last_day(year: int, month: int) -> datetime.date:
    first_next = datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)
    return first_next - datetime.timedelta(days=1)


def fees_for_period(
    changes: Sequence[tuple[datetime.date, Declared | None]],
    rates_by_month: Mapping[tuple[int, int], WasteRates] | Callable[[int, int], WasteRates],
    year_month_from: tuple[int, int],
    year_month_to: tuple[int, int],
) -> list[tuple[int, int, FeeResult]]:
    """The monthly fees of a period: each month is charged under the last change effective on or before its last day
    — a change applies **for the month in which it occurred** (art. 6m ust. 2; E7: a resident moving in on 20.06 →
    June at the new fee). Changes on the same day: the later in ``changes`` wins. ``None`` ends the obligation (no fee
    from the month of that change); months before the first change have no fee. ``rates_by_month`` maps (year,
    month) to the resolution in force (or is a callable)."""
    ordered = sorted(enumerate(changes), key=lambda pair: (pair[1][0], pair[0]))
    rates_of = rates_by_month if callable(rates_by_month) else lambda y, m: rates_by_month[(y, m)]
    result = []
    for year, month in _months(year_month_from, year_month_to):
        last = _last_day(year, month)
        current = None
        for _index, (effective, declared) in ordered:
            if effective > last:
                break
            current = declared
        if current is not None:
            result.append((year, month, monthly_fee(current, rates_of(year, month))))
    return result


def declaration_deadline(kind: str, event_date: datetime.date, shift: Shift = lambda day: day) -> datetime.date:
    """The last day to file (art. 6m ust. 1): FIRST — 14 days from the first resident moving in (or waste first
    arising); CHANGE — the 10th day of the month following the change (E7: 20.06 → 10.07). ``shift`` moves a
    weekend or holiday to the next working day (the caller's calendar)."""
    if kind == FIRST:
        day = event_date + datetime.timedelta(days=FIRST_DAYS)
    elif kind == CHANGE:
        year, month = (event_date.year + 1, 1) if event_date.month == 12 else (event_date.year, event_date.month + 1)
        day = datetime.date(year, month, CHANGE_DAY)
    else:
        raise ValueError(f"unknown declaration kind {kind!r}")
    return shift(day)
