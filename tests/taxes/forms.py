"""Generators of tax form XML (our layout, docs/integrations/tax-forms.md) for tests and the ePUAP simulator."""

from __future__ import annotations

from xml.sax.saxutils import escape

IN1_NS = "urn:magistrat:podatki:IN-1:1"
DT1_NS = "urn:magistrat:podatki:DT-1:1"


def _el(name: str, value) -> str:
    return "" if value in (None, "") else f"<{name}>{escape(str(value))}</{name}>"


def _person(p: dict) -> str:
    return "".join(
        [_el("PESEL", p.get("pesel")), _el("NIP", p.get("nip")), _el("Imie", p.get("first_name")),
         _el("Nazwisko", p.get("surname")), _el("Nazwa", p.get("name"))]
    )  # fmt: skip


def in1_xml(
    *, year: int = 2025, purpose: str = "zmiana", event_date: str | None = "2025-06-10", taxpayer: dict,
    objects: list[dict], co_owners: list[dict] = (), totals: dict | None = None,
) -> bytes:  # fmt: skip
    """objects: {"element": "Grunt"|"Budynek"|"Budowla", "zdarzenie": ..., "Obreb": ..., "NrDzialki": ..., ...}
    (element names of the form, in schema order)."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><Informacja xmlns="{IN1_NS}" kodFormularza="IN-1">',
             "<Naglowek>", _el("Rok", year), _el("Cel", purpose), _el("DataZdarzenia", event_date), "</Naglowek>",
             "<Podatnik>", _person(taxpayer), _el("TytulPrawny", taxpayer.get("title")),
             _el("Udzial", taxpayer.get("share")), "</Podatnik>", "<ZIN1>"]  # fmt: skip
    for obj in objects:
        attrs = f' zdarzenie="{obj["zdarzenie"]}"' if obj.get("zdarzenie") else ""
        fields = "".join(_el(k, v) for k, v in obj.items() if k not in ("element", "zdarzenie"))
        parts.append(f"<{obj['element']}{attrs}>{fields}</{obj['element']}>")
    if totals:
        parts.append("<Podsumowanie>" + "".join(_el(k, v) for k, v in totals.items()) + "</Podsumowanie>")
    parts.append("</ZIN1>")
    if co_owners:
        parts.append("<ZIN3>")
        for c in co_owners:
            parts.append("<Wspolwlasciciel>" + _person(c) + _el("Udzial", c.get("share")) + "</Wspolwlasciciel>")
        parts.append("</ZIN3>")
    parts.append("</Informacja>")
    return "".join(parts).encode()


def dt1_xml(*, year: int = 2026, purpose: str = "pierwsza", event_date: str | None = None, taxpayer: dict,
            vehicles: list[dict]) -> bytes:  # fmt: skip
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><Deklaracja xmlns="{DT1_NS}" kodFormularza="DT-1">',
             "<Naglowek>", _el("Rok", year), _el("Cel", purpose), _el("DataZdarzenia", event_date), "</Naglowek>",
             "<Podatnik>", _person(taxpayer), "</Podatnik>", "<DT1A>"]  # fmt: skip
    for v in vehicles:
        parts.append("<Pojazd>" + "".join(_el(k, val) for k, val in v.items()) + "</Pojazd>")
    parts.append("</DT1A></Deklaracja>")
    return "".join(parts).encode()


def sample_in1(pesel: str, co_owner_pesel: str) -> bytes:
    """An IN-1 about a house with its land bought on 10.06.2025, half with a co-owner (two objects, ZIN-3)."""
    return in1_xml(
        taxpayer={"pesel": pesel, "first_name": "Jan", "surname": "Nowak", "title": "wspolwlasciciel",
                  "share": "1/2"},
        objects=[
            {"element": "Grunt", "Obreb": "Testowo", "NrDzialki": "101/2", "Kategoria": "land_other",
             "Powierzchnia": "800.0000"},
            {"element": "Budynek", "Obreb": "Testowo", "NrDzialki": "101/2", "Identyfikator": "B-101",
             "Kategoria": "building_residential", "Powierzchnia": "120.0000"},
        ],
        co_owners=[{"pesel": co_owner_pesel, "first_name": "Anna", "surname": "Nowak", "share": "1/2"}],
        totals={"PowierzchniaGruntow": "800.0000", "PowierzchniaBudynkow": "120.0000"},
    )  # fmt: skip
