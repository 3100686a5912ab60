"""Set up the simulated ePUAP platform: the office's podmiot, boxes and system certificate, test residents."""

from django.core.management.base import BaseCommand

from epuap.platform.services import platform_setup


class Command(BaseCommand):
    help = (
        "Create (idempotently) the office's ePUAP account with its boxes (UPP mode) and registered system "
        "certificate, and the test residents' accounts, in the simulated platform. Generates the test PKI if missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--residents", type=int, default=3, help="number of test residents (default 3)")

    def handle(self, *args, residents: int, **options):
        created = platform_setup(residents=residents)
        for identifier, podmiot in created.items():
            boxes = ", ".join(podmiot.boxes.values_list("address", flat=True))
            self.stdout.write(f"{identifier}: {podmiot.name} [{boxes}] certificates: {podmiot.certificates.count()}")
