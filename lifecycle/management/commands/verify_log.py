"""python manage.py verify_log: rebuild the log from the events and compare everything."""

from django.core.management.base import BaseCommand, CommandError

from lifecycle.services.audit import log_audit


class Command(BaseCommand):
    help = (
        "Rebuilds the Merkle tree from the stored events, compares every leaf, node and "
        "checkpoint, and checks every event's signature and chain link."
    )

    def handle(self, *args, **options):
        findings, counts = log_audit()
        for finding in findings:
            self.stdout.write(f"MISMATCH {finding}")
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        if findings:
            raise CommandError(f"{len(findings)} mismatches after checking {summary}.")
        self.stdout.write(f"ok: checked {summary}")
