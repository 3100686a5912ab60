"""Case marks (znak sprawy): ``<unit>.<JRWA symbol>.<number>.<year>`` (instrukcja kancelaryjna §2, "co najmniej")."""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNIT_TOKEN = r"[A-Za-zĄĆĘŁŃÓŚŹŻąćęłńóśźż0-9-]+"  # noqa: S105 (a pattern, not a password)
MARK_RE = re.compile(
    rf"^(?P<unit>{_UNIT_TOKEN}(?:\.{_UNIT_TOKEN})*?)\.(?P<jrwa>[0-9]{{1,4}})\.(?P<number>[1-9][0-9]*)\.(?P<year>[0-9]{{4}})"
    rf"(?:\.(?P<suffix>{_UNIT_TOKEN}(?:\.{_UNIT_TOKEN})*))?$"
)


@dataclass(frozen=True)
class CaseMark:
    unit: str
    jrwa: str
    number: int
    year: int
    suffix: str = ""

    def __str__(self) -> str:
        base = f"{self.unit}.{self.jrwa}.{self.number}.{self.year}"
        return f"{base}.{self.suffix}" if self.suffix else base


def format_mark(*, unit: str, jrwa: str, number: int, year: int) -> str:
    if number < 1:
        raise ValueError("case number must be positive")
    return str(CaseMark(unit, jrwa, number, year))


def parse_mark(text: str) -> CaseMark:
    """Parse a mark, also other offices' (``SO-II.431.19.2022``, ``PkiO.WPO.3120.1.2017``, ``NK-KE.431.26.2018.KL``)."""
    m = MARK_RE.match(text.strip())
    if not m:
        raise ValueError(f"not a case mark: {text!r}")
    return CaseMark(m["unit"], m["jrwa"], int(m["number"]), int(m["year"]), m["suffix"] or "")
