"""Set up the simulated e-Doręczenia (idempotent): the platform's evidence-signing key, the office's ADE mailbox
and its API client (key pair; the private key stays in EPUAP_PKI_DIR for the adapter), and a few test parties
with ADE addresses listed in BAE. Test keys only: never for production use.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from epuap.edoreczenia.auth import ensure_platform_key, generate_rsa_key_pem, public_pem_of, write_private_key
from epuap.edoreczenia.models import Client, Mailbox

# Test parties. PESELs/NIPs are syntactically valid test numbers, not real persons' or firms'.
TEST_MAILBOXES = [
    {
        "address": "AE:PL-51234-56789-KOWJA-11",
        "kind": Mailbox.Kind.PERSON,
        "owner_name": "Jan Kowalski",
        "first_name": "Jan",
        "last_name": "Kowalski",
        "pesel": "80010112344",
    },
    {
        "address": "AE:PL-52345-67890-NOWAN-22",
        "kind": Mailbox.Kind.PERSON,
        "owner_name": "Anna Nowak",
        "first_name": "Anna",
        "last_name": "Nowak",
        "pesel": "85121254321",
    },
    {
        "address": "AE:PL-53456-78901-BUDEX-33",
        "kind": Mailbox.Kind.COMPANY,
        "owner_name": "Budex sp. z o.o.",
        "nip": "5260250995",
        "regon": "012345678",
        "krs": "0000123456",
    },
    {
        "address": "AE:PL-54567-89012-SKOPO-44",
        "kind": Mailbox.Kind.PUBLIC_BODY,
        "owner_name": "Samorządowe Kolegium Odwoławcze (test)",
        "regon": "000123456",
    },
]


def setup_edoreczenia(stdout=None) -> dict:
    """Create what is missing; returns a summary. Safe to run any number of times."""
    summary = {}
    _path, summary["platform_key_created"] = ensure_platform_key()
    key_path = Path(str(settings.EDORECZENIA_CLIENT_KEY))
    summary["client_key_created"] = not key_path.exists()
    if summary["client_key_created"]:
        write_private_key(key_path, generate_rsa_key_pem())
    public_pem = public_pem_of(key_path.read_bytes())
    with transaction.atomic():
        office, created = Mailbox.objects.get_or_create(
            address=settings.EDORECZENIA_ADE,
            defaults={
                "kind": Mailbox.Kind.PUBLIC_BODY,
                "owner_name": getattr(settings, "EPUAP_OFFICE_NAME", "") or settings.MAGISTRAT_OFFICE_NAME,
            },
        )
        summary["office_mailbox_created"] = created
        client, created = Client.objects.get_or_create(
            client_id=settings.EDORECZENIA_CLIENT_ID, defaults={"mailbox": office, "public_key_pem": public_pem}
        )
        if not created and (client.public_key_pem != public_pem or client.mailbox_id != office.pk):
            client.public_key_pem = public_pem
            client.mailbox = office
            client.save(update_fields=["public_key_pem", "mailbox"])
        summary["client_created"] = created
        made = 0
        for spec in TEST_MAILBOXES:
            _box, created = Mailbox.objects.get_or_create(
                address=spec["address"], defaults={k: v for k, v in spec.items() if k != "address"}
            )
            made += created
        summary["test_mailboxes_created"] = made
    return summary


class Command(BaseCommand):
    help = "Set up the simulated e-Doręczenia: platform key, the office's ADE and API client, test addresses."

    def handle(self, *args, **options):
        summary = setup_edoreczenia()
        self.stdout.write(
            f"e-Doręczenia: office ADE {settings.EDORECZENIA_ADE}, client {settings.EDORECZENIA_CLIENT_ID}, "
            f"key {settings.EDORECZENIA_CLIENT_KEY}; {summary}"
        )
