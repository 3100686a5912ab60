from django.core.management.base import BaseCommand, CommandError

from core.services.audit import audit_verify_and_record


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; exits non-zero if an event was modified or deleted."

    def handle(self, *args, **options):
        check = audit_verify_and_record()
        if check.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Audit log intact: {check.events_checked} events, head #{check.head_seq}.")
            )
            return
        for problem in check.problems:
            self.stderr.write(problem)
        raise CommandError(f"Audit log chain BROKEN ({len(check.problems)} problem(s)).")
