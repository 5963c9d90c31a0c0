"""Registration writes a signed genesis event that verifies against the published key."""

import base64
import hashlib
import json

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from lifecycle.models import Event
from passports.models import Passport


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def events_of(client, passport_id):
    return client.get(f"/api/v1/passports/{passport_id}/events/")


def test_genesis_event_verifies_with_the_key_from_jwks(manufacturer, anonymous, registered_battery):
    genesis = events_of(manufacturer.client, registered_battery["id"]).json()["results"][0]
    jwks = anonymous.get("/.well-known/jwks.json").json()["keys"]
    jwk = next(k for k in jwks if k["kid"] == genesis["kid"])
    envelope_bytes = base64.b64decode(genesis["envelope"])

    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    public.verify(base64.b64decode(genesis["signature"]), envelope_bytes)
    assert jwk["owner"]["id"] == str(manufacturer.organisation.id)
    assert hashlib.sha256(envelope_bytes).hexdigest() == genesis["hash"]
    assert genesis["hash"] == registered_battery["head_hash"]


def test_genesis_envelope_is_canonical_and_complete(manufacturer, registered_battery):
    genesis = events_of(manufacturer.client, registered_battery["id"]).json()["results"][0]
    envelope_bytes = base64.b64decode(genesis["envelope"])
    envelope = json.loads(envelope_bytes)

    assert rfc8785.dumps(envelope) == envelope_bytes
    assert set(envelope) == {
        "v",
        "passport",
        "seq",
        "prev",
        "type",
        "time",
        "actor",
        "kid",
        "payload",
    }
    assert (envelope["seq"], envelope["prev"], envelope["type"]) == (0, None, "registered")
    assert envelope["passport"] == registered_battery["id"]
    assert envelope["time"].endswith("Z")
    assert envelope["payload"]["gtin"] == "09506000134352"


def test_genesis_signs_the_digest_of_the_stored_declaration(registered_battery):
    passport = Passport.objects.get(pk=registered_battery["id"])
    event = Event.objects.get(passport=passport)
    declaration = json.loads(bytes(passport.declaration))

    payload = json.loads(bytes(event.envelope))["payload"]
    assert payload["declaration_sha256"] == hashlib.sha256(bytes(passport.declaration)).hexdigest()
    assert declaration["composition"][1] == {
        "substance": "Co", "cas": "7440-48-4", "mass_kg": "5.7",
        "recycled_share_pre_consumer": "0", "recycled_share_post_consumer": "0.16",
        "critical": True,
    }  # fmt: skip
    assert declaration["mass_kg"] == "450"


def test_events_are_visible_to_legitimate_interest(recycler, regulator, registered_battery):
    assert events_of(recycler.client, registered_battery["id"]).status_code == 200
    assert events_of(regulator.client, registered_battery["id"]).status_code == 200


def test_events_of_another_manufacturers_passport_are_404(other_manufacturer, registered_battery):
    assert events_of(other_manufacturer.client, registered_battery["id"]).status_code == 404


def test_events_need_a_signed_in_caller(anonymous, registered_battery):
    assert events_of(anonymous, registered_battery["id"]).status_code == 401
