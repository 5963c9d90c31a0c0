"""tokens list ORGANISATION | tokens create ORGANISATION --name NAME [--expires-days N] |
tokens revoke TOKEN_ID: an organisation's API tokens, for operators and rotation scripts."""

import json
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from passports.models import ApiToken, Organisation
from passports.services.tokens import TOKEN_MAX_DAYS, token_create


def uuid_or_error(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not {what} id.") from exc


def organisation_get(value: str) -> Organisation:
    found = Organisation.objects.filter(pk=uuid_or_error(value, "an organisation")).first()
    if found is None:
        raise CommandError(f"No organisation has the id {value!r}.")
    return found


class Command(BaseCommand):
    help = "Lists, issues and revokes an organisation's API tokens; secrets are printed once."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        listing = actions.add_parser("list", help="one JSON line per unexpired token")
        listing.add_argument("organisation", help="the organisation's id")
        create = actions.add_parser("create", help="issue a token and print its secret")
        create.add_argument("organisation", help="the organisation's id")
        create.add_argument("--name", required=True)
        create.add_argument("--expires-days", type=int, dest="expires_days")
        revoke = actions.add_parser("revoke", help="revoke a token by the id `list` shows")
        revoke.add_argument("token", help="the token's id")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _line(self, api_token: ApiToken, **extra) -> None:
        expiry = api_token.knox_token.expiry
        line = {
            "id": str(api_token.id),
            "name": api_token.name,
            "created": api_token.knox_token.created.isoformat(),
            "expiry": expiry.isoformat() if expiry else None,
            "prefix": api_token.knox_token.token_key[:8],
            **extra,
        }
        self.stdout.write(json.dumps(line))

    def _list(self, *, organisation, **options):
        found = organisation_get(organisation)
        for token in (
            ApiToken.objects.active().filter(organisation=found).select_related("knox_token")
        ):
            self._line(token)

    def _create(self, *, organisation, name, expires_days, **options):
        found = organisation_get(organisation)
        if not name.strip() or len(name) > 100:
            raise CommandError("A token's name is 1 to 100 characters.")
        if expires_days is not None and not 1 <= expires_days <= TOKEN_MAX_DAYS:
            raise CommandError(f"--expires-days is 1 to {TOKEN_MAX_DAYS}.")
        expiry = timezone.now() + timedelta(days=expires_days) if expires_days else None
        token, secret = token_create(organisation=found, name=name, expiry=expiry)
        self._line(token, token=secret)

    def _revoke(self, *, token, **options):
        found = ApiToken.objects.filter(pk=uuid_or_error(token, "a token")).first()
        if found is None:
            raise CommandError(f"No token has the id {token!r}.")
        found.revoke()
        self.stdout.write(f"Revoked {found.name} ({token}).")
