"""The Polish catalogue is complete and consistent, and the UI actually speaks Polish."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from scripts.i18n import LOCALE_DIR, Problem, catalogues, check, compile_catalogues, ensure_compiled, placeholders


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues():
    """The .mo files are not in git; `make install` compiles them, a bare pytest run may not have."""
    ensure_compiled()


def test_the_project_has_a_polish_catalogue():
    assert LOCALE_DIR / "pl" / "LC_MESSAGES" / "django.po" in catalogues()


def test_every_message_is_translated_and_consistent():
    problems = check()
    assert problems == [], "\n".join(str(p) for p in problems)


@pytest.mark.parametrize(
    ("msgid", "polish"),
    [
        ("PESEL must consist of digits only.", "PESEL może zawierać wyłącznie cyfry."),
        ("Invalid NIP check digit.", "Błędna cyfra kontrolna NIP."),
        ("The data contain errors.", "Dane zawierają błędy."),
        ("Not found.", "Nie znaleziono."),
        ("Dashboard", "Pulpit"),
        ("Parties", "Podmioty"),
        ("Audit log", "Dziennik zdarzeń"),
        ("My data", "Moje dane"),
    ],
)
def test_required_translations(msgid, polish):
    with translation.override("pl"):
        assert gettext(msgid) == polish


@pytest.mark.django_db
def test_login_page_is_in_polish(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="pl">' in html
    assert "Zaloguj się" in html
    assert "Hasło" in html  # Django's own catalogue (auth forms)


@pytest.mark.django_db
def test_wrong_password_error_is_in_polish(client, make_user):
    make_user(username="ewa")
    response = client.post(reverse("login"), {"username": "ewa", "password": "zle-haslo"})
    assert response.status_code == 200
    assert "Wprowadź poprawne wartości pól" in response.content.decode()


# --- the checker itself ---------------------------------------------------------------------------

PO_HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=4; plural=(n==1 ? 0 : (n%10>=2 && n%10<=4) && (n%100<12 || n%100>14) ? 1 : "
"n!=1 && (n%10>=0 && n%10<=1) || (n%10>=5 && n%10<=9) || (n%100>=12 && n%100<=14) ? 2 : 3);\\n"

"""


def _write_po(tmp_path: Path, body: str) -> Path:
    po = tmp_path / "pl" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO_HEADER + body, encoding="utf-8")
    return po


def _reasons(problems: list[Problem]) -> dict[str, str]:
    return {p.msgid: p.reason for p in problems}


def test_check_reports_untranslated_fuzzy_and_placeholder_mismatches(tmp_path):
    _write_po(
        tmp_path,
        """msgid "Good"
msgstr "Dobrze"

msgid "Untranslated"
msgstr ""

#, fuzzy
msgid "Fuzzy"
msgstr "Rozmyte"

#, python-format
msgid "Has %(count)d items"
msgstr "Ma %(liczba)d elementów"

#, python-format
msgid "Lost %(name)s"
msgstr "Zgubione"

#, python-format
msgid "Kept %(name)s and 100%%"
msgstr "Zachowane %(name)s i 100%%"

#, python-format
msgid "%(counter)s file"
msgid_plural "%(counter)s files"
msgstr[0] "%(counter)s plik"
msgstr[1] "%(counter)s pliki"
msgstr[2] "plików"
msgstr[3] "%(counter)s pliku"

#, python-format
msgid "%(counter)s row"
msgid_plural "%(counter)s rows"
msgstr[0] "%(counter)s wiersz"
msgstr[1] ""
msgstr[2] "%(counter)s wierszy"
msgstr[3] "%(counter)s wiersza"
""",
    )
    reasons = _reasons(check(tmp_path))
    assert reasons == {
        "Untranslated": "untranslated",
        "Fuzzy": "fuzzy",
        "Has %(count)d items": "placeholders differ between msgid and msgstr",
        "Lost %(name)s": "placeholders differ between msgid and msgstr",
        "%(counter)s file": "placeholders of msgstr[2] differ from msgid_plural",
        "%(counter)s row": "untranslated",
    }


def test_compile_writes_a_mo_that_gettext_reads(tmp_path):
    import gettext as stdlib_gettext

    po = _write_po(tmp_path, 'msgid "Dashboard"\nmsgstr "Pulpit"\n\n#, fuzzy\nmsgid "Parties"\nmsgstr "Strony"\n')
    [mo] = compile_catalogues(tmp_path)
    assert mo == po.with_suffix(".mo")
    with mo.open("rb") as f:
        catalogue = stdlib_gettext.GNUTranslations(f)
    assert catalogue.gettext("Dashboard") == "Pulpit"
    assert catalogue.gettext("Parties") == "Parties"  # fuzzy entries are not compiled


def test_placeholders_understand_printf_specs():
    assert placeholders("0x%(byte)02x at %(position)d, 100%%") == placeholders("%(position)d: 0x%(byte)02x")
    assert placeholders("%s and %d") != placeholders("%d and %d")
