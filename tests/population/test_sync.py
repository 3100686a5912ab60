"""Sync with the central PESEL register (issue 3, point 5): the file, the report, apply / discard.

The worked example is read from docs/formats/pesel-export.md, so the document and the code cannot drift.
"""

import datetime
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent, Party, Street
from core.services.parties import AddressInput, PartyInput, party_create
from population.models import CentralImport, CentralImportRow, ReconciliationItem, Registration, Resident
from population.services import (
    ResidentInput,
    registration_register,
    resident_create,
    resident_record_death,
)
from population.sync import ALLOWED_TRANSITIONS, COLUMNS, central_import_apply, central_import_discard
from population.sync import central_import_upload as _upload
from population.sync.layout import ADDRESS_COLUMNS
from population.sync.selectors import central_import_to_apply
from tests.factories import LocalityFactory

D = datetime.date
DOC = Path(__file__).resolve().parents[2] / "docs" / "formats" / "pesel-export.md"
HEADER = ";".join(COLUMNS)
EXPORT = "2026-10-31"

ANNA, JAN, EWA, PIOTR, MARIA, TOMASZ = (
    "85041212368",
    "78110304510",
    "01222000744",
    "90071531132",
    "41013008863",
    "65090950259",
)


def example_csv() -> bytes:
    """The worked example of the format document, byte for byte."""
    return re.search(r"```csv\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S).group(1).encode("utf-8")


def upload(actor, content: bytes, name: str = "eksport-pesel-2026-10-31.csv", **kwargs) -> CentralImport:
    return _upload(actor=actor, file_name=name, content=content, **kwargs)


ANNA_ROW = (
    "85041212368;Nowak;Anna;Kowalczyk;1985-04-12;K;PL;A;;S;1499014;9900001;90001;5;2;05-990;2010-05-01;;2026-10-31"
)


PERSONS = {  # the personal columns of each example person (Anna's are those of ANNA_ROW)
    JAN: {"NAZWISKO": "Kowalski", "IMIONA": "Jan", "NAZWISKO_RODOWE": "", "DATA_URODZENIA": "1978-11-03", "PLEC": "M"},
    EWA: {"NAZWISKO": "Zielińska", "IMIONA": "Ewa", "NAZWISKO_RODOWE": "", "DATA_URODZENIA": "2001-02-20"},
    PIOTR: {
        "NAZWISKO": "Wiśniewski",
        "IMIONA": "Piotr",
        "NAZWISKO_RODOWE": "",
        "DATA_URODZENIA": "1990-07-15",
        "PLEC": "M",
    },
}
# Jan's permanent stay as the local register has it (ul. Polna 3 since 10.01.2015).
JAN_AT_POLNA = {"ULIC": "90004", "NR_DOMU": "3", "NR_LOKALU": "", "DATA_OD": "2015-01-10"}
NOT_REGISTERED = {"RODZAJ_POBYTU": "", **dict.fromkeys(ADDRESS_COLUMNS, "")}


def row(pesel=ANNA, **values) -> str:
    """One data row: Anna Nowak's row of the example, with the person's own data and some columns replaced."""
    base = dict(zip(COLUMNS, ANNA_ROW.split(";"), strict=True))
    base.update(PERSONS.get(pesel, {}), PESEL=pesel)
    base.update(values)
    return ";".join(base[c] for c in COLUMNS)


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def street(simc: str, sym_ul: str) -> Street:
    return Street.objects.get(locality__sym=simc, sym_ul=sym_ul)


def address(simc: str, sym_ul: str | None, building: str, flat: str = "", postal: str = "05-990") -> AddressInput:
    if sym_ul:
        s = street(simc, sym_ul)
        return AddressInput(
            locality_id=s.locality_id, street_id=s.pk, building_number=building, flat_number=flat, postal_code=postal
        )
    from core.models import Locality

    return AddressInput(
        locality_id=Locality.objects.get(sym=simc).pk, building_number=building, flat_number=flat, postal_code=postal
    )


def make_resident(actor, pesel, first, surname, *, family="", citizenship="PL", registrations=()) -> Resident:
    party = party_create(actor=actor, data=PartyInput(pesel=pesel, first_names=first, surname=surname))
    resident = resident_create(
        actor=actor, party=party, data=ResidentInput(citizenship=citizenship, family_name=family)
    )
    for kind, addr, start, planned_end in registrations:
        registration_register(
            actor=actor,
            resident=resident,
            kind=kind,
            address=addr,
            start_date=start,
            planned_end_date=planned_end,
        )
    return resident


@pytest.fixture
def clerk(population_clerk):
    return population_clerk


@pytest.fixture
def example_local(clerk, demo_teryt):
    return build_example_local(clerk)


def build_example_local(clerk) -> dict:
    """The local mirror of the worked example (before the import); needs the demo TERYT."""
    p = "permanent"
    return {
        ANNA: make_resident(
            clerk,
            ANNA,
            "Anna",
            "Nowak",
            family="Kowalczyk",
            registrations=[(p, address("9900001", "90001", "5", "2"), D(2010, 5, 1), None)],
        ),
        JAN: make_resident(
            clerk, JAN, "Jan", "Kowalski", registrations=[(p, address("9900001", "90004", "3"), D(2015, 1, 10), None)]
        ),
        PIOTR: party_create(actor=clerk, data=PartyInput(pesel=PIOTR, first_names="Piotr", surname="Wiśniewski")),
        MARIA: make_resident(
            clerk,
            MARIA,
            "Maria",
            "Lewandowska",
            family="Mazur",
            registrations=[(p, address("9900001", "90006", "1"), D(1970, 5, 1), None)],
        ),
        TOMASZ: make_resident(
            clerk,
            TOMASZ,
            "Tomasz",
            "Dąbrowski",
            registrations=[(p, address("9900001", "90007", "8"), D(1990, 2, 1), None)],
        ),
    }


def register_state():
    """Everything in the register an import could change."""
    return (
        Party.objects.count(),
        Resident.objects.count(),
        sorted(Registration.objects.values_list("resident_id", "kind", "start_date", "end_date", "building_number")),
        sorted(Party.objects.values_list("pk", "surname", "first_names")),
        sorted(Resident.objects.values_list("pk", "status", "status_date", "citizenship", "family_name")),
    )


def items_of(central_import) -> list[tuple]:
    return [(i.kind, i.pesel, i.line_no, i.changes) for i in central_import.items.order_by("kind", "pesel")]


def audit_counts(since: int) -> Counter:
    return Counter(AuditEvent.objects.filter(seq__gt=since).values_list("action", flat=True))


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


EXPECTED_ITEMS = [
    (
        "changed",
        MARIA,
        7,
        {
            "status": ["active", "deceased"],
            "status_date": [None, "2026-09-14"],
            "permanent.address": ["ul. Szkolna 1, Magistrowo", None],
            "permanent.start_date": ["1970-05-01", None],
            "permanent.end_date": [None, "2026-09-14"],
        },
    ),
    (
        "changed",
        JAN,
        3,
        {
            "first_names": ["Jan", "Jan Piotr"],
            "permanent.address": ["ul. Polna 3, Magistrowo", "ul. Słoneczna 7, Magistrowo"],
            "permanent.start_date": ["2015-01-10", "2025-03-01"],
        },
    ),
    (
        "missing_centrally",
        TOMASZ,
        None,
        {"permanent.address": ["ul. Leśna 8, Magistrowo", None], "permanent.start_date": ["1990-02-01", None]},
    ),
    (
        "missing_locally",
        PIOTR,
        5,
        {
            "citizenship": [None, "PL"],
            "permanent.address": [None, "ul. Kościuszki 10/4, Magistrowo"],
            "permanent.start_date": [None, "2019-09-01"],
            "temporary.address": [None, "ul. Lipowa 3, Dębina"],
            "temporary.start_date": [None, "2026-09-01"],
            "temporary.planned_end_date": [None, "2027-08-31"],
        },
    ),
    ("new", EWA, 4, {}),
]


# --- the worked example ---------------------------------------------------------------------------------------


def test_worked_example_report(clerk, example_local):
    before, seq = register_state(), last_seq()

    imp = upload(clerk, example_csv())

    assert (imp.status, imp.export_date, imp.rows_total, imp.rows_quarantined, imp.errors) == (
        "parsed",
        D(2026, 10, 31),
        7,
        1,
        [],
    )
    assert imp.file_name == "eksport-pesel-2026-10-31.csv"
    assert imp.summary == {
        "new": 1,
        "changed": 2,
        "missing_locally": 1,
        "missing_centrally": 1,
        "manual": 0,
        "persons": 5,
    }
    assert items_of(imp) == EXPECTED_ITEMS
    assert list(imp.quarantined.values_list("line_no", "reason")) == [
        (8, "PESEL: Błędna cyfra kontrolna PESEL: powinna być 2, jest 9.")
    ]
    assert imp.quarantined.get().raw.startswith("72060164009;Wójcik;Katarzyna;")
    new = imp.items.get(kind="new")
    assert new.central_data["registrations"]["permanent"]["address"] == "Zalesie Magistrackie 12"
    assert (new.central_data["surname"], new.central_data["sex"], new.central_data["birth_date"]) == (
        "Zielińska",
        "F",
        "2001-02-20",
    )
    assert imp.items.get(kind="missing_centrally").resident == example_local[TOMASZ]
    # Nothing in the register changed; the only event is the upload.
    assert register_state() == before
    assert audit_counts(seq) == Counter({"central_import.uploaded": 1})
    assert not ReconciliationItem.objects.filter(applied=True).exists()


def test_worked_example_apply_creates_exactly_what_the_report_says(clerk, example_local):
    imp = upload(clerk, example_csv())
    parties, residents, registrations = Party.objects.count(), Resident.objects.count(), Registration.objects.count()
    seq = last_seq()

    applied = central_import_apply(actor=clerk, central_import=imp)

    assert (applied.status, applied.decided_by) == ("applied", clerk)
    assert applied.summary["applied"] == {"new": 1, "missing_locally": 1, "changed": 2}
    assert (Party.objects.count(), Resident.objects.count(), Registration.objects.count()) == (
        parties + 1,
        residents + 2,
        registrations + 4,
    )
    assert audit_counts(seq) == Counter(
        {
            "party.created": 1,
            "party.updated": 1,
            "resident.created": 2,
            "registration.created": 4,
            "registration.ended": 2,
            "resident.status_changed": 1,
            "central_import.applied": 1,
        }
    )
    assert sorted(imp.items.values_list("kind", "applied")) == [
        ("changed", True),
        ("changed", True),
        ("missing_centrally", False),
        ("missing_locally", True),
        ("new", True),
    ]
    ewa = Resident.objects.get(party__pesel=EWA)
    assert (ewa.party.first_names, ewa.party.surname, ewa.party.birth_date, ewa.party.sex, ewa.citizenship) == (
        "Ewa",
        "Zielińska",
        D(2001, 2, 20),
        "F",
        "PL",
    )
    assert ewa.party.registered_address.one_line == "Zalesie Magistrackie 12, 05-991 Zalesie Magistrackie"
    assert list(ewa.registrations.values_list("kind", "start_date", "end_date", "form", "building_number")) == [
        ("permanent", D(2024, 6, 15), None, "central", "12")
    ]
    assert ewa.registrations.get().legal_basis == (
        "Eksport centralnego rejestru PESEL z 31.10.2026 (eksport-pesel-2026-10-31.csv)"
    )
    piotr = Resident.objects.get(party__pesel=PIOTR)
    assert piotr.party == example_local[PIOTR]
    assert sorted(
        piotr.registrations.values_list("kind", "start_date", "planned_end_date", "building_number", "flat_number")
    ) == [
        ("permanent", D(2019, 9, 1), None, "10", "4"),
        ("temporary", D(2026, 9, 1), D(2027, 8, 31), "3", ""),
    ]
    jan = example_local[JAN]
    jan.party.refresh_from_db()
    assert jan.party.first_names == "Jan Piotr"
    assert list(
        jan.registrations.order_by("start_date").values_list("street__name_1", "start_date", "end_date", "end_reason")
    ) == [
        ("Polna", D(2015, 1, 10), D(2025, 3, 1), "replaced"),
        ("Słoneczna", D(2025, 3, 1), None, ""),
    ]
    maria = Resident.objects.get(pk=example_local[MARIA].pk)
    assert (maria.status, maria.status_date) == ("deceased", D(2026, 9, 14))
    assert list(maria.registrations.values_list("end_date", "end_reason")) == [(D(2026, 9, 14), "death")]
    tomasz = example_local[TOMASZ]
    assert list(tomasz.registrations.values_list("end_date", flat=True)) == [None]
    assert AuditEvent.objects.get(action="central_import.applied").details == {
        "to": "applied",
        "applied": {"new": 1, "missing_locally": 1, "changed": 2},
        "skipped_manual": 0,
    }


def test_applying_twice_is_refused(clerk, example_local):
    imp = upload(clerk, example_csv())
    central_import_apply(actor=clerk, central_import=imp)
    before, seq = register_state(), last_seq()

    with pytest.raises(ApplicationError) as err:
        central_import_apply(actor=clerk, central_import=imp)

    today = datetime.date.today().strftime("%d.%m.%Y")  # noqa: DTZ011 (the date the test ran)
    assert err.value.message == (
        f"Ten raport został już zastosowany {today} przez {clerk.username}; "
        "nie można go ponownie zastosować ani odrzucić."
    )
    assert err.value.code == "invalid_transition"
    with pytest.raises(ApplicationError):
        central_import_discard(actor=clerk, central_import=imp)
    assert register_state() == before
    assert audit_counts(seq) == Counter()
    imp.refresh_from_db()
    assert imp.status == "applied"


def test_same_file_after_apply_changes_nothing(clerk, example_local):
    central_import_apply(actor=clerk, central_import=upload(clerk, example_csv()))
    before = register_state()

    again = upload(clerk, example_csv())

    # Only the person the clerk has to investigate is reported again (never applied automatically).
    assert again.status == "parsed"
    assert items_of(again) == [
        (
            "missing_centrally",
            TOMASZ,
            None,
            {"permanent.address": ["ul. Leśna 8, Magistrowo", None], "permanent.start_date": ["1990-02-01", None]},
        )
    ]
    central_import_apply(actor=clerk, central_import=again)
    assert register_state() == before


def test_same_file_after_apply_gives_an_empty_report(clerk, demo_teryt):
    content = example_csv()
    first = upload(clerk, content)
    assert first.summary["new"] == 4  # Anna, Jan, Piotr, Ewa are unknown locally; Maria is deceased: no item
    central_import_apply(actor=clerk, central_import=first)
    before, seq = register_state(), last_seq()

    second = upload(clerk, content)

    assert second.pk != first.pk
    assert second.status == "parsed"
    assert items_of(second) == []
    assert second.summary == {
        "new": 0,
        "changed": 0,
        "missing_locally": 0,
        "missing_centrally": 0,
        "manual": 0,
        "persons": 5,
    }
    applied = central_import_apply(actor=clerk, central_import=second)
    assert applied.summary["applied"] == {"new": 0, "missing_locally": 0, "changed": 0}
    assert register_state() == before
    assert audit_counts(seq) == Counter({"central_import.uploaded": 1, "central_import.applied": 1})


def test_same_bytes_while_the_report_is_parsed_return_that_report(clerk, example_local):
    first = upload(clerk, example_csv())
    seq = last_seq()

    again = upload(clerk, example_csv(), name="copy.csv")

    assert again.pk == first.pk
    assert CentralImport.objects.count() == 1
    assert audit_counts(seq) == Counter()


def test_discard_then_apply_is_refused(clerk, example_local):
    imp = upload(clerk, example_csv())
    before = register_state()

    discarded = central_import_discard(actor=clerk, central_import=imp)

    assert (discarded.status, discarded.decided_by) == ("discarded", clerk)
    assert AuditEvent.objects.filter(action="central_import.discarded", object_id=str(imp.pk)).count() == 1
    with pytest.raises(ApplicationError) as err:
        central_import_apply(actor=clerk, central_import=imp)
    assert err.value.message == "Ten raport został odrzucony; wgraj plik ponownie, aby otrzymać nowy raport."
    assert register_state() == before
    # A discarded report does not capture the file: the same bytes give a new report.
    assert upload(clerk, example_csv()).pk != imp.pk


def test_transition_table_is_explicit():
    expected = {
        "parsed": frozenset({"applied", "discarded"}),
        "applied": frozenset(),
        "discarded": frozenset(),
        "rejected": frozenset(),
    }
    assert expected == ALLOWED_TRANSITIONS


# --- rejected files -------------------------------------------------------------------------------------------


def assert_rejected(imp, errors, before):
    assert imp.status == "rejected"
    assert imp.errors == errors
    assert (imp.rows_total, imp.rows_quarantined, imp.export_date, imp.summary) == (0, 0, None, {})
    assert not imp.items.exists()
    assert not imp.quarantined.exists()
    assert register_state() == before
    with pytest.raises(ApplicationError) as err:
        central_import_apply(actor=imp.uploaded_by, central_import=imp)
    assert err.value.message == "Plik został odrzucony; nie ma czego stosować ani odrzucać."


def test_cp1250_file_is_rejected_naming_the_line(clerk, example_local):
    before, seq = register_state(), last_seq()
    content = example_csv().decode("utf-8").encode("cp1250")

    imp = upload(clerk, content)

    assert_rejected(
        imp,
        [
            {
                "line": 4,
                "message": "plik nie jest w UTF-8 — zapisz go jako UTF-8 (nie można odczytać bajtu 0xF1 na pozycji 18;"
                " plik jest prawdopodobnie w kodowaniu Windows-1250).",
            }
        ],
        before,
    )
    assert audit_counts(seq) == Counter({"central_import.rejected": 1})


def test_wrong_header_is_rejected(clerk, example_local):
    before = register_state()
    header = HEADER.replace("NAZWISKO_RODOWE", "NAZWISKO_PANIENSKIE").replace(";DATA_EKSPORTU", "")

    imp = upload(clerk, csv_of(row(), header=header))

    assert_rejected(
        imp,
        [
            {
                "line": 1,
                "message": "błędny nagłówek (brakujące kolumny: NAZWISKO_RODOWE, DATA_EKSPORTU; nieznane kolumny: "
                "NAZWISKO_PANIENSKIE). Pierwszy wiersz musi zawierać nazwy kolumn: " + HEADER + ".",
            }
        ],
        before,
    )


def test_comma_separated_file_is_rejected(clerk, demo_teryt):
    before = register_state()
    imp = upload(clerk, csv_of(row().replace(";", ","), header=HEADER.replace(";", ",")))
    assert_rejected(
        imp,
        [{"line": 1, "message": "błędny nagłówek: kolumny muszą być rozdzielone znakiem ';' (średnik), nie ','."}],
        before,
    )


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"", None, "plik jest pusty."),
        (f"\ufeff{HEADER}\n\n".encode(), 1, "plik ma nagłówek, ale nie ma wierszy z danymi."),
        (
            csv_of(row(), row(JAN, DATA_EKSPORTU="2026-10-30")),
            3,
            'DATA_EKSPORTU musi być taka sama w każdym wierszu: tu "2026-10-30", w wierszu 2 "2026-10-31".',
        ),
        (csv_of(row(DATA_EKSPORTU="31.10.2026")), 2, 'DATA_EKSPORTU musi być datą RRRR-MM-DD, jest "31.10.2026".'),
        (csv_of(row(DATA_EKSPORTU="2026-12-01")), 2, "DATA_EKSPORTU 01.12.2026 jest w przyszłości."),
    ],
    ids=["empty", "no-rows", "two-export-dates", "export-date-format", "export-date-future"],
)
def test_file_level_errors_reject_the_file(clerk, demo_teryt, content, line, message):
    before = register_state()
    imp = upload(clerk, content, today=D(2026, 11, 20))
    assert_rejected(imp, [{"line": line, "message": message}], before)


def test_too_large_file_is_refused_and_not_stored(clerk, demo_teryt, settings):
    settings.POPULATION_IMPORT_MAX_BYTES = 100
    with pytest.raises(ServiceValidationError) as err:
        upload(clerk, example_csv())
    assert err.value.errors == {
        "file": [
            "Plik jest za duży (916\xa0bajtów); limit to 100\xa0bajtów. "
            "Podziel eksport lub zwróć się do administratora."
        ]
    }
    assert CentralImport.objects.count() == 0


# --- quarantined rows -----------------------------------------------------------------------------------------


@pytest.fixture
def foreign_locality(demo_teryt):
    return LocalityFactory(sym="9800001", name="Obcowo")


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"PESEL": "85041212369"}, "PESEL: Błędna cyfra kontrolna PESEL: powinna być 8, jest 9."),
        ({"PESEL": "8504121236"}, "PESEL: PESEL musi mieć 11 cyfr, a ten ma 10."),
        ({"SIMC": "9900099"}, "SIMC: nieznany kod miejscowości 9900099 (brak w rejestrze TERYT)."),
        (
            {"ULIC": "90099"},
            "ULIC: nieznany kod ulicy 90099 w miejscowości Magistrowo (brak w rejestrze TERYT).",
        ),
        (
            {"TERC": "1499015"},
            "TERC: 1499015 nie odpowiada gminie miejscowości Magistrowo (TERC 1499014).",
        ),
        ({"ULIC": ""}, "ULIC: nie może być puste: miejscowość Magistrowo ma ulice w TERYT."),
        ({"SIMC": "9800001", "ULIC": ""}, None),
        ({"DATA_OD": "2023-02-30"}, "DATA_OD: niemożliwa data 2023-02-30."),
        ({"DATA_OD": "01.05.2010"}, 'DATA_OD: musi być datą RRRR-MM-DD, jest "01.05.2010".'),
        ({"DATA_OD": "1980-01-01"}, "DATA_OD: 01.01.1980 jest przed datą urodzenia."),
        ({"DATA_OD": "2026-11-01"}, "DATA_OD: 01.11.2026 jest po dacie eksportu 31.10.2026."),
        (
            {"DATA_URODZENIA": "1985-04-13"},
            "DATA_URODZENIA: 13.04.1985 nie zgadza się z PESEL, który zawiera 12.04.1985.",
        ),
        ({"PLEC": "M"}, "PLEC: M nie zgadza się z PESEL (jego 10. cyfrą)."),
        ({"PLEC": "F"}, 'PLEC: musi być jedną z wartości K, M, jest "F".'),
        ({"RODZAJ_POBYTU": "C"}, "DATA_DO: wymagane dla pobytu czasowego (C): planowany koniec pobytu."),
        (
            {"RODZAJ_POBYTU": "C", "DATA_DO": "2026-10-31"},
            "DATA_DO: pobyt czasowy zakończył się 31.10.2026, nie później niż data eksportu 31.10.2026.",
        ),
        ({"DATA_DO": "2027-01-01"}, "DATA_DO: musi być puste dla pobytu stałego (S)."),
        (
            {"OBYWATELSTWO": "POL"},
            'OBYWATELSTWO: musi być dwuliterowym kodem kraju (PL, UA, DE…; XX = bezpaństwowiec), jest "POL".',
        ),
        ({"STATUS": "X"}, 'STATUS: musi być jedną z wartości A, Z, W, jest "X".'),
        (
            {"STATUS": "Z"},
            "DATA_ZGONU: nie może być puste; RODZAJ_POBYTU: musi być puste dla osoby zmarłej lub która wyjechała "
            "za granicę (żadne jej zameldowanie nie jest w mocy).",
        ),
        ({"DATA_ZGONU": "2020-01-01"}, "DATA_ZGONU: musi być puste, chyba że STATUS to Z (zmarły)."),
        ({"NAZWISKO": ""}, "NAZWISKO: nie może być puste."),
        ({"KOD_POCZTOWY": "5990"}, "KOD_POCZTOWY: Kod pocztowy musi mieć postać 00-000."),
        (
            NOT_REGISTERED,
            "DATA_DO: wymagane dla osoby niezameldowanej w gminie: dzień, w którym skończyło się jej zameldowanie "
            "w gminie.",
        ),
        (
            {"RODZAJ_POBYTU": "", "DATA_DO": "2026-01-01"},
            "; ".join(f"{column}: musi być puste, gdy RODZAJ_POBYTU jest puste" for column in ADDRESS_COLUMNS) + ".",
        ),
        (
            {**NOT_REGISTERED, "STATUS": "W"},
            "DATA_DO: wymagane dla osoby, która wyjechała za granicę: dzień wyjazdu.",
        ),
    ],
    ids=lambda v: "-".join(f"{k}={x}" for k, x in v.items()) if isinstance(v, dict) else "",
)
def test_bad_row_is_quarantined_with_line_and_reason(clerk, example_local, foreign_locality, values, reason):
    if reason is None:
        reason = "SIMC: miejscowość Obcowo (9800001) leży poza tą gminą; TERC: 1499014 nie odpowiada gminie " + (
            f"miejscowości Obcowo (TERC {foreign_locality.gmina.code})."
        )
    before, seq = register_state(), last_seq()
    content = csv_of(
        row(JAN, **JAN_AT_POLNA),
        row(**values),
    )

    imp = upload(clerk, content)

    assert imp.status == "parsed"
    assert (imp.rows_total, imp.rows_quarantined) == (2, 1)
    assert [(q.line_no, q.reason) for q in imp.quarantined.all()] == [(3, reason)]
    # The quarantined person is left out entirely: not "missing centrally" either (if the PESEL was valid).
    kinds = sorted(imp.items.values_list("kind", "pesel"))
    if values.get("PESEL", ANNA) == ANNA:
        assert kinds == [("missing_centrally", MARIA), ("missing_centrally", TOMASZ)]
    else:
        assert kinds == [("missing_centrally", MARIA), ("missing_centrally", TOMASZ), ("missing_centrally", ANNA)]
    central_import_apply(actor=clerk, central_import=imp)
    assert register_state() == before
    assert audit_counts(seq) == Counter({"central_import.uploaded": 1, "central_import.applied": 1})


def test_wrong_number_of_fields_quarantines_the_whole_person(clerk, example_local):
    content = csv_of(
        row(PIOTR),
        row(PIOTR, RODZAJ_POBYTU="C", DATA_DO="2027-01-01") + ";extra",
    )
    imp = upload(clerk, content)
    assert [(q.line_no, q.reason) for q in imp.quarantined.all()] == [
        (2, "inny wiersz tej samej osoby (wiersz 3) trafił do kwarantanny."),
        (3, "oczekiwano pól rozdzielonych znakiem „;” w liczbie 19, znaleziono 20."),
    ]
    assert not imp.items.filter(pesel=PIOTR).exists()


def test_rows_of_one_person_must_agree(clerk, example_local):
    content = csv_of(
        row(PIOTR),
        row(PIOTR, IMIONA="Paweł", RODZAJ_POBYTU="C", DATA_DO="2027-01-01"),
        row(EWA),
        row(EWA, NR_DOMU="9"),
    )
    imp = upload(clerk, content)
    assert [(q.line_no, q.reason) for q in imp.quarantined.all()] == [
        (2, "inny wiersz tej samej osoby (wiersz 3) trafił do kwarantanny."),
        (3, "dane osoby różnią się od wiersza 2 (IMIONA)."),
        (4, "inny wiersz tej samej osoby (wiersz 5) trafił do kwarantanny."),
        (5, "drugi wiersz z tym samym RODZAJ_POBYTU dla PESEL 01222000744 (pierwszy jest w wierszu 4)."),
    ]
    assert sorted(imp.items.values_list("kind", flat=True)) == ["missing_centrally"] * 4


# --- comparison and apply details -----------------------------------------------------------------------------


def test_status_emigrated_and_deceased_use_the_status_services(clerk, example_local):
    content = csv_of(
        row(JAN, **NOT_REGISTERED, STATUS="W", DATA_DO="2026-06-30"),
        row(),
    )
    imp = upload(clerk, content)
    assert items_of(imp)[0] == (
        "changed",
        JAN,
        2,
        {
            "status": ["active", "emigrated"],
            "status_date": [None, "2026-06-30"],
            "permanent.address": ["ul. Polna 3, Magistrowo", None],
            "permanent.start_date": ["2015-01-10", None],
            "permanent.end_date": [None, "2026-06-30"],
        },
    )
    central_import_apply(actor=clerk, central_import=imp)
    jan = Resident.objects.get(pk=example_local[JAN].pk)
    assert (jan.status, jan.status_date) == ("emigrated", D(2026, 6, 30))
    assert list(jan.registrations.values_list("end_date", "end_reason")) == [(D(2026, 6, 30), "emigration")]


def test_person_who_moved_away_is_deregistered_on_data_do(clerk, example_local):
    content = csv_of(
        row(JAN, **NOT_REGISTERED, DATA_DO="2026-03-31"),
        row(),
    )
    imp = upload(clerk, content)
    assert imp.items.get(pesel=JAN).changes["permanent.end_date"] == [None, "2026-03-31"]
    central_import_apply(actor=clerk, central_import=imp)
    assert list(example_local[JAN].registrations.values_list("end_date", "end_reason")) == [
        (D(2026, 3, 31), "deregistered")
    ]
    assert Resident.objects.get(pk=example_local[JAN].pk).status == "active"


def test_temporary_stay_extended_and_earlier_start_replaces_the_local_one(clerk, example_local):
    anna = example_local[ANNA]
    registration_register(
        actor=clerk,
        resident=anna,
        kind="temporary",
        address=address("9900002", "90016", "3", postal="05-991"),
        start_date=D(2026, 9, 1),
        planned_end_date=D(2027, 1, 31),
    )
    anna_temp = row(
        RODZAJ_POBYTU="C",
        TERC="1499015",
        SIMC="9900002",
        ULIC="90016",
        NR_DOMU="3",
        NR_LOKALU="",
        KOD_POCZTOWY="05-991",
        DATA_OD="2026-09-01",
        DATA_DO="2027-08-31",
    )
    jan = row(JAN, **JAN_AT_POLNA | {"DATA_OD": "2014-12-01"})
    imp = upload(clerk, csv_of(row(), anna_temp, jan))
    assert sorted((i.pesel, i.kind, i.changes) for i in imp.items.exclude(kind="missing_centrally")) == [
        (JAN, "changed", {"permanent.start_date": ["2015-01-10", "2014-12-01"]}),
        (ANNA, "changed", {"temporary.planned_end_date": ["2027-01-31", "2027-08-31"]}),
    ]
    seq = last_seq()

    central_import_apply(actor=clerk, central_import=imp)

    assert list(anna.registrations.filter(kind="temporary").values_list("planned_end_date", "end_date")) == [
        (D(2027, 8, 31), None)
    ]
    assert list(
        example_local[JAN].registrations.order_by("pk").values_list("start_date", "end_date", "end_reason", "form")
    ) == [(D(2015, 1, 10), D(2015, 1, 10), "deregistered", "paper"), (D(2014, 12, 1), None, "", "central")]
    assert audit_counts(seq)["registration.extended"] == 1
    # And the same file again finds nothing to do but the two residents missing from it.
    assert sorted(upload(clerk, csv_of(row(), anna_temp, jan) + b"\n").items.values_list("kind", flat=True)) == [
        "missing_centrally",
        "missing_centrally",
    ]


def test_local_changes_after_the_export_date_win(clerk, example_local):
    # Jan moved locally after the export date: the older export does not undo it.
    registration_register(
        actor=clerk,
        resident=example_local[JAN],
        kind="permanent",
        address=address("9900001", "90005", "11"),
        start_date=D(2026, 11, 5),
    )
    imp = upload(clerk, csv_of(row(), row(JAN, **JAN_AT_POLNA)))
    assert not imp.items.filter(pesel=JAN).exists()


def test_names_differing_only_in_case_are_not_a_change(clerk, example_local):
    imp = upload(clerk, csv_of(row(NAZWISKO="NOWAK", IMIONA="anna", NAZWISKO_RODOWE="")))
    assert not imp.items.filter(pesel=ANNA).exists()


def test_citizenship_and_family_name_are_updated(clerk, example_local):
    imp = upload(clerk, csv_of(row(OBYWATELSTWO="ua", NAZWISKO_RODOWE="Kowalczyk-Nowak")))
    assert imp.items.get(pesel=ANNA).changes == {
        "citizenship": ["PL", "UA"],
        "family_name": ["Kowalczyk", "Kowalczyk-Nowak"],
    }
    seq = last_seq()
    central_import_apply(actor=clerk, central_import=imp)
    anna = Resident.objects.get(pk=example_local[ANNA].pk)
    assert (anna.citizenship, anna.family_name) == ("UA", "Kowalczyk-Nowak")
    event = AuditEvent.objects.get(seq__gt=seq, action="resident.updated")
    assert event.details == {"fields": ["citizenship", "family_name"], "source": "central_register"}


def test_a_death_recorded_only_locally_needs_manual_handling(clerk, example_local):
    resident_record_death(actor=clerk, resident=example_local[ANNA], death_date=D(2026, 2, 1))
    imp = upload(clerk, csv_of(row()))
    item = imp.items.get(pesel=ANNA)
    assert item.kind == "missing_locally"
    assert item.central_data["manual"] == ["Lokalny rejestr odnotowuje zgon tej osoby; centralny rejestr nie."]
    assert imp.summary["manual"] == 1
    assert central_import_to_apply(central_import=imp) == {"new": 0, "missing_locally": 0, "changed": 0}
    before = register_state()

    applied = central_import_apply(actor=clerk, central_import=imp)

    assert register_state() == before
    assert AuditEvent.objects.get(action="central_import.applied").details["skipped_manual"] == 1
    item.refresh_from_db()
    assert item.applied is False
    assert applied.summary["applied"] == {"new": 0, "missing_locally": 0, "changed": 0}


def test_apply_rolls_back_everything_when_an_item_fails(clerk, example_local):
    # A report prepared "in the future": Jan's new first names are applied first, then the registration of
    # 01.12.2027 of Piotr (a party, not yet a resident) is refused by the service today: all is rolled back.
    piotr_late = row(PIOTR, DATA_OD="2027-12-01", DATA_EKSPORTU="2028-01-01")
    jan = row(JAN, **JAN_AT_POLNA, IMIONA="Jan Piotr", DATA_EKSPORTU="2028-01-01")
    imp = upload(clerk, csv_of(jan, piotr_late), today=D(2028, 1, 2))
    assert list(imp.items.exclude(kind="missing_centrally").order_by("pk").values_list("kind", "pesel")) == [
        ("changed", JAN),
        ("missing_locally", PIOTR),
    ]
    before, seq = register_state(), last_seq()

    with pytest.raises(ApplicationError) as err:
        central_import_apply(actor=clerk, central_import=imp)

    assert err.value.message == (
        "Nic nie zostało zastosowane: PESEL 90071531132 (wiersz 3): Data 01.12.2027 jest datą przyszłą."
    )
    assert register_state() == before
    imp.refresh_from_db()
    assert imp.status == "parsed"
    assert imp.summary["apply_error"] == err.value.message
    assert not imp.items.filter(applied=True).exists()
    assert audit_counts(seq) == Counter({"central_import.apply_failed": 1})


def test_apply_refuses_a_report_the_register_has_outgrown(clerk, example_local):
    imp = upload(clerk, example_csv())
    party_create(actor=clerk, data=PartyInput(pesel=EWA, first_names="Ewa", surname="Zielińska"))
    before = register_state()

    with pytest.raises(ApplicationError) as err:
        central_import_apply(actor=clerk, central_import=imp)

    assert err.value.message == (
        "Nic nie zostało zastosowane: PESEL 01222000744: lokalny rejestr zmienił się po przygotowaniu raportu. "
        "Wgraj plik ponownie, aby otrzymać nowy raport."
    )
    assert register_state() == before
    imp.refresh_from_db()
    assert imp.status == "parsed"


def test_only_the_permitted_may_upload_or_apply(make_user, clerk, example_local):
    tax_clerk = make_user(roles.TAX_CLERK)
    with pytest.raises(PermissionDenied):
        upload(tax_clerk, example_csv())
    assert CentralImport.objects.count() == 0
    imp = upload(clerk, example_csv())
    before = register_state()
    for service in (central_import_apply, central_import_discard):
        with pytest.raises(PermissionDenied):
            service(actor=tax_clerk, central_import=imp)
    assert register_state() == before
    imp.refresh_from_db()
    assert imp.status == "parsed"
    assert CentralImportRow.objects.count() == 1
