"""A verifier outside the service: fetch a credential over HTTP, resolve its issuer's did:web
document over HTTP, verify the JWS with an independent JOSE library (joserfc), then validate the
credential against the UN Transparency Protocol's Digital Product Passport JSON Schema.

The UNTP schema is GPL-3.0, so the project does not ship it: it is read from the conformance
folder beside the project and the schema checks skip when it is absent.
"""

import base64
import json
import random
from datetime import datetime
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import unquote, urlsplit
from urllib.request import Request, urlopen

import pytest
from django.conf import settings
from django.utils import timezone
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import OKPKey
from jsonschema import Draft202012Validator

from passports.models import Passport, ProductType
from passports.services.keys import signing_key_rotate
from recycling import demo

# RFC 9864 prefers the fully specified "Ed25519" to "EdDSA"; VC-JOSE-COSE verifiers still meet
# "EdDSA" most, and it is the algorithm the service signs with.
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")

UNTP = Path(settings.BASE_DIR).parent / "shared" / "conformance" / "untp-dpp"


def untp_validator() -> Draft202012Validator:
    path = UNTP / "untp-dpp-schema.json"
    if not path.exists():
        pytest.skip(f"the UNTP DPP schema is not present at {path} (kept beside the project)")
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def get(url: str, accept: str = "*/*") -> tuple[int, str, bytes]:
    try:
        with urlopen(Request(url, headers={"Accept": accept}), timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def did_web_url(did: str, scheme: str) -> str:
    """The did:web method's DID-to-URL rule, written from the method specification."""
    assert did.startswith("did:web:"), did
    host, *path = did.removeprefix("did:web:").split(":")
    if not path:
        path = [".well-known"]
    return f"{scheme}://{unquote(host)}/{'/'.join(unquote(p) for p in path)}/did.json"


def header_of(token: str) -> dict:
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def verify(token: str, scheme: str) -> tuple[dict, dict]:
    """Resolves the key by the JWS kid and verifies; returns (credential, verification method)."""
    header = header_of(token)
    did = header["kid"].split("#", 1)[0]
    status, content_type, body = get(did_web_url(did, scheme), accept="application/did+json")
    assert status == 200, body
    assert content_type.startswith("application/did+json")
    document = json.loads(body)
    assert document["id"] == did
    method = next(m for m in document["verificationMethod"] if m["id"] == header["kid"])
    assert method["id"] in document["assertionMethod"]
    key = OKPKey.import_key(method["publicKeyJwk"])
    verified = jws.deserialize_compact(token, key, algorithms=["EdDSA"])
    credential = json.loads(verified.payload)
    assert credential["issuer"]["id"] == did
    return credential, method


@pytest.fixture
def served(live_server, settings):
    """The live server, named as the service's public base URL (so DIDs resolve to it)."""
    settings.RESOLVER_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def demo_passports(transactional_db) -> dict[str, Passport]:
    """One passport of each family, declared by the demo's own generators and registered."""
    found: dict[str, Passport] = {}
    rng = random.Random(demo.DEFAULT_SEED)
    for manufacturer in demo.MANUFACTURERS:
        wanted = [t for t in manufacturer.counts if t not in found]
        if not wanted:
            continue
        organisation = demo.organisation_ensure(manufacturer.organisation).organisation
        drafts = demo.declarations(rng, manufacturer, timezone.localdate())
        for product_type in wanted:
            draft = next(d for d in drafts if d["product_type"] == product_type)
            demo.register(organisation, [draft])
            found[product_type] = Passport.objects.get(gtin=draft["gtin"], serial=draft["serial"])
    assert set(found) == set(ProductType.values)
    return found


@pytest.mark.parametrize("product_type", ProductType.values)
def test_a_credential_verifies_against_its_issuers_did_and_fits_the_untp_schema(
    served, demo_passports, product_type
):
    validator = untp_validator()
    passport = demo_passports[product_type]

    status, content_type, body = get(f"{served}/api/v1/passports/{passport.id}/credential")

    assert status == 200, body
    assert content_type == "application/vc+jwt"
    token = body.decode("ascii")
    header = header_of(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt" and header["cty"] == "vc"
    credential, _ = verify(token, urlsplit(served).scheme)
    errors = sorted(validator.iter_errors(credential), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    assert credential["issuer"]["name"] == passport.manufacturer.name
    subject = credential["credentialSubject"]
    assert subject["product"]["serialNumber"] == passport.serial
    declared = {(o.substance, o.country) for o in passport.origin.all()}
    stated = {(m["name"], m.get("originCountry")) for m in subject["materialsProvenance"]}
    assert declared <= stated


def test_a_credential_signed_before_a_rotation_still_verifies(served, demo_passports):
    passport = demo_passports[ProductType.BATTERY]
    url = f"{served}/api/v1/passports/{passport.id}/credential"
    _, _, before = get(url)

    signing_key_rotate(organisation=passport.manufacturer)
    _, _, after = get(url)

    scheme = urlsplit(served).scheme
    old, old_method = verify(before.decode(), scheme)
    new, new_method = verify(after.decode(), scheme)
    assert old_method["id"] != new_method["id"]
    # The retired key is listed with the time it was current, which covers what it signed.
    signed = moment(old["validFrom"])
    assert moment(old_method["validFrom"]) <= signed <= moment(old_method["validUntil"])
    assert "validUntil" not in new_method


def test_a_tampered_credential_fails_verification(served, demo_passports):
    passport = demo_passports[ProductType.MAGNET]
    _, _, body = get(f"{served}/api/v1/passports/{passport.id}/credential")
    head, payload, signature = body.decode().split(".")
    credential = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    credential["credentialSubject"]["product"]["countryOfProduction"] = "ZZ"
    forged = base64.urlsafe_b64encode(json.dumps(credential).encode()).rstrip(b"=").decode()

    with pytest.raises(BadSignatureError):
        verify(f"{head}.{forged}.{signature}", urlsplit(served).scheme)


def test_unknown_passport_and_unknown_organisation_are_json_404s(served, demo_passports):
    status, content_type, body = get(
        f"{served}/api/v1/passports/00000000-0000-4000-8000-000000000000/credential"
    )
    assert (status, content_type) == (404, "application/json")
    assert json.loads(body)["errors"][0]["field"] == "id"

    for slug in ("00000000-0000-4000-8000-000000000000", "no-such-organisation"):
        status, content_type, body = get(f"{served}/orgs/{slug}/did.json")
        assert (status, content_type) == (404, "application/json")
        assert json.loads(body)["errors"][0]["field"] == "organisation"
