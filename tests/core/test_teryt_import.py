import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from core.models import AuditEvent, Locality, Street, TercUnit
from core.services.teryt_import import (
    MAX_MESSAGES,
    FileCounts,
    TerytImportError,
    TerytImportResult,
    teryt_import,
)

TERC_HEADER = "WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA"
SIMC_HEADER = "WOJ;POW;GMI;RODZ_GMI;RM;MZ;NAZWA;SYM;SYMPOD;STAN_NA"
ULIC_HEADER = "WOJ;POW;GMI;RODZ_GMI;SYM;SYM_UL;CECHA;NAZWA_1;NAZWA_2;STAN_NA"

TERC = f"""{TERC_HEADER}
14;;;;MAZOWIECKIE;województwo;2026-01-01
14;98;;;testowy;powiat;2026-01-01
14;98;01;2;Testowo;gmina wiejska;2026-01-01
14;98;02;3;Nowe Testowo;gmina miejsko-wiejska;2026-01-01
"""
# Line 2 is a part (RM 00) whose parent (line 3) comes later in the file.
SIMC = f"""{SIMC_HEADER}
14;98;01;2;00;0;Górki;9800002;9800001;2026-01-01
14;98;01;2;01;1;Testowo;9800001;9800001;2026-01-01
14;98;02;3;96;1;Nowe Testowo;9800003;9800003;2026-01-01
"""
ULIC = f"""{ULIC_HEADER}
14;98;01;2;9800001;12345;ul.;Polna;;2026-01-01
14;98;02;3;9800003;12345;ul.;Polna;;2026-01-01
14;98;02;3;9800003;54321;ul.;Żeromskiego;Stefana;2026-01-01
"""
D = datetime.date(2026, 1, 1)


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the source language), whatever the translations say."""
    with translation.override("en"):
        yield


def _b(text: str) -> bytes:
    return text.encode("utf-8")


def _import(terc=TERC, simc=SIMC, ulic=ULIC, **kwargs):
    return teryt_import(
        actor="test",
        terc=_b(terc) if terc is not None else None,
        simc=_b(simc) if simc is not None else None,
        ulic=_b(ulic) if ulic is not None else None,
        **kwargs,
    )


def _state():
    """Everything the import may touch, to show that a refused import changed nothing."""
    return (
        list(TercUnit.objects.order_by("code").values_list()),
        list(Locality.objects.order_by("sym").values_list()),
        list(Street.objects.order_by("locality__sym", "sym_ul").values_list()),
        AuditEvent.objects.count(),
    )


def _errors(**kwargs) -> list[str]:
    before = _state()
    with pytest.raises(TerytImportError) as err:
        _import(**kwargs)
    assert _state() == before
    return err.value.messages


def test_import_creates_units_localities_and_streets(db):
    result = _import()

    assert result == TerytImportResult(
        terc=FileCounts(created=4), simc=FileCounts(created=3), ulic=FileCounts(created=3)
    )
    woj, powiat, gmina, gmina2 = TercUnit.objects.order_by("code")
    assert (woj.code, woj.level, woj.parent, woj.kind, woj.name, woj.extra_name, woj.state_date) == (
        "14",
        "voivodeship",
        None,
        "",
        "MAZOWIECKIE",
        "województwo",
        D,
    )
    assert (powiat.code, powiat.level, powiat.parent, powiat.kind) == ("1498", "powiat", woj, "")
    assert (gmina.code, gmina.level, gmina.parent, gmina.kind, gmina.name) == (
        "1498012",
        "gmina",
        powiat,
        "2",
        "Testowo",
    )
    assert (gmina2.code, gmina2.kind, gmina2.extra_name) == ("1498023", "3", "gmina miejsko-wiejska")
    village = Locality.objects.get(sym="9800001")
    part = Locality.objects.get(sym="9800002")
    town = Locality.objects.get(sym="9800003")
    assert (village.name, village.kind, village.has_customary_name, village.gmina, village.parent) == (
        "Testowo",
        "01",
        False,
        gmina,
        None,
    )
    assert (part.name, part.kind, part.has_customary_name, part.gmina, part.parent, part.state_date) == (
        "Górki",
        "00",
        True,
        gmina,
        village,
        D,
    )
    assert (town.kind, town.gmina, town.parent) == ("96", gmina2, None)
    streets = [
        (s.locality.sym, s.sym_ul, s.feature, s.name_1, s.name_2, s.state_date, s.full_name)
        for s in Street.objects.order_by("locality__sym", "sym_ul")
    ]
    assert streets == [
        ("9800001", "12345", "ul.", "Polna", "", D, "ul. Polna"),
        ("9800003", "12345", "ul.", "Polna", "", D, "ul. Polna"),
        ("9800003", "54321", "ul.", "Żeromskiego", "Stefana", D, "ul. Stefana Żeromskiego"),
    ]
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.actor_label) == ("teryt.imported", "core.teryt", "test")
    assert event.details == {
        "terc": {"created": 4, "updated": 0, "unchanged": 0},
        "simc": {"created": 3, "updated": 0, "unchanged": 0},
        "ulic": {"created": 3, "updated": 0, "unchanged": 0},
    }


def test_bom_crlf_nazdod_alias_and_blank_lines_are_accepted(db):
    terc = TERC.replace("NAZWA_DOD", "NAZDOD").replace("\n", "\r\n") + "\r\n"
    data = b"\xef\xbb\xbf" + terc.encode("utf-8")

    result = teryt_import(actor="test", terc=data, simc=None, ulic=None)

    assert result == TerytImportResult(terc=FileCounts(created=4))
    assert TercUnit.objects.get(code="14").extra_name == "województwo"


def test_windows_1250_encoding(db):
    result = teryt_import(actor="test", terc=TERC.encode("cp1250"), encoding="cp1250")

    assert result.terc == FileCounts(created=4)
    assert TercUnit.objects.get(code="14").extra_name == "województwo"


def test_second_import_of_the_same_files_changes_nothing_but_records_the_run(db):
    _import()
    before = _state()

    result = _import()

    assert result == TerytImportResult(
        terc=FileCounts(unchanged=4), simc=FileCounts(unchanged=3), ulic=FileCounts(unchanged=3)
    )
    after = _state()
    assert after[:3] == before[:3]
    # Exactly one new event: the import itself, with its (all "unchanged") counts.
    assert after[3] == before[3] + 1
    assert AuditEvent.objects.order_by("-seq").first().details == {
        "terc": {"created": 0, "updated": 0, "unchanged": 4},
        "simc": {"created": 0, "updated": 0, "unchanged": 3},
        "ulic": {"created": 0, "updated": 0, "unchanged": 3},
    }


def test_changed_rows_are_counted_as_updated(db):
    _import()
    ids = dict(Locality.objects.values_list("sym", "id"))

    result = _import(
        terc=TERC.replace("Testowo;gmina wiejska", "Testowo Wielkie;gmina wiejska"),
        # Górki becomes a locality of its own; Testowo gets a new state date.
        simc=SIMC.replace("9800002;9800001", "9800002;9800002").replace(
            "Testowo;9800001;9800001;2026-01-01", "Testowo;9800001;9800001;2026-02-01"
        ),
        ulic=ULIC.replace("Żeromskiego;Stefana", "Żeromskiego;Stefana Bolesława"),
    )

    assert result == TerytImportResult(
        terc=FileCounts(updated=1, unchanged=3),
        simc=FileCounts(updated=2, unchanged=1),
        ulic=FileCounts(updated=1, unchanged=2),
    )
    assert TercUnit.objects.get(code="1498012").name == "Testowo Wielkie"
    assert Locality.objects.get(sym="9800002").parent is None
    assert Locality.objects.get(sym="9800001").state_date == datetime.date(2026, 2, 1)
    assert dict(Locality.objects.values_list("sym", "id")) == ids
    assert Street.objects.get(sym_ul="54321").name_2 == "Stefana Bolesława"


def test_parents_may_come_from_the_database(db):
    _import(simc=None, ulic=None)

    assert _import(terc=None, ulic=None).simc == FileCounts(created=3)
    assert _import(terc=None, simc=None).ulic == FileCounts(created=3)
    extra = f"{SIMC_HEADER}\n14;98;01;2;03;1;Zagórki;9800004;9800002;2026-01-01\n"
    assert _import(terc=None, simc=extra, ulic=None).simc == FileCounts(created=1)
    assert Locality.objects.get(sym="9800004").parent.sym == "9800002"


def test_rows_not_in_the_file_are_kept(db):
    _import()

    result = _import(terc=None, simc=f"{SIMC_HEADER}\n", ulic=None)

    assert result.simc == FileCounts()
    assert Locality.objects.count() == 3


@pytest.mark.parametrize(
    ("_case", "kwargs", "messages"),
    [
        (
            "TERC header lacks a column",
            {"terc": TERC.replace(";NAZWA_DOD", "")},
            [
                "TERC, line 1: the header lacks the column(s) NAZWA_DOD. "
                "Expected: WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA."
            ],
        ),
        (
            "SIMC header has a wrong column",
            {"simc": SIMC.replace("SYMPOD", "SYM_POD")},
            [
                "SIMC, line 1: the header lacks the column(s) SYMPOD. "
                "Expected: WOJ;POW;GMI;RODZ_GMI;RM;MZ;NAZWA;SYM;SYMPOD;STAN_NA.",
                "SIMC, line 1: the header has unknown column(s) SYM_POD. "
                "Expected: WOJ;POW;GMI;RODZ_GMI;RM;MZ;NAZWA;SYM;SYMPOD;STAN_NA.",
            ],
        ),
        (
            "ULIC given a TERC file",
            {"ulic": TERC},
            [
                "ULIC, line 1: the header lacks the column(s) RODZ_GMI, SYM, SYM_UL, CECHA, NAZWA_1, NAZWA_2. "
                "Expected: WOJ;POW;GMI;RODZ_GMI;SYM;SYM_UL;CECHA;NAZWA_1;NAZWA_2;STAN_NA.",
                "ULIC, line 1: the header has unknown column(s) RODZ, NAZWA, NAZWA_DOD. "
                "Expected: WOJ;POW;GMI;RODZ_GMI;SYM;SYM_UL;CECHA;NAZWA_1;NAZWA_2;STAN_NA.",
            ],
        ),
        ("empty file", {"ulic": "\n\n"}, ["ULIC: the file is empty: there is no header row."]),
        (
            "wrong number of fields",
            {"simc": SIMC.replace("Testowo;9800001;9800001;2026-01-01", "Testowo;9800001;2026-01-01")},
            ["SIMC, line 3: expected 10 fields separated by ';', found 9."],
        ),
        (
            "bad codes",
            {
                "terc": TERC + "1;98;03;7;Zła;gmina;2026-01-01\n",
                "simc": SIMC + "14;98;01;2;1;2;Zła;980005;9800001;2026-13-01\n",
                "ulic": ULIC + "14;98;01;2;9800001;1234;;Zła;;01.01.2026\n",
            },
            [
                'TERC, line 6: WOJ must be 2 digits, got "1".',
                'TERC, line 6: RODZ must be one of 1, 2, 3, 4, 5, 8, 9, got "7".',
                'SIMC, line 5: SYM must be 7 digits, got "980005".',
                'SIMC, line 5: RM must be 2 digits, got "1".',
                'SIMC, line 5: MZ must be 0 or 1, got "2".',
                'SIMC, line 5: STAN_NA must be a date YYYY-MM-DD, got "2026-13-01".',
                'ULIC, line 5: SYM_UL must be 5 digits, got "1234".',
                "ULIC, line 5: CECHA must not be empty.",
                'ULIC, line 5: STAN_NA must be a date YYYY-MM-DD, got "01.01.2026".',
            ],
        ),
        (
            "gmina row without a powiat, RODZ without GMI",
            {"terc": TERC + "14;;05;2;Zła;gmina;2026-01-01\n14;98;;2;Zły;powiat;2026-01-01\n"},
            [
                "TERC, line 6: GMI is given but POW is empty.",
                "TERC, line 7: RODZ must be empty in a voivodeship or powiat row (GMI empty).",
            ],
        ),
        (
            "duplicate codes",
            {
                "terc": TERC + "14;98;01;2;Testowo bis;gmina wiejska;2026-01-01\n",
                "simc": SIMC + "14;98;01;2;01;1;Bis;9800001;9800001;2026-01-01\n",
                "ulic": ULIC + "14;98;02;3;9800003;12345;ul.;Polna;;2026-01-01\n",
            },
            [
                "TERC, line 6: TERC code 1498012 already appears on line 4.",
                "SIMC, line 5: SYM 9800001 already appears on line 3.",
                "ULIC, line 5: street SYM_UL 12345 of locality SYM 9800003 already appears on line 3.",
            ],
        ),
        (
            "unknown powiat and voivodeship",
            {"terc": TERC + "14;97;01;1;Znikąd;gmina miejska;2026-01-01\n12;01;;;krakowski;powiat;2026-01-01\n"},
            [
                "TERC, line 6: powiat 1497 is neither in the TERC file nor in the database.",
                "TERC, line 7: voivodeship 12 is neither in the TERC file nor in the database.",
            ],
        ),
        (
            "SIMC gmina unknown",
            {"simc": SIMC + "14;98;01;1;01;1;Obca;9800009;9800009;2026-01-01\n"},
            ["SIMC, line 5: gmina 1498011 (WOJ+POW+GMI+RODZ_GMI) is neither in the TERC file nor in the database."],
        ),
        (
            "SYMPOD unknown",
            {"simc": SIMC + "14;98;01;2;00;1;Sierota;9800009;9800077;2026-01-01\n"},
            ["SIMC, line 5: parent locality SYMPOD 9800077 is neither in the SIMC file nor in the database."],
        ),
        (
            "SYMPOD loop",
            {
                "simc": SIMC
                + "14;98;01;2;00;1;Jedna;9800008;9800009;2026-01-01\n14;98;01;2;00;1;Druga;9800009;9800008;2026-01-01\n"
            },
            ["SIMC, line 5: the SYMPOD chain of SYM 9800008 loops back to 9800008."],
        ),
        (
            "ULIC SYM unknown",
            {"ulic": ULIC + "14;98;01;2;9800077;11111;ul.;Nigdzie;;2026-01-01\n"},
            ["ULIC, line 5: locality SYM 9800077 is neither in the SIMC file nor in the database."],
        ),
        (
            "ULIC gmina does not match the locality's",
            {"ulic": ULIC + "14;98;02;3;9800001;11111;ul.;Obok;;2026-01-01\n"},
            [
                "ULIC, line 5: gmina 1498023 (WOJ+POW+GMI+RODZ_GMI) does not match gmina 1498012 "
                "of locality SYM 9800001."
            ],
        ),
        (
            "text too long",
            {"ulic": ULIC + "14;98;01;2;9800001;11111;ulica-długa;Obok;;2026-01-01\n"},
            ["ULIC, line 5: CECHA is longer than 10 characters."],
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(db, _case, kwargs, messages):
    assert _errors(**kwargs) == messages


def test_undecodable_line_is_reported_with_its_number(db):
    data = _b(SIMC).replace(b"G\xc3\xb3rki", b"G\xffrki")

    before = _state()
    with pytest.raises(TerytImportError) as err:
        teryt_import(actor="test", terc=_b(TERC), simc=data, ulic=_b(ULIC))

    assert err.value.messages == [
        "SIMC, line 2: the line cannot be decoded as utf-8 (byte 0xff at position 18).",
    ]
    assert _state() == before


def test_unknown_or_unsuitable_encoding(db):
    with pytest.raises(TerytImportError) as err:
        _import(encoding="no-such-codec")
    assert err.value.messages == ["encoding: Unknown encoding no-such-codec."]
    with pytest.raises(TerytImportError) as err:
        _import(encoding="utf-16")
    assert err.value.messages == [
        "encoding: Encoding utf-16 is not supported: use an ASCII-compatible one (UTF-8, Windows-1250)."
    ]


def test_no_file_given(db):
    with pytest.raises(TerytImportError) as err:
        teryt_import(actor="test")
    assert err.value.messages == ["import: No TERYT file was given."]


def test_errors_in_one_file_do_not_cascade_into_the_next(db):
    """A TERC file with a bad header cannot vouch for gminas: SIMC rows are not also reported."""
    messages = _errors(terc=TERC.replace("RODZ", "RODZAJ"))

    assert messages == [
        "TERC, line 1: the header lacks the column(s) RODZ. Expected: WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA.",
        "TERC, line 1: the header has unknown column(s) RODZAJ. Expected: WOJ;POW;GMI;RODZ;NAZWA;NAZWA_DOD;STAN_NA.",
    ]


def test_a_failing_file_keeps_the_valid_changes_of_the_others_out(db):
    _import()
    before = _state()

    with pytest.raises(TerytImportError):
        _import(
            terc=TERC.replace("Testowo;gmina wiejska", "Testowo Wielkie;gmina wiejska"),
            ulic=ULIC + "14;98;01;2;9800077;11111;ul.;Nigdzie;;2026-01-01\n",
        )

    assert _state() == before
    assert TercUnit.objects.get(code="1498012").name == "Testowo"


def test_the_number_of_messages_is_capped(db):
    bad = "".join(f"14;98;01;2;9800001;{n:05d};ul.;X{n};;2026\n" for n in range(MAX_MESSAGES + 50))

    with pytest.raises(TerytImportError) as err:
        _import(ulic=f"{ULIC_HEADER}\n{bad}")

    assert err.value.total == MAX_MESSAGES + 50
    assert len(err.value.messages) == MAX_MESSAGES + 1
    assert err.value.messages[0] == 'ULIC, line 2: STAN_NA must be a date YYYY-MM-DD, got "2026".'
    assert err.value.messages[-1] == "… and 50 more errors not shown."


def test_demo_fixture_loads(db, settings):
    fixtures = settings.BASE_DIR / "core" / "fixtures" / "teryt_demo"

    result = teryt_import(
        actor="test",
        terc=(fixtures / "TERC.csv").read_bytes(),
        simc=(fixtures / "SIMC.csv").read_bytes(),
        ulic=(fixtures / "ULIC.csv").read_bytes(),
    )

    assert result == TerytImportResult(
        terc=FileCounts(created=5), simc=FileCounts(created=6), ulic=FileCounts(created=22)
    )
    assert list(TercUnit.objects.values_list("code", "level", "kind", "name")) == [
        ("14", "voivodeship", "", "MAZOWIECKIE"),
        ("1499", "powiat", "", "magistracki"),
        ("1499013", "gmina", "3", "Magistrowo"),
        ("1499014", "gmina", "4", "Magistrowo"),
        ("1499015", "gmina", "5", "Magistrowo"),
    ]
    town = Locality.objects.get(name="Magistrowo")
    assert (town.sym, town.kind, town.gmina.code) == ("9900001", "96", "1499014")
    assert town.streets.count() == 15
    assert Locality.objects.get(name="Kolonia Brzozowa").parent.name == "Brzozówka"
    assert {loc.name: loc.streets.count() for loc in Locality.objects.filter(gmina__code="1499015")} == {
        "Brzozówka": 0,
        "Dębina": 4,
        "Kolonia Brzozowa": 0,
        "Stara Wieś": 3,
        "Zalesie Magistrackie": 0,
    }
    assert town.streets.get(sym_ul="90011").full_name == "ul. Stefana Żeromskiego"


# --- The management command ----------------------------------------------------------------------


def _write(tmp_path, **files):
    paths = {}
    for name, text in files.items():
        paths[name] = tmp_path / f"{name.upper()}.csv"
        paths[name].write_bytes(_b(text))
    return paths


def test_command_imports_and_prints_counts(db, tmp_path):
    paths = _write(tmp_path, terc=TERC, simc=SIMC, ulic=ULIC)
    out = io.StringIO()

    call_command("import_teryt", terc=paths["terc"], simc=paths["simc"], ulic=paths["ulic"], stdout=out)
    call_command("import_teryt", "--terc", str(paths["terc"]), stdout=out)

    assert out.getvalue().splitlines() == [
        "TERC: 4 created, 0 updated, 0 unchanged.",
        "SIMC: 3 created, 0 updated, 0 unchanged.",
        "ULIC: 3 created, 0 updated, 0 unchanged.",
        "TERC: 0 created, 0 updated, 4 unchanged.",
    ]
    assert (TercUnit.objects.count(), Locality.objects.count(), Street.objects.count()) == (4, 3, 3)
    assert AuditEvent.objects.filter(action="teryt.imported", actor_label="manage.py import_teryt").count() == 2


def test_command_reports_errors_to_stderr_and_fails(db, tmp_path):
    paths = _write(
        tmp_path,
        terc=TERC,
        simc=SIMC,
        ulic=ULIC + "14;98;01;2;9800077;11111;ul.;Nigdzie;;2026-01-01\n14;98;01;2;9800001;1;ul.;X;;2026-01-01\n",
    )
    out, err = io.StringIO(), io.StringIO()
    before = _state()

    with pytest.raises(CommandError) as exc:
        call_command("import_teryt", terc=paths["terc"], simc=paths["simc"], ulic=paths["ulic"], stdout=out, stderr=err)

    assert str(exc.value) == "The TERYT files contain 2 error(s); nothing was changed."
    assert exc.value.returncode == 1
    assert err.getvalue().splitlines() == [
        'ULIC, line 6: SYM_UL must be 5 digits, got "1".',
        "ULIC, line 5: locality SYM 9800077 is neither in the SIMC file nor in the database.",
    ]
    assert out.getvalue() == ""
    assert _state() == before


def test_command_needs_a_readable_file(db, tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("import_teryt")
    assert str(exc.value) == "Give at least one of --terc, --simc, --ulic."
    with pytest.raises(CommandError) as exc:
        call_command("import_teryt", terc=tmp_path / "missing.csv")
    assert str(exc.value) == f"Cannot read {tmp_path / 'missing.csv'}: No such file or directory"
