"""Translations without GNU gettext: compile and check the project's .po catalogues with polib.

    python scripts/i18n.py tidy      drop stale "#|" lines from translated entries
    python scripts/i18n.py compile   every locale/*/LC_MESSAGES/*.po → the .mo next to it
    python scripts/i18n.py check     exit 1 listing entries that are untranslated, fuzzy, or whose
                                     python-format placeholders differ between msgid and msgstr

The .mo files are build products (ignored by git): `make install` runs `compile`. Extracting new
messages (`make messages`) does need gettext's xgettext, but compiling and checking do not.
"""

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polib

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"

# A printf-style conversion as Python's %-operator understands it: %(name)s, %d, %5.2f, %02x, ...
_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?"  # mapping key
    r"[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"  # flags, width, precision, length
    r"(?P<conv>[diouxXeEfFgGcrsa%])"  # conversion
)


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    msgid: str
    reason: str

    def __str__(self) -> str:
        try:
            where = self.path.relative_to(BASE_DIR)
        except ValueError:
            where = self.path
        return f"{where}:{self.line}: {self.reason}: {self.msgid!r}"


def catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))


def placeholders(text: str) -> Counter:
    """The python-format placeholders of ``text`` as a multiset; "%%" (a literal percent) is not one."""
    found = Counter()
    for match in _PLACEHOLDER.finditer(text):
        if match.group("conv") == "%":
            continue
        found[(match.group("name"), match.group("conv"))] += 1
    return found


def _is_python_format(entry: polib.POEntry) -> bool:
    return "python-format" in entry.flags or "%(" in entry.msgid


def _placeholder_problem(entry: polib.POEntry) -> str | None:
    if not _is_python_format(entry):
        return None
    if entry.msgid_plural:
        # Every plural form must use exactly the placeholders of msgid_plural (the "many" form).
        expected = placeholders(entry.msgid_plural)
        for index, text in sorted(entry.msgstr_plural.items()):
            if placeholders(text) != expected:
                return f"placeholders of msgstr[{index}] differ from msgid_plural"
        return None
    if placeholders(entry.msgstr) != placeholders(entry.msgid):
        return "placeholders differ between msgid and msgstr"
    return None


def check_catalogue(path: Path) -> list[Problem]:
    po = polib.pofile(str(path))
    problems: list[Problem] = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(Problem(path, entry.linenum, entry.msgid, "fuzzy"))
            continue
        if entry.msgid_plural:
            untranslated = not entry.msgstr_plural or not all(entry.msgstr_plural.values())
        else:
            untranslated = not entry.msgstr
        if untranslated:
            problems.append(Problem(path, entry.linenum, entry.msgid, "untranslated"))
            continue
        reason = _placeholder_problem(entry)
        if reason:
            problems.append(Problem(path, entry.linenum, entry.msgid, reason))
            continue
        if entry.msgid_plural and len(entry.msgstr_plural) != _nplurals(po):
            problems.append(Problem(path, entry.linenum, entry.msgid, f"needs {_nplurals(po)} plural forms"))
            continue
        if entry.previous_msgid or entry.previous_msgid_plural or entry.previous_msgctxt:
            # "#| msgid ..." lines on a translated entry: msgmerge (makemessages) rejects some of them.
            problems.append(Problem(path, entry.linenum, entry.msgid, "stale '#|' previous-msgid lines (run: tidy)"))
    return problems


def _nplurals(po: polib.POFile) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else 2


def tidy(locale_dir: Path = LOCALE_DIR) -> int:
    """Drop '#|' previous-msgid lines from entries that are no longer fuzzy; return how many were cleaned."""
    cleaned = 0
    for path in catalogues(locale_dir):
        po = polib.pofile(str(path))
        for entry in po:
            if "fuzzy" not in entry.flags and (
                entry.previous_msgid or entry.previous_msgid_plural or entry.previous_msgctxt
            ):
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
                cleaned += 1
        po.save()
    return cleaned


def check(locale_dir: Path = LOCALE_DIR) -> list[Problem]:
    """Every problem of every catalogue under ``locale_dir`` (an empty list when all is well)."""
    problems: list[Problem] = []
    for path in catalogues(locale_dir):
        problems.extend(check_catalogue(path))
    return problems


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write the .mo next to each .po; returns the .mo paths. Fuzzy entries are left out, as msgfmt does."""
    written = []
    for path in catalogues(locale_dir):
        mo_path = path.with_suffix(".mo")
        polib.pofile(str(path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def ensure_compiled(locale_dir: Path = LOCALE_DIR) -> bool:
    """Compile when some .mo is missing or older than its .po (a fresh checkout has none).

    Returns True when it compiled. If Django is loaded, its cached catalogues are dropped so the
    new .mo files take effect in this process (used by the test suite).
    """
    stale = [
        po
        for po in catalogues(locale_dir)
        if not po.with_suffix(".mo").exists() or po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime
    ]
    if not stale:
        return False
    compile_catalogues(locale_dir)
    if "django.utils.translation.trans_real" in sys.modules:
        from asgiref.local import Local
        from django.utils.translation import trans_real

        trans_real._translations = {}
        trans_real._default = None
        trans_real._active = Local()
        trans_real.translation_catalog_exists.cache_clear()
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["compile", "check", "tidy"])
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR, help="default: %(default)s")
    args = parser.parse_args(argv)

    if not catalogues(args.locale_dir):
        print(f"No .po files under {args.locale_dir}", file=sys.stderr)
        return 1
    if args.command == "tidy":
        print(f"cleaned {tidy(args.locale_dir)} entries")
        return 0
    if args.command == "compile":
        for mo_path in compile_catalogues(args.locale_dir):
            print(f"compiled {mo_path}")
        return 0
    problems = check(args.locale_dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in the translations.", file=sys.stderr)
        return 1
    print("Translations OK.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
