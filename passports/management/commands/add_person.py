"""add_person ORGANISATION_ID USERNAME: a person who signs in to the web interface.

The password is asked for twice on the terminal, or read from the environment variable named by
--password-from (for provisioning scripts); either way it must pass the password validators."""

import getpass
import os
import uuid

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from passports.models import Organisation
from passports.services.organisations import person_create


class Command(BaseCommand):
    help = "Creates a person who signs in for an organisation, or resets their password."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="the organisation's id, as bootstrap_org printed")
        parser.add_argument("username")
        parser.add_argument(
            "--password-from", metavar="VARIABLE", help="read the password from this variable"
        )

    def handle(self, *args, organisation, username, password_from, **options):
        try:
            found = Organisation.objects.get(pk=uuid.UUID(organisation))
        except (ValueError, Organisation.DoesNotExist) as exc:
            raise CommandError(f"No organisation has the id {organisation!r}.") from exc
        password = self._password(password_from)
        try:
            validate_password(password)
            person_create(organisation=found, username=username, password=password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{username} signs in for {found.name}.")

    def _password(self, variable: str | None) -> str:
        if variable:
            value = os.environ.get(variable)
            if not value:
                raise CommandError(f"The environment variable {variable} is empty or unset.")
            return value
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords differ.")
        return first
