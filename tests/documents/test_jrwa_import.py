"""JRWA as data: the CSV import (all or nothing, idempotent), the shipped demo list and the command."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from core.exceptions import ServiceValidationError
from core.models import AuditEvent
from documents.models import JrwaClass, JrwaVersion
from documents.services.jrwa import DEMO_CODE, jrwa_import, jrwa_sync_demo

HEADER = "symbol;title;archival_category;handling_days;procedure\n"
GOOD = HEADER + "3;Finanse;;;\n31;Podatki;;;\n312;Wymiar;;;\n3120;Podatek od nieruchomości;BE5;;kpa\n3121;Ulgi;B5;30;\n"


def _import(text, code="v1", current=False):
    return jrwa_import(
        file=io.BytesIO(text.encode()),
        code=code,
        name="Test",
        valid_from=datetime.date(2026, 1, 1),
        make_current=current,
    )


@pytest.mark.django_db
def test_demo_list_is_loaded_as_current_version_at_migrate():
    version = JrwaVersion.objects.get(code=DEMO_CODE)
    assert version.is_current
    classes = {c.symbol: c for c in version.classes.all()}
    assert len(classes) == 46
    for symbol in ("1431", "3120", "5343", "5345", "1510", "3125"):
        assert classes[symbol].is_leaf
        assert classes[symbol].archival_category
    assert classes["1431"].procedure == "public_information"
    assert classes["5345"].procedure == "certificate"
    assert (classes["312"].is_leaf, classes["312"].archival_category) == (False, "")
    # every class except the top level has its parent
    assert all(len(s) == 1 or s[:-1] in classes for s in classes)
    # only when no version exists
    assert jrwa_sync_demo() is None


@pytest.mark.django_db
def test_import_computes_leaves_and_writes_one_audit_event():
    version = _import(GOOD)
    rows = {c.symbol: (c.is_leaf, c.archival_category, c.handling_days, c.procedure) for c in version.classes.all()}
    assert rows == {
        "3": (False, "", None, ""),
        "31": (False, "", None, ""),
        "312": (False, "", None, ""),
        "3120": (True, "BE5", None, "kpa"),
        "3121": (True, "B5", 30, ""),
    }
    event = AuditEvent.objects.get(action="documents.jrwa.imported")
    assert event.details == {"code": "v1", "classes": 5, "created": 5, "updated": 0, "current": False}
    assert not version.is_current


@pytest.mark.django_db
def test_import_is_idempotent_for_the_same_code_and_updates_titles():
    first = _import(GOOD)
    again = _import(GOOD)
    assert again.pk == first.pk
    assert JrwaClass.objects.filter(version=first).count() == 5
    changed = _import(GOOD.replace("Ulgi", "Ulgi i umorzenia"))
    assert changed.classes.get(symbol="3121").title == "Ulgi i umorzenia"
    details = AuditEvent.objects.filter(action="documents.jrwa.imported").order_by("seq")
    assert [e.details["updated"] for e in details] == [0, 0, 1]


@pytest.mark.django_db
def test_make_current_moves_the_current_flag():
    version = _import(GOOD, code="v2", current=True)
    assert list(JrwaVersion.objects.filter(is_current=True)) == [version]
    assert not JrwaVersion.objects.get(code=DEMO_CODE).is_current


@pytest.mark.django_db
def test_bad_rows_import_nothing_and_list_every_error_with_line_numbers():
    bad = (
        "# a comment line\n"
        + HEADER
        + "3;Finanse;;;\n"  # line 3
        + "31;Podatki;A;;\n"  # line 4: a category on a class with subclasses (311)
        + "3120;Wymiar;;;\n"  # line 5: parent 312 missing, no category on a leaf
        + "31x;Zły;A;;\n"  # line 6: bad symbol
        + "310;Ewidencja;Z9;-3;nonsense\n"  # line 7: bad category, days, procedure
        + "3;Duplikat;;;\n"  # line 8
        + "32;Brak kolumny;A\n"  # line 9
        + "311;Opłaty;B5;;\n"  # line 10: fine
    )
    before = (JrwaVersion.objects.count(), JrwaClass.objects.count(), AuditEvent.objects.count())
    with translation.override("en"), pytest.raises(ServiceValidationError) as exc:
        _import(bad)
    assert exc.value.errors["file"] == [
        "Line 6: the symbol 31x is not 1 to 4 digits.",
        "Line 7: the archival category Z9 is not one of A, B<years>, BE<years>, Bc.",
        "Line 7: the handling days -3 are not a positive whole number.",
        "Line 7: unknown procedure nonsense.",
        "Line 9: expected 5 columns, found 3.",
        "Line 8: the symbol 3 repeats line 3.",
        "Line 4: the class 31 has subclasses and must not have an archival category.",
        "Line 5: the parent class 312 of 3120 is missing.",
        "Line 5: the final class 3120 has no archival category.",
    ]
    assert exc.value.message == "The JRWA list was not imported: 9 errors."
    assert (JrwaVersion.objects.count(), JrwaClass.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_header_and_encoding_errors():
    with translation.override("en"):
        with pytest.raises(ServiceValidationError) as exc:
            _import("symbol,title\n3;Finanse;;;\n")
        assert exc.value.errors["file"] == [
            "Line 1: the header must be symbol;title;archival_category;handling_days;procedure."
        ]
        with pytest.raises(ServiceValidationError) as exc:
            jrwa_import(
                file=io.BytesIO("3;\u00c4".encode("latin-1")), code="x", name="x", valid_from=datetime.date(2026, 1, 1)
            )
        assert exc.value.errors["file"] == ["The file is not UTF-8 text."]
    assert not JrwaVersion.objects.filter(code="x").exists()


@pytest.mark.django_db
def test_reimport_without_a_class_is_refused():
    version = _import(GOOD)
    with pytest.raises(ServiceValidationError):
        _import(GOOD.replace("3121;Ulgi;B5;30;\n", ""))
    assert version.classes.filter(symbol="3121").exists()


@pytest.mark.django_db
def test_command(tmp_path):
    path = tmp_path / "jrwa.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_jrwa",
        str(path),
        "--code",
        "full",
        "--name",
        "Pełny",
        "--valid-from",
        "2026-01-01",
        "--current",
        stdout=out,
    )
    assert out.getvalue().strip() == "full: 5 classes, 2 final, current=True"
    assert JrwaVersion.objects.get(is_current=True).code == "full"
    path.write_text(HEADER + "3120;Bez rodzica;A;;\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError) as exc:
        call_command("import_jrwa", str(path), "--code", "bad", "--name", "x", "--valid-from", "2026-01-01")
    assert "Line 2: the parent class 312 of 3120 is missing." in str(exc.value)
    assert not JrwaVersion.objects.filter(code="bad").exists()
