from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from epuap.pki import cert_fingerprint, ensure_test_pki


class Command(BaseCommand):
    help = (
        "TEST/DEMO ONLY: create the test PKI of the ePUAP/e-Doręczenia simulation (a CA 'Magistrat Test CA', the "
        "office-system, platform and edoreczenia certificates and test residents) — unencrypted keys, never for "
        "production. Existing files are kept. Usage: epuap_pki init [--dir D] [--residents N]"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["init"])
        parser.add_argument("--dir", default=None, help="Directory (default: settings.EPUAP_PKI_DIR, var/pki).")
        parser.add_argument("--residents", type=int, default=3, help="Number of test resident certificates.")

    def handle(self, *args, action, dir, residents, **options):
        directory = Path(dir) if dir else Path(settings.EPUAP_PKI_DIR)
        credentials = ensure_test_pki(directory, residents=residents)
        self.stdout.write(f"Test PKI in {directory} (FOR TESTS AND DEMOS ONLY):")
        for name, credential in credentials.items():
            self.stdout.write(f"  {name:<16} SHA-256 {cert_fingerprint(credential.certificate)}")
