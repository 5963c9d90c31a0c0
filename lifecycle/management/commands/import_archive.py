"""python manage.py import_archive FILE --host <host> (--log-vkey VKEY | --trust-archive-key)"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lifecycle.archive.export import origin_host
from lifecycle.archive.importer import archive_import
from lifecycle.archive.verify import ArchiveRejected


class Command(BaseCommand):
    help = (
        "Verifies a backup archive from another instance (manifest signature, member digests, "
        "every event's signature, chain link and inclusion proof against the archived "
        "checkpoint) and, only if all of it verifies, serves its passports read-only."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--host", required=True, help="The host the passports' Digital Links name."
        )
        parser.add_argument(
            "--log-vkey",
            help="The origin log's verifier key, obtained independently (e.g. from a witness). "
            "Without it the archive is refused unless --trust-archive-key is given.",
        )
        parser.add_argument(
            "--trust-archive-key",
            action="store_true",
            help="Accept the log key the archive names itself. This proves only that the "
            "archive is unchanged since whoever holds that key signed it, not that it comes "
            "from its origin.",
        )

    def handle(self, *args, file, host, log_vkey, trust_archive_key, **options):
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        try:
            outcome = archive_import(
                data=data, host=host, log_vkey=log_vkey, trust_archive_key=trust_archive_key
            )
        except ArchiveRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"FAIL {problem}")
            raise CommandError(
                f"archive refused, nothing imported: {len(rejected.problems)} problem(s)"
            ) from rejected
        if log_vkey is None:
            self.stderr.write(
                "WARNING: --trust-archive-key: the origin log's key was taken from the archive "
                "itself, so nothing shows these passports come from their origin; import again "
                "with --log-vkey to check it against a key obtained independently."
            )
        if origin_host().lower() != outcome.host.lower():
            self.stderr.write(
                f"note: the Digital Links name {outcome.host}, but RESOLVER_BASE_URL is "
                f"{settings.RESOLVER_BASE_URL}; point {outcome.host} here to serve them there."
            )
        self.stdout.write(
            f"imported {outcome.passports} passports ({outcome.events} events) of "
            f"{outcome.organisation.name} from {outcome.host}, served read-only"
        )
