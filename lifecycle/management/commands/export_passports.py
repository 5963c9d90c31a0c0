"""python manage.py export_passports --org <id or name> --output FILE"""

import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lifecycle.archive.export import ArchiveRefused, archive_export
from passports.models import Organisation


class Command(BaseCommand):
    help = (
        "Writes a signed backup archive of an organisation's passports (their signed events, "
        "inclusion proofs, the log checkpoint and public keys) that another instance can "
        "verify and serve with import_archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation's id or exact name.")
        parser.add_argument("--output", required=True, help="Where to write the zip archive.")

    def handle(self, *args, org, output, **options):
        organisation = _organisation(org)
        try:
            data = archive_export(organisation=organisation)
        except ArchiveRefused as refused:
            raise CommandError(f"{refused.field}: {refused.message}") from refused
        # Written next to the target and renamed, so a failed write never leaves half a file.
        target = Path(output)
        partial = target.with_name(target.name + ".partial")
        try:
            partial.write_bytes(data)
            partial.replace(target)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from exc
        self.stdout.write(f"wrote {output} ({len(data)} bytes) for {organisation.name}")


def _organisation(text: str) -> Organisation:
    try:
        found = Organisation.objects.filter(pk=uuid.UUID(text)).first()
    except ValueError:
        matches = list(Organisation.objects.filter(name=text)[:2])
        if len(matches) > 1:
            raise CommandError(f"Several organisations are named {text!r}; give the id.") from None
        found = matches[0] if matches else None
    if found is None:
        raise CommandError(f"No organisation {text!r}.")
    return found
