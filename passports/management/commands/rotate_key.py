"""python manage.py rotate_key <organisation uuid>"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from passports.models import Organisation
from passports.services.keys import KeysArchived, public_jwk, signing_key_rotate


class Command(BaseCommand):
    help = "Retires an organisation's active signing key and makes a new one; prints the new JWK."

    def add_arguments(self, parser):
        parser.add_argument("organisation")

    def handle(self, *args, organisation, **options):
        try:
            org = Organisation.objects.get(pk=organisation)
        except (Organisation.DoesNotExist, ValidationError) as exc:
            raise CommandError(f"No organisation {organisation!r}.") from exc
        try:
            key = signing_key_rotate(organisation=org)
        except KeysArchived as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(public_jwk(key)))
