"""Creating organisations together with their signing key and service account."""

from django.db import transaction

from passports.models import Organisation, User
from passports.services.keys import signing_key_create
from passports.services.tokens import token_create


def organisation_bootstrap(
    *, name: str, kind: str, country: str = "", gs1_company_prefix: str = ""
) -> tuple[Organisation, str]:
    """Creates an organisation, its first signing key and a service account; returns its token."""
    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name, kind=kind, country=country, gs1_company_prefix=gs1_company_prefix
        )
        signing_key_create(organisation=organisation)
        token = service_account_token_create(organisation=organisation)
    return organisation, token


def service_account_token_create(*, organisation: Organisation) -> str:
    """Issues a non-expiring token for the organisation's service account (created if missing)."""
    _, token = token_create(organisation=organisation, name="service account")
    return token


def person_create(*, organisation: Organisation, username: str, password: str) -> User:
    """Creates a person who signs in to the web interface on behalf of the organisation, or
    resets the password of the one with this username in the same organisation."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"organisation": organisation}
    )
    if not created and user.organisation_id != organisation.id:
        raise ValueError(f"{username!r} already belongs to another organisation.")
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
