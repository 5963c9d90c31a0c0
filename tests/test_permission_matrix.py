"""Every role against every endpoint: the status each gets, and the tier each reads at."""

from datetime import date

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lifecycle.services.log import checkpoint_publish, latest_checkpoint_size, log_integrate
from passports.models import Passport
from passports.registry.services import registration_queue
from passports.services.tokens import token_create
from recycling.models import AlertRule, CloneAlert
from tests.factories import declaration

ROLES = ["anonymous", "owner", "other_manufacturer", "repairer", "collector", "recycler",
         "regulator", "notified_body"]  # fmt: skip

# endpoint -> expected status per role, in ROLES order
MATRIX = {
    "list passports": [401, 200, 200, 200, 200, 200, 200, 200],
    "read passport": [200, 200, 200, 200, 200, 200, 200, 200],
    "register passport": [401, 201, 201, 403, 403, 403, 403, 403],
    "bulk register": [401, 201, 201, 403, 403, 403, 403, 403],
    "list events": [401, 200, 404, 200, 200, 200, 200, 404],
    "access log": [401, 200, 404, 404, 404, 404, 200, 404],
    "qr png": [200, 200, 200, 200, 200, 200, 200, 200],
    "qr svg": [200, 200, 200, 200, 200, 200, 200, 200],
    "resolve a link type": [307, 307, 307, 307, 307, 307, 307, 307],
    "resolve": [200, 200, 200, 200, 200, 200, 200, 200],
    "list organisations": [401, 200, 200, 200, 200, 200, 200, 200],
    "rotate owner's key": [401, 200, 404, 404, 404, 404, 404, 404],
    "archive owner's passports": [401, 200, 404, 404, 404, 404, 200, 404],
    "jwks": [200, 200, 200, 200, 200, 200, 200, 200],
    "resolver description": [200, 200, 200, 200, 200, 200, 200, 200],
    "report health": [401, 201, 404, 201, 403, 403, 403, 404],
    "batch events": [401, 201, 404, 201, 403, 403, 403, 404],
    "read health": [401, 200, 404, 200, 200, 200, 200, 404],
    "download bundle": [401, 200, 404, 200, 200, 200, 200, 404],
    "latest checkpoint": [200, 200, 200, 200, 200, 200, 200, 200],
    "inclusion proof": [200, 200, 200, 200, 200, 200, 200, 200],
    "tlog checkpoint": [200, 200, 200, 200, 200, 200, 200, 200],
    "tlog tile": [200, 200, 200, 200, 200, 200, 200, 200],
    "tlog entry bundle": [401, 403, 403, 403, 403, 403, 200, 403],
    "read leaves": [401, 403, 403, 403, 403, 403, 200, 403],
    "cosign": [401, 403, 403, 403, 403, 403, 400, 403],
    "list tokens": [401, 200, 200, 200, 200, 200, 200, 200],
    "revoke owner's spare token": [401, 204, 404, 404, 404, 404, 404, 404],
    "export battery pass": [200, 200, 200, 200, 200, 200, 200, 200],
    "import battery pass": [401, 400, 400, 403, 403, 403, 403, 403],
    "list alerts": [401, 200, 200, 200, 200, 200, 200, 200],
    "dismiss owner's alert": [401, 200, 404, 404, 404, 404, 409, 404],
    "supply concentration": [401, 200, 200, 200, 200, 200, 200, 200],
    "self-sufficiency": [401, 200, 200, 200, 200, 200, 200, 200],
    "list registry deliveries": [401, 200, 200, 200, 200, 200, 200, 200],
    "read owner's registry delivery": [401, 200, 404, 404, 404, 404, 404, 404],
    "retry owner's registry delivery": [401, 200, 404, 404, 404, 404, 404, 404],
    "untp credential": [200, 200, 200, 200, 200, 200, 200, 200],
    "owner's did document": [200, 200, 200, 200, 200, 200, 200, 200],
    "service's did document": [200, 200, 200, 200, 200, 200, 200, 200],
    # A query answers 200 to every reader; what each finds is tested in test_epcis_query.py.
    "epcis events": [401, 200, 200, 200, 200, 200, 200, 200],
    # The collector records the collection first; the recycler then finds the product taken.
    "epcis capture": [401, 403, 403, 403, 201, 409, 403, 403],
}

EPCIS_COLLECTION = {
    "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
    "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-06-01T00:00:00Z",
    "epcisBody": {"eventList": [{
        "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving",
        "eventTime": "2026-06-01T00:00:00Z", "eventTimeZoneOffset": "+00:00",
        "epcList": ["http://127.0.0.1:8000/01/09506000134352/21/BAT-000001"],
        "readPoint": {"id": "http://127.0.0.1:8000/epcis/places/DE-BY"},
    }]},
}  # fmt: skip

TIERS = ["public", "owner", "public", "legitimate_interest", "legitimate_interest",
         "legitimate_interest", "authority", "notified_body"]  # fmt: skip


@pytest.fixture
def world(make_actor):
    owner = make_actor("manufacturer", "Owner", gs1_company_prefix="9506000")
    clients = {"anonymous": APIClient(), "owner": owner.client}
    for role, kind in [
        ("other_manufacturer", "manufacturer"),
        ("repairer", "repairer"),
        ("collector", "collector"),
        ("recycler", "recycler"),
        ("regulator", "regulator"),
        ("notified_body", "notified_body"),
    ]:
        clients[role] = make_actor(kind, role).client
    created = owner.client.post("/api/v1/passports/", declaration(), format="json").json()
    log_integrate()
    checkpoint_publish()
    spare, _ = token_create(organisation=owner.organisation, name="spare")
    alert = CloneAlert.objects.create(
        passport_id=created["id"], rule=AlertRule.COLLECTED_OUTSIDE_MARKET, key="matrix",
        evidence={}, raised_at=timezone.now(),
    )  # fmt: skip
    delivery = registration_queue(
        passport=Passport.objects.get(pk=created["id"]), operator=owner.organisation,
        country="DE", placed_on=date(2026, 6, 1),
    )  # fmt: skip
    return {
        "clients": clients, "passport": created["id"], "owner_org": owner.organisation.id,
        "spare_token": spare.pk, "alert": alert.pk, "delivery": delivery.pk,
    }  # fmt: skip


def call(endpoint: str, client: APIClient, world: dict, index: int):
    passport = world["passport"]
    fresh = declaration(serial=None, gtin=None, model=f"NEW-{index}")
    calls = {
        "list passports": lambda: client.get("/api/v1/passports/"),
        "read passport": lambda: client.get(f"/api/v1/passports/{passport}/"),
        "register passport": lambda: client.post("/api/v1/passports/", fresh, format="json"),
        "bulk register": lambda: client.post(
            "/api/v1/passports/bulk/",
            {"passports": [declaration(serial=None, gtin=None)]},
            format="json",
        ),
        "list events": lambda: client.get(f"/api/v1/passports/{passport}/events/"),
        "access log": lambda: client.get(f"/api/v1/passports/{passport}/access-log/"),
        "qr png": lambda: client.get(f"/api/v1/passports/{passport}/qr.png"),
        "qr svg": lambda: client.get(f"/api/v1/passports/{passport}/qr.svg"),
        "resolve a link type": lambda: client.get(
            "/01/09506000134352/21/BAT-000001?linkType=gs1:dpp", HTTP_ACCEPT="application/json"
        ),
        "resolve": lambda: client.get(
            "/01/09506000134352/21/BAT-000001", HTTP_ACCEPT="application/json"
        ),
        "list organisations": lambda: client.get("/api/v1/organisations/"),
        "rotate owner's key": lambda: client.post(
            f"/api/v1/organisations/{world['owner_org']}/rotate-key/"
        ),
        "archive owner's passports": lambda: client.post(
            f"/api/v1/organisations/{world['owner_org']}/archive/"
        ),
        "jwks": lambda: client.get("/.well-known/jwks.json"),
        "report health": lambda: client.post(
            f"/api/v1/passports/{passport}/events/",
            {
                "type": "health_reported",
                "occurred_at": "2026-06-01T00:00:00Z",
                "payload": {"state_of_health_pct": "90"},
            },
            format="json",
        ),  # fmt: skip
        "batch events": lambda: client.post(
            "/api/v1/events/batch",
            {
                "events": [
                    {
                        "passport": passport,
                        "type": "health_reported",
                        "occurred_at": "2026-06-01T00:00:00Z",
                        "payload": {"state_of_health_pct": "90"},
                    }
                ]
            },
            format="json",
        ),  # fmt: skip
        "read health": lambda: client.get(f"/api/v1/passports/{passport}/health/"),
        "download bundle": lambda: client.get(f"/api/v1/passports/{passport}/bundle/"),
        "latest checkpoint": lambda: client.get("/api/v1/log/checkpoint"),
        "inclusion proof": lambda: client.get("/api/v1/log/proof/inclusion?index=0&size=1"),
        "resolver description": lambda: client.get("/.well-known/gs1resolver"),
        "tlog checkpoint": lambda: client.get("/checkpoint"),
        "tlog tile": lambda: client.get(f"/tile/0/000.p/{latest_checkpoint_size()}"),
        "tlog entry bundle": lambda: client.get(f"/tile/entries/000.p/{latest_checkpoint_size()}"),
        "read leaves": lambda: client.get("/api/v1/log/leaves?start=0&end=1"),
        "list tokens": lambda: client.get("/api/v1/tokens/"),
        "revoke owner's spare token": lambda: client.delete(
            f"/api/v1/tokens/{world['spare_token']}/"
        ),
        "export battery pass": lambda: client.get(f"/api/v1/passports/{passport}/batterypass/"),
        "import battery pass": lambda: client.post(
            "/api/v1/passports/import/batterypass/", {}, format="json"
        ),
        "list alerts": lambda: client.get("/api/v1/alerts/"),
        "dismiss owner's alert": lambda: client.post(
            f"/api/v1/alerts/{world['alert']}/dismiss/", {"reason": "checked"}, format="json"
        ),
        "supply concentration": lambda: client.get("/api/v1/supply/concentration?element=Co"),
        "self-sufficiency": lambda: client.get("/api/v1/forecasts/self-sufficiency?element=Co"),
        "list registry deliveries": lambda: client.get("/api/v1/registry/deliveries/"),
        "read owner's registry delivery": lambda: client.get(
            f"/api/v1/registry/deliveries/{world['delivery']}/"
        ),
        "retry owner's registry delivery": lambda: client.post(
            f"/api/v1/registry/deliveries/{world['delivery']}/retry/"
        ),
        "untp credential": lambda: client.get(f"/api/v1/passports/{passport}/credential"),
        "owner's did document": lambda: client.get(f"/orgs/{world['owner_org']}/did.json"),
        "service's did document": lambda: client.get("/.well-known/did.json"),
        "epcis events": lambda: client.get(
            "/api/v1/epcis/events",
            {"MATCH_anyEPC": "http://127.0.0.1:8000/01/09506000134352/21/BAT-000001"},
        ),
        "epcis capture": lambda: client.post(
            "/api/v1/epcis/capture", EPCIS_COLLECTION, format="json"
        ),
        "cosign": lambda: client.post(
            "/api/v1/log/checkpoints/1/cosign",
            {"cosignature": "— not a signature"},
            format="json",
        ),  # fmt: skip
    }
    return calls[endpoint]()


@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_each_role_gets_the_expected_status(world, endpoint):
    got = [
        call(endpoint, world["clients"][role], world, index).status_code
        for index, role in enumerate(ROLES)
    ]

    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, MATRIX[endpoint], strict=True))


@pytest.mark.parametrize("endpoint", ["read passport", "resolve"])
def test_each_role_reads_at_its_tier(world, endpoint):
    got = [
        call(endpoint, world["clients"][role], world, index).json()["tier"]
        for index, role in enumerate(ROLES)
    ]

    assert got == TIERS


def test_a_bad_token_is_refused_everywhere_it_is_checked(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get("/api/v1/passports/").status_code == 401
    resolved = client.get("/01/09506000134352/21/BAT-000001", HTTP_ACCEPT="application/json")
    assert resolved.status_code == 401
