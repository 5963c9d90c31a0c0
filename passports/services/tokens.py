"""API tokens: issued to an organisation's service account, named, optionally expiring."""

from datetime import datetime

from django.db import transaction
from django.utils.text import slugify
from knox.models import AuthToken

from passports.models import ApiToken, Organisation, User

# The longest a token may live; rotation is the point of an expiry.
TOKEN_MAX_DAYS = 3650


def service_account_get(*, organisation: Organisation) -> User:
    """The organisation's service account, which every API token authenticates as."""
    username = f"svc-{slugify(organisation.name)[:40]}-{str(organisation.id)[:8]}"
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"organisation": organisation, "is_service_account": True},
    )
    return user


def token_create(
    *, organisation: Organisation, name: str, expiry: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issues a named token, never expiring unless `expiry` is given; returns it and its secret,
    which is shown this once: only its hash is kept."""
    with transaction.atomic():
        user = service_account_get(organisation=organisation)
        knox_token, secret = AuthToken.objects.create(user=user, expiry=None)
        if expiry is not None:
            # Knox's create takes a lifetime from its own "now"; the moment asked for is exact.
            knox_token.expiry = expiry
            knox_token.save(update_fields=["expiry"])
        token = ApiToken.objects.create(knox_token=knox_token, organisation=organisation, name=name)
    return token, secret
