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


def _obj(obj: dict) -> str:
    attrs = f' zdarzenie="{obj["zdarzenie"]}"' if obj.get("zdarzenie") else ""
    fields = "".join(_el(k, v) for k, v in obj.items() if k not in ("element", "zdarzenie"))
    return f"<{obj['element']}{attrs}>{fields}</{obj['element']}>"


def in1_xml(
    *, year: int = 2025, purpose: str = "zmiana", event_date: str | None = "2025-06-10", taxpayer: dict,
    objects: list[dict], co_owners: list[dict] = (), totals: dict | None = None, exempt: list[dict] = (),
) -> bytes:  # fmt: skip
    """objects: {"element": "Grunt"|"Budynek"|"Budowla", "zdarzenie": ..., "Obreb": ..., "NrDzialki": ..., ...}
    (element names of the form, in schema order); exempt: the same with "Zwolnienie" last (ZIN-2)."""
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
    if exempt:
        parts.append("<ZIN2>" + "".join(_obj(obj) for obj in exempt) + "</ZIN2>")
    if co_owners:
        parts.append("<ZIN3>")
        for c in co_owners:
            parts.append("<Wspolwlasciciel>" + _person(c) + _el("Udzial", c.get("share")) + "</Wspolwlasciciel>")
        parts.append("</ZIN3>")
    parts.append("</Informacja>")
    return "".join(parts).encode()


def dt1_xml(*, year: int = 2026, purpose: str = "pierwsza", event_date: str | None = None, taxpayer: dict,
            vehicles: list[dict], declared: dict | None = None, total_tax: str | None = None) -> bytes:  # fmt: skip
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><Deklaracja xmlns="{DT1_NS}" kodFormularza="DT-1">',
             "<Naglowek>", _el("Rok", year), _el("Cel", purpose), _el("DataZdarzenia", event_date), "</Naglowek>",
             "<Podatnik>", _person(taxpayer), "</Podatnik>", "<DT1A>"]  # fmt: skip
    for v in vehicles:
        parts.append("<Pojazd>" + "".join(_el(k, val) for k, val in v.items()) + "</Pojazd>")
    parts.append("</DT1A>")
    if declared or total_tax:
        amounts = "".join(f'<Kwota kategoria="{escape(k)}">{escape(str(v))}</Kwota>'
                          for k, v in (declared or {}).items())  # fmt: skip
        parts.append("<Podatek>" + amounts + _el("Razem", total_tax) + "</Podatek>")
    parts.append("</Deklaracja>")
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


#: (root element, taxable section, exempt section, co-owners section or None) of the forms other than IN-1 / DT-1
LAYOUT = {
    "DN-1": ("Deklaracja", "ZDN1", "ZDN2", None),
    "IR-1": ("Informacja", "ZIR1", "ZIR2", "ZIR3"),
    "DR-1": ("Deklaracja", "ZDR1", "ZDR2", None),
    "IL-1": ("Informacja", "ZIL1", "ZIL2", "ZIL3"),
    "DL-1": ("Deklaracja", "ZDL1", "ZDL2", None),
}


def form_xml(
    form: str, *, year: int = 2026, purpose: str = "pierwsza", event_date: str | None = None, taxpayer: dict,
    objects: list[dict], exempt: list[dict] = (), totals: dict | None = None, co_owners: list[dict] = (),
    declared: dict | None = None, total_tax: str | None = None,
) -> bytes:  # fmt: skip
    """DN-1, IR-1, DR-1, IL-1, DL-1 in our layout. objects / exempt as for :func:`in1_xml` (elements ``Grunt``,
    ``Budynek``, ``Budowla``, ``UzytekRolny``, ``Las``); declared: {category: amount} (``Podatek/Kwota``), total_tax
    ``Podatek/Razem``. A legal person's taxpayer: {"nip", "regon", "name"}."""
    root, taxable, exempt_section, others = LAYOUT[form]
    legal = root == "Deklaracja"
    ns = f"urn:magistrat:podatki:{form}:1"
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{ns}" kodFormularza="{form}">',
             "<Naglowek>", _el("Rok", year), _el("Cel", purpose), _el("DataZdarzenia", event_date), "</Naglowek>",
             "<Podatnik>"]  # fmt: skip
    if legal:
        parts += [_el("NIP", taxpayer.get("nip")), _el("REGON", taxpayer.get("regon")),
                  _el("Nazwa", taxpayer.get("name"))]  # fmt: skip
    else:
        parts.append(_person(taxpayer))
    parts += [_el("TytulPrawny", taxpayer.get("title")), _el("Udzial", taxpayer.get("share")), "</Podatnik>",
              f"<{taxable}>", *(_obj(o) for o in objects)]  # fmt: skip
    if totals:
        parts.append("<Podsumowanie>" + "".join(_el(k, v) for k, v in totals.items()) + "</Podsumowanie>")
    parts.append(f"</{taxable}>")
    if exempt:
        parts.append(f"<{exempt_section}>" + "".join(_obj(o) for o in exempt) + f"</{exempt_section}>")
    if co_owners and others:
        parts.append(f"<{others}>" + "".join(
            "<Wspolwlasciciel>" + _person(c) + _el("Udzial", c.get("share")) + "</Wspolwlasciciel>" for c in co_owners
        ) + f"</{others}>")  # fmt: skip
    if legal and (declared or total_tax):
        amounts = "".join(f'<Kwota kategoria="{escape(k)}">{escape(str(v))}</Kwota>'
                          for k, v in (declared or {}).items())  # fmt: skip
        parts.append("<Podatek>" + amounts + _el("Razem", total_tax) + "</Podatek>")
    parts.append(f"</{root}>")
    return "".join(parts).encode()


# --- one example per form (docs/integrations/tax-forms.md) ---------------------------------------------------------

COMPANY = {"nip": "5260250274", "regon": "012345678", "name": "Przetwórnia Magistrowo sp. z o.o."}


def sample_in1_exempt(pesel: str) -> bytes:
    """IN-1 (first information for 2026) with a taxable plot (ZIN-1) and a listed building exempt (ZIN-2)."""
    return in1_xml(
        year=2026, purpose="pierwsza", event_date=None,
        taxpayer={"pesel": pesel, "first_name": "Jan", "surname": "Nowak", "title": "wlasciciel"},
        objects=[{"element": "Grunt", "Obreb": "Testowo", "NrDzialki": "12/1", "Kategoria": "land_other",
                  "Powierzchnia": "1500"}],
        totals={"PowierzchniaGruntow": "1500"},
        exempt=[{"element": "Budynek", "Obreb": "Testowo", "NrDzialki": "12/1", "Identyfikator": "B-12",
                 "Kategoria": "building_residential", "Powierzchnia": "210.50", "Zwolnienie": "upol_monument"}],
    )  # fmt: skip


def sample_dn1(company: dict = COMPANY) -> bytes:
    """DN-1 for 2026 of a company: business land and a business building (ZDN-1), a road exempt (ZDN-2), the tax
    declared per group and in total (at the 2026 maximum rates: 2 000 m² × 1.45 = 2 900.00; 450 m² × 35.53 =
    15 988.50; Σ 18 888.50, the total rounded to full złoty (OP art. 63): 18 889)."""
    return form_xml(
        "DN-1", taxpayer=company,
        objects=[
            {"element": "Grunt", "Obreb": "Przemysłowo", "NrDzialki": "5/3", "Kategoria": "land_business",
             "Powierzchnia": "2000"},
            {"element": "Budynek", "Obreb": "Przemysłowo", "NrDzialki": "5/3", "Identyfikator": "H-1",
             "Kategoria": "building_business", "Powierzchnia": "450"},
        ],
        totals={"PowierzchniaGruntow": "2000", "PowierzchniaBudynkow": "450"},
        exempt=[{"element": "Grunt", "Obreb": "Przemysłowo", "NrDzialki": "5/4", "Kategoria": "land_other",
                 "Powierzchnia": "300", "Zwolnienie": "upol_public_roads"}],
        declared={"land_business": "2900.00", "building_business": "15988.50"}, total_tax="18889",
    )  # fmt: skip


def sample_ir1(pesel: str) -> bytes:
    """IR-1 about a farm bought on 3.03.2026: arable land R IIIa 2.5000 ha, a meadow Ł IV 1.2345 ha and a pond
    (ZIR-1, 3.7845 ha in all with the pond 0.0500 ha), class VI exempt (ZIR-2)."""
    return form_xml(
        "IR-1", purpose="zmiana", event_date="2026-03-03",
        taxpayer={"pesel": pesel, "first_name": "Jan", "surname": "Nowak", "title": "wlasciciel"},
        objects=[
            {"element": "UzytekRolny", "Obreb": "Polowo", "NrDzialki": "201", "Uzytek": "R", "Klasa": "IIIa",
             "Powierzchnia": "2.5000"},
            {"element": "UzytekRolny", "Obreb": "Polowo", "NrDzialki": "202", "Uzytek": "Ł", "Klasa": "IV",
             "Powierzchnia": "1.2345"},
            {"element": "UzytekRolny", "Obreb": "Polowo", "NrDzialki": "203", "Uzytek": "Wsr",
             "RybyLososiowate": "false", "Powierzchnia": "0.0500"},
        ],
        totals={"PowierzchniaUzytkowRolnych": "3.7845"},
        exempt=[{"element": "UzytekRolny", "Obreb": "Polowo", "NrDzialki": "204", "Uzytek": "R", "Klasa": "VI",
                 "Powierzchnia": "0.4000", "Zwolnienie": "upr_class_v_vi"}],
    )  # fmt: skip


def sample_dr1(company: dict = COMPANY) -> bytes:
    """DR-1 for 2026 of a company: an orchard S IV 10.0000 ha (ZDR-1), the declared tax (as the company computed
    it; the office's assessment does not use it)."""
    return form_xml(
        "DR-1", taxpayer=company,
        objects=[{"element": "UzytekRolny", "Obreb": "Polowo", "NrDzialki": "300", "Uzytek": "S", "Klasa": "IV",
                  "Powierzchnia": "10.0000"}],
        totals={"PowierzchniaUzytkowRolnych": "10.0000"},
        declared={"agri_farm": "1660.50"}, total_tax="1660.50",
    )  # fmt: skip


def sample_il1(pesel: str, co_owner_pesel: str) -> bytes:
    """IL-1 (first information for 2026): a forest 2.0000 ha and a forest in a reserve 1.5000 ha (ZIL-1), a young
    stand exempt (ZIL-2), a co-owner with half (ZIL-3)."""
    return form_xml(
        "IL-1", taxpayer={"pesel": pesel, "first_name": "Jan", "surname": "Nowak", "title": "wspolwlasciciel",
                          "share": "1/2"},
        objects=[
            {"element": "Las", "Obreb": "Borowo", "NrDzialki": "77", "Powierzchnia": "2.0000"},
            {"element": "Las", "Obreb": "Borowo", "NrDzialki": "78", "Powierzchnia": "1.5000", "Rezerwat": "true"},
        ],
        totals={"PowierzchniaLasow": "3.5000"},
        exempt=[{"element": "Las", "Obreb": "Borowo", "NrDzialki": "79", "Powierzchnia": "0.8000",
                 "Zwolnienie": "upl_young_stand"}],
        co_owners=[{"pesel": co_owner_pesel, "first_name": "Anna", "surname": "Nowak", "share": "1/2"}],
    )  # fmt: skip


def sample_dl1(company: dict = COMPANY) -> bytes:
    """DL-1 for 2026 of a company: a forest 12.3456 ha (ZDL-1), the declared tax (12.3456 ha × 61.9014 = 764.20 →
    764)."""
    return form_xml(
        "DL-1", taxpayer=company,
        objects=[{"element": "Las", "Obreb": "Borowo", "NrDzialki": "90", "Powierzchnia": "12.3456"}],
        totals={"PowierzchniaLasow": "12.3456"},
        declared={"forest": "764.20"}, total_tax="764",
    )  # fmt: skip
