from django.core.management.base import BaseCommand

from core.services.roles import roles_sync


class Command(BaseCommand):
    help = "Make the role groups hold exactly the permissions the apps declare (core.roles). Idempotent."

    def handle(self, *args, **options):
        for role, count in roles_sync().items():
            self.stdout.write(f"{role}: {count} permissions")
