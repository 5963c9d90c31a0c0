"""bootstrap_org "Name" --kind manufacturer [--country DE] [--gs1-prefix 9506000]"""

import json

from django.core.management.base import BaseCommand, CommandError

from passports.models import OrganisationKind
from passports.reference import country_codes
from passports.services.organisations import organisation_bootstrap


class Command(BaseCommand):
    help = "Creates an organisation with its signing key and a service account; prints its token."

    def add_arguments(self, parser):
        parser.add_argument("name")
        # Archived operators come only from import_archive: public keys, no signing, no token.
        kinds = [k for k in OrganisationKind.values if k != OrganisationKind.ARCHIVED_OPERATOR]
        parser.add_argument("--kind", required=True, choices=kinds)
        parser.add_argument("--country", default="")
        parser.add_argument("--gs1-prefix", default="", dest="gs1_prefix")

    def handle(self, *args, name, kind, country, gs1_prefix, **options):
        country = country.upper()
        if country and country not in country_codes():
            raise CommandError(f"{country!r} is not an ISO 3166-1 alpha-2 country code.")
        if gs1_prefix and not (gs1_prefix.isdigit() and 4 <= len(gs1_prefix) <= 12):
            raise CommandError("A GS1 company prefix is 4 to 12 digits.")
        organisation, token = organisation_bootstrap(
            name=name, kind=kind, country=country, gs1_company_prefix=gs1_prefix
        )
        line = {"organisation": str(organisation.id), "kind": organisation.kind, "token": token}
        self.stdout.write(json.dumps(line))
