"""Geometry of the server-rendered SVG bar charts (pure: no ORM, no templates). A chart is horizontal grouped bars:
one row per category (a locality, a month), one bar per series (declared / registered residents, charged / paid),
each bar's length proportional to its value against the largest value of the chart. The template draws the
rectangles and the labels; the same figures are shown in a table beside the chart."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WIDTH = 720
LABEL_WIDTH = 170
VALUE_WIDTH = 120
BAR_HEIGHT = 16
BAR_GAP = 2
GROUP_GAP = 10
TOP = 8
LEGEND_HEIGHT = 28


@dataclass(frozen=True)
class Bar:
    series: int
    value: Decimal
    x: int
    y: int
    width: Decimal
    height: int
    text_x: Decimal
    text_y: int
    text: str


@dataclass(frozen=True)
class Row:
    label: str
    label_y: int
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class LegendItem:
    series: int
    name: str
    x: int
    y: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    rows: tuple[Row, ...]
    legend: tuple[LegendItem, ...]
    maximum: Decimal


def _length(value: Decimal, maximum: Decimal, plot: int) -> Decimal:
    if maximum <= 0 or value <= 0:
        return Decimal(0)
    return (Decimal(plot) * value / maximum).quantize(Decimal("0.1"), ROUND_HALF_UP)


def bar_chart(
    categories: list[str], series: list[tuple[str, list]], *, width: int = WIDTH, fmt=str, scale=None
) -> Chart:
    """Grouped horizontal bars: ``categories`` the row labels, ``series`` pairs (name, values per category),
    ``fmt`` the label of a value drawn after its bar, ``scale`` the value of a full-length bar (e.g. 100 for
    percentages; default the largest value, and never less than it). A value below zero is drawn as an empty bar
    (its figure stays in the table)."""
    if any(len(values) != len(categories) for _name, values in series):
        raise ValueError("every series needs one value per category")
    values = [[Decimal(str(v or 0)) for v in vs] for _name, vs in series]
    maximum = max((v for vs in values for v in vs), default=Decimal(0))
    maximum = max(maximum, Decimal(0), Decimal(str(scale or 0)))
    plot = width - LABEL_WIDTH - VALUE_WIDTH
    group = len(series) * BAR_HEIGHT + max(len(series) - 1, 0) * BAR_GAP
    rows = []
    y = TOP
    for i, label in enumerate(categories):
        bars = []
        for s in range(len(series)):
            top = y + s * (BAR_HEIGHT + BAR_GAP)
            length = _length(values[s][i], maximum, plot)
            value = values[s][i]
            bars.append(Bar(series=s, value=value, x=LABEL_WIDTH, y=top, width=length, height=BAR_HEIGHT,
                            text_x=LABEL_WIDTH + length + 4, text_y=top + BAR_HEIGHT - 4, text=fmt(value)))  # fmt: skip
        rows.append(Row(label=label, label_y=y + group // 2 + 4, bars=tuple(bars)))
        y += group + GROUP_GAP
    legend = tuple(
        LegendItem(series=s, name=name, x=LABEL_WIDTH + s * 200, y=y + 4) for s, (name, _vs) in enumerate(series)
    )
    return Chart(width=width, height=y + LEGEND_HEIGHT, label_width=LABEL_WIDTH, rows=tuple(rows), legend=legend,
                 maximum=maximum)  # fmt: skip
