"""Organisations, tokens and request bodies the workloads share."""

import json
import random

from django.utils import timezone

from lifecycle.canonical import canonical_bytes
from passports.models import Organisation
from passports.services.organisations import (
    organisation_bootstrap,
    service_account_token_create,
)
from recycling.fleet.products import MANUFACTURERS, declaration


def actor(name: str, kind: str, **extra) -> tuple[Organisation, str]:
    """The named bench organisation (created once) and a fresh token for it."""
    organisation = Organisation.objects.filter(name=name, kind=kind).first()
    if organisation is None:
        return organisation_bootstrap(name=name, kind=kind, **extra)
    return organisation, service_account_token_create(organisation=organisation)


def declarations(count: int, serial_prefix: str, seed: int = 7, families: int = 3) -> list[dict]:
    """Validated fleet declarations (all three families) with unique serials."""
    rng = random.Random(seed)
    today = timezone.now().date()
    return [
        declaration(rng, MANUFACTURERS[n % families], f"{serial_prefix}{n:07d}", today)
        for n in range(count)
    ]


def as_request(item: dict) -> dict:
    """What an API client sends for a validated declaration: JSON text, no derived fields."""
    body = json.loads(canonical_bytes(item))
    for entry in body["composition"]:
        entry.pop("critical", None)
    return body
