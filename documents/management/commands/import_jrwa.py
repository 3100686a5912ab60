"""manage.py import_jrwa FILE --code X --name "..." --valid-from YYYY-MM-DD [--current]"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ServiceValidationError
from documents.services.jrwa import jrwa_import


class Command(BaseCommand):
    help = "Import a JRWA list (CSV: symbol;title;archival_category;handling_days;procedure) as a version."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--code", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--valid-from", required=True, type=datetime.date.fromisoformat)
        parser.add_argument("--current", action="store_true", help="Make this version the current one.")

    def handle(self, *args, file, code, name, valid_from, current, **options):
        try:
            with open(file, "rb") as handle:
                version = jrwa_import(
                    file=handle, code=code, name=name, valid_from=valid_from, make_current=current, actor="import_jrwa"
                )
        except OSError as exc:
            raise CommandError(str(exc)) from None
        except ServiceValidationError as exc:
            lines = [exc.message, *(m for msgs in exc.errors.values() for m in msgs)]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(
            f"{version.code}: {version.classes.count()} classes, "
            f"{version.classes.filter(is_leaf=True).count()} final, current={version.is_current}"
        )
