from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.services.teryt_import import TerytImportError, teryt_import


class Command(BaseCommand):
    help = (
        "Import the TERYT registers from the official GUS CSV files (TERC, SIMC, ULIC). "
        "All or nothing: on any error nothing is changed. Importing the same files again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--terc", type=Path, help="TERC CSV file (territorial units)")
        parser.add_argument("--simc", type=Path, help="SIMC CSV file (localities)")
        parser.add_argument("--ulic", type=Path, help="ULIC CSV file (streets)")
        parser.add_argument("--encoding", default="utf-8", help="encoding of the files (default: utf-8)")

    def handle(self, *args, **options):
        paths = {name: options[name] for name in ("terc", "simc", "ulic")}
        if not any(paths.values()):
            raise CommandError(_("Give at least one of --terc, --simc, --ulic."))
        data = {}
        for name, path in paths.items():
            if path is None:
                data[name] = None
                continue
            try:
                data[name] = path.read_bytes()
            except OSError as exc:
                raise CommandError(
                    _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc.strerror or exc}
                ) from exc
        try:
            result = teryt_import(actor="manage.py import_teryt", encoding=options["encoding"], **data)
        except TerytImportError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                _("The TERYT files contain %(count)d error(s); nothing was changed.") % {"count": exc.total}
            ) from exc
        for label, counts in (("TERC", result.terc), ("SIMC", result.simc), ("ULIC", result.ulic)):
            if counts is None:
                continue
            self.stdout.write(
                _("%(file)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {"file": label, "created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged}
            )
