"""Signing keys: sealed at rest, published as a JWK set, rotated without losing old keys."""

import base64
import io
import json

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command

from passports.models import SigningKey
from passports.services.keys import Signer, jwk_thumbprint, signer_for


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_thumbprint_matches_rfc8037_appendix_a3():
    public = b64url_decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")

    assert jwk_thumbprint(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_private_key_is_sealed_and_bound_to_its_kid(manufacturer):
    key = SigningKey.objects.get(organisation=manufacturer.organisation)
    signer = Signer(key)
    raw_private = signer._private.private_bytes_raw()

    assert raw_private not in bytes(key.encrypted_private_key)
    key.kid = "another-kid"
    with pytest.raises(InvalidTag):
        Signer(key)


def test_jwks_publishes_every_organisations_key(anonymous, manufacturer, recycler):
    response = anonymous.get("/.well-known/jwks.json")

    keys = response.json()["keys"]
    assert response.status_code == 200
    assert {k["owner"]["id"] for k in keys} == {
        str(manufacturer.organisation.id),
        str(recycler.organisation.id),
    }
    for jwk in keys:
        assert (jwk["kty"], jwk["crv"], jwk["alg"]) == ("OKP", "Ed25519", "EdDSA")
        assert jwk["kid"] == jwk_thumbprint(b64url_decode(jwk["x"]))
        assert jwk["valid_until"] is None


def test_rotation_keeps_the_retired_key_published(manufacturer, anonymous):
    old = signer_for(organisation=manufacturer.organisation).kid
    url = f"/api/v1/organisations/{manufacturer.organisation.id}/rotate-key/"

    response = manufacturer.client.post(url)

    assert response.status_code == 200
    new = response.json()["kid"]
    assert new != old
    assert signer_for(organisation=manufacturer.organisation).kid == new
    published = {k["kid"]: k for k in anonymous.get("/.well-known/jwks.json").json()["keys"]}
    assert published[old]["valid_until"] is not None
    assert published[new]["valid_until"] is None


def test_another_organisations_key_cannot_be_rotated(manufacturer, recycler):
    url = f"/api/v1/organisations/{manufacturer.organisation.id}/rotate-key/"

    assert recycler.client.post(url).status_code == 404
    assert SigningKey.objects.filter(organisation=manufacturer.organisation).count() == 1


def test_rotation_needs_a_signed_in_caller(anonymous, manufacturer):
    url = f"/api/v1/organisations/{manufacturer.organisation.id}/rotate-key/"

    assert anonymous.post(url).status_code == 401


def test_rotation_of_a_malformed_id_is_404(manufacturer):
    assert manufacturer.client.post("/api/v1/organisations/nope/rotate-key/").status_code == 404


def test_rotate_key_command_prints_the_new_jwk(manufacturer):
    out = io.StringIO()
    call_command("rotate_key", str(manufacturer.organisation.id), stdout=out)

    jwk = json.loads(out.getvalue())
    assert jwk["kid"] == signer_for(organisation=manufacturer.organisation).kid
    assert SigningKey.objects.filter(organisation=manufacturer.organisation).count() == 2


def test_old_signatures_still_verify_after_rotation(manufacturer, registered_battery, anonymous):
    call_command("rotate_key", str(manufacturer.organisation.id), stdout=io.StringIO())
    events = manufacturer.client.get(f"/api/v1/passports/{registered_battery['id']}/events/")
    genesis = events.json()["results"][0]
    jwks = {k["kid"]: k for k in anonymous.get("/.well-known/jwks.json").json()["keys"]}

    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwks[genesis["kid"]]["x"]))
    public.verify(base64.b64decode(genesis["signature"]), base64.b64decode(genesis["envelope"]))
    assert jwks[genesis["kid"]]["valid_until"] is not None


def test_bootstrap_org_prints_one_json_line(db):
    out = io.StringIO()
    call_command(
        "bootstrap_org", "Acme", kind="manufacturer", country="DE", gs1_prefix="9506000",
        stdout=out,
    )  # fmt: skip

    line = json.loads(out.getvalue())
    assert set(line) == {"organisation", "kind", "token"}
    assert line["kind"] == "manufacturer"
    assert SigningKey.objects.filter(organisation_id=line["organisation"]).count() == 1


def test_bootstrap_org_refuses_an_unknown_country(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO 3166-1"):
        call_command("bootstrap_org", "Acme", kind="recycler", country="XX", stdout=io.StringIO())
