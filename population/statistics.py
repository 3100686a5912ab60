"""Population statistics on a chosen date: residents by age group, sex, locality and registration type.

Only residents with a registration of stay in force on the date are counted (``selectors.in_force_on``:
start_date <= day < end_date), so the figures are correct for any day in the past.

The pure parts — exact ages, the age groups' birth-date bounds, the bar chart's geometry and the CSV —
take plain values and need no database. ``population_statistics`` aggregates in the database, whatever
the number of residents: one query for age groups and sex together, one for the localities (and one to
name them), one for the registration types.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from core.actors import require_perm_or_not_found as _require
from core.domain.text import fold
from core.models import Locality, Party
from population.models import Registration, Resident
from population.selectors import in_force_on

# --- ages ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeGroup:
    key: str
    min_age: int
    max_age: int | None  # inclusive; None: no upper bound

    @property
    def label(self) -> str:
        return f"{self.min_age}+" if self.max_age is None else f"{self.min_age}–{self.max_age}"


#: The age groups of the statistics (completed years on the chosen date). Contiguous from 0, open at the top.
AGE_GROUPS: list[AgeGroup] = [
    AgeGroup("0-6", 0, 6),
    AgeGroup("7-17", 7, 17),
    AgeGroup("18-64", 18, 64),
    AgeGroup("65+", 65, None),
]


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def anniversary(birth: datetime.date, years: int) -> datetime.date:
    """The day a person born on ``birth`` completes ``years`` years.

    Art. 112 of the Civil Code: when the month has no such day (29.02 in a common year), the term ends
    on the last day of that month, so someone born on 29.02 completes a year on 28.02.
    """
    year = birth.year + years
    if birth.month == 2 and birth.day == 29 and not _is_leap(year):
        return datetime.date(year, 2, 28)
    return birth.replace(year=year)


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Completed years on ``day`` (0 on the day of birth)."""
    age = day.year - birth.year
    if anniversary(birth, age) > day:
        age -= 1
    return age


def latest_birth_date(day: datetime.date, age: int) -> datetime.date:
    """The latest date of birth of someone who is at least ``age`` years old on ``day``.

    ``age_on(b, day) >= age``  ⇔  ``b <= latest_birth_date(day, age)`` — what the database compares.
    """
    year = day.year - age
    if day.month == 2 and day.day == 29 and not _is_leap(year):
        return datetime.date(year, 2, 28)
    if day.month == 2 and day.day == 28 and not _is_leap(day.year) and _is_leap(year):
        return datetime.date(year, 2, 29)  # born on 29.02: completes the years on 28.02 (art. 112)
    return day.replace(year=year)


def birth_date_range(group: AgeGroup, day: datetime.date) -> tuple[datetime.date | None, datetime.date]:
    """(born after, born on or before): the dates of birth of the people in ``group`` on ``day``."""
    born_on_or_before = latest_birth_date(day, group.min_age)
    born_after = None if group.max_age is None else latest_birth_date(day, group.max_age + 1)
    return born_after, born_on_or_before


def age_group_of(birth: datetime.date, day: datetime.date) -> AgeGroup | None:
    age = age_on(birth, day)
    for group in AGE_GROUPS:
        if age >= group.min_age and (group.max_age is None or age <= group.max_age):
            return group
    return None


# --- the figures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Breakdown:
    key: str
    title: str
    category: str  # the heading of the first column
    rows: list[Row]
    note: str = ""


@dataclass(frozen=True)
class PopulationStatistics:
    on: datetime.date
    total: int
    age_groups: Breakdown
    sex: Breakdown
    localities: Breakdown
    kinds: Breakdown

    @property
    def breakdowns(self) -> list[Breakdown]:
        return [self.age_groups, self.sex, self.localities, self.kinds]


def _age_groups_and_sex(residents, on: datetime.date) -> tuple[Breakdown, Breakdown]:
    """Both breakdowns from one aggregate query: grouped by sex, with a conditional count per age group."""
    aggregates = {"n": Count("pk"), "unknown": Count("pk", filter=Q(party__birth_date__isnull=True))}
    for i, group in enumerate(AGE_GROUPS):
        born_after, born_on_or_before = birth_date_range(group, on)
        cond = Q(party__birth_date__lte=born_on_or_before)
        if born_after is not None:
            cond &= Q(party__birth_date__gt=born_after)
        aggregates[f"g{i}"] = Count("pk", filter=cond)
    by_sex = list(residents.values("party__sex").annotate(**aggregates).order_by())

    def total(key: str) -> int:
        return sum(row[key] for row in by_sex)

    ages = [Row(group.key, group.label, total(f"g{i}")) for i, group in enumerate(AGE_GROUPS)]
    if total("unknown"):
        ages.append(Row("unknown", _("date of birth unknown"), total("unknown")))
    counts = {row["party__sex"]: row["n"] for row in by_sex}
    sexes = [Row(value, str(label), counts.pop(value, 0)) for value, label in Party.Sex.choices]
    if sum(counts.values()):
        sexes.append(Row("unknown", _("not given"), sum(counts.values())))
    return (
        Breakdown(
            "age",
            _("Age group"),
            _("Age (completed years)"),
            ages,
            _("Age in completed years on the chosen date, from the date of birth."),
        ),
        Breakdown("sex", _("Sex"), _("Sex"), sexes),
    )


def _localities(registrations) -> Breakdown:
    # Grouped by the locality's id alone (a narrow sort for COUNT DISTINCT); the few names come after.
    counts = dict(registrations.values_list("locality_id").annotate(n=Count("resident_id", distinct=True)).order_by())
    localities = Locality.objects.filter(pk__in=counts).values_list("pk", "name", "sym")
    names = [name for _pk, name, _sym in localities]

    def label(name: str, sym: str) -> str:  # two localities of one name are told apart by their SIMC identifier
        return name if names.count(name) == 1 else f"{name} ({sym})"

    rows = [Row(sym, label(name, sym), counts[pk]) for pk, name, sym in localities]
    rows.sort(key=lambda row: (fold(row.label), row.key))
    return Breakdown(
        "locality",
        _("Locality"),
        _("Locality"),
        rows,
        _("A person registered in two localities (permanent stay in one, temporary in the other) counts in both."),
    )


def _kinds(registrations) -> Breakdown:
    counts = registrations.aggregate(
        **{
            kind: Count("resident_id", distinct=True, filter=Q(kind=kind))
            for kind in (Registration.Kind.PERMANENT, Registration.Kind.TEMPORARY)
        }
    )
    rows = [
        Row(Registration.Kind.PERMANENT, _("permanent stay"), counts[Registration.Kind.PERMANENT] or 0),
        Row(Registration.Kind.TEMPORARY, _("temporary stay"), counts[Registration.Kind.TEMPORARY] or 0),
    ]
    return Breakdown(
        "kind",
        _("Registration type"),
        _("Registration type"),
        rows,
        _("A person registered for both a permanent and a temporary stay counts in both rows."),
    )


def population_statistics(*, user, on: datetime.date) -> PopulationStatistics:
    """Residents registered on ``on`` by age group, sex, locality and registration type (4 queries)."""
    _require(user, "population.view_statistics")
    registrations = Registration.objects.filter(in_force_on(on))
    residents = Resident.objects.filter(pk__in=registrations.values("resident_id"))
    age_groups, sex = _age_groups_and_sex(residents, on)
    return PopulationStatistics(
        on=on,
        total=sum(row.count for row in sex.rows),
        age_groups=age_groups,
        sex=sex,
        localities=_localities(registrations),
        kinds=_kinds(registrations),
    )


# --- presentation (pure) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    y: float
    width: float
    text_y: float  # the baseline of the label and of the value
    value_x: float  # where the value is written, after the bar


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart laid out for an inline SVG: labels on the left, bars, the value after."""

    bars: list[Bar]
    width: int
    height: int
    label_width: int  # the bars start here; labels end 8 units before
    bar_height: int
    max_bar_width: int

    @property
    def label_x(self) -> int:
        return self.label_width - 8


def bar_chart(
    rows: list[Row], *, width: int = 480, label_width: int = 150, bar_height: int = 22, gap: int = 8
) -> BarChart:
    value_width = 70
    max_bar = width - label_width - value_width
    top = max((row.count for row in rows), default=0)
    bars = []
    for i, row in enumerate(rows):
        y = gap + i * (bar_height + gap)
        bar_width = round(max_bar * row.count / top, 1) if top else 0
        bars.append(Bar(row.label, row.count, y, bar_width, y + bar_height * 0.7, label_width + bar_width + 6))
    height = gap + len(rows) * (bar_height + gap)
    return BarChart(bars, width, height, label_width, bar_height, max_bar)


def statistics_csv(stats: PopulationStatistics) -> str:
    """The figures as CSV for Excel: ``;`` separated, one row per category (the caller adds the BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("as of"), _("breakdown"), _("category"), _("residents")])
    day = stats.on.strftime("%d.%m.%Y")
    writer.writerow([day, _("total"), _("residents registered"), stats.total])
    for breakdown in stats.breakdowns:
        for row in breakdown.rows:
            writer.writerow([day, breakdown.title, row.label, row.count])
    return out.getvalue()
