"""The UNTP credential and did:web endpoints through the API: representations, what the
credential may carry, errors, and the DID documents' shape."""

import base64
import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from drf_spectacular.generators import SchemaGenerator

from lifecycle.services.log import log_key_record
from passports.models import SigningKey
from passports.services.keys import jwk_thumbprint, public_jwk, signing_key_rotate
from passports.untp.did import organisation_did
from tests.factories import declaration


def register(actor, kind: str = "battery") -> str:
    response = actor.client.post("/api/v1/passports/", declaration(kind), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def credential_url(passport_id: str) -> str:
    return f"/api/v1/passports/{passport_id}/credential"


def jws_parts(token: str) -> tuple[dict, dict]:
    def decode(segment: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))

    head, payload, _ = token.split(".")
    return decode(head), decode(payload)


def test_anyone_gets_the_credential_signed_by_default(manufacturer, anonymous):
    passport_id = register(manufacturer)

    response = anonymous.get(credential_url(passport_id))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    header, credential = jws_parts(response.content.decode())
    key = SigningKey.objects.active().get(organisation=manufacturer.organisation)
    did = organisation_did(manufacturer.organisation.id)
    assert header == {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": f"{did}#{key.kid}"}
    assert credential["issuer"]["id"] == did
    assert credential["type"] == ["VerifiableCredential", "DigitalProductPassport"]


def test_format_json_and_accept_vc_give_the_credential_unsigned(manufacturer, anonymous):
    passport_id = register(manufacturer)

    as_json = anonymous.get(credential_url(passport_id) + "?format=json")
    as_vc = anonymous.get(credential_url(passport_id), HTTP_ACCEPT="application/vc")
    as_jwt = anonymous.get(credential_url(passport_id), HTTP_ACCEPT="application/vc+jwt")

    assert as_json.status_code == as_vc.status_code == as_jwt.status_code == 200
    assert as_json["Content-Type"] == "application/json"
    assert as_vc["Content-Type"] == "application/vc"
    assert as_jwt["Content-Type"] == "application/vc+jwt"
    _, signed = jws_parts(as_jwt.content.decode())
    assert json.loads(as_vc.content) == signed == as_json.json()
    assert as_json.json()["credentialSubject"]["product"]["serialNumber"] == "BAT-000001"


def test_the_credential_is_the_same_until_the_key_is_rotated(manufacturer, anonymous):
    passport_id = register(manufacturer)

    first = anonymous.get(credential_url(passport_id)).content
    again = anonymous.get(credential_url(passport_id)).content
    new_key = signing_key_rotate(organisation=manufacturer.organisation)
    rotated = anonymous.get(credential_url(passport_id)).content

    assert first == again
    header, credential = jws_parts(rotated.decode())
    assert header["kid"].endswith(f"#{new_key.kid}")
    assert credential["validFrom"] == new_key.valid_from.isoformat().replace("+00:00", "Z")


def test_an_unknown_format_is_a_json_400_naming_the_parameter(manufacturer, anonymous):
    passport_id = register(manufacturer)

    response = anonymous.get(credential_url(passport_id) + "?format=xml")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "format"


def test_an_unknown_passport_is_a_json_404(anonymous):
    response = anonymous.get(credential_url("00000000-0000-4000-8000-000000000000"))

    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "id"


@pytest.mark.parametrize("reader", ["manufacturer", "other_manufacturer", "regulator"])
def test_the_credential_carries_the_public_tier_whoever_asks(request, manufacturer, reader):
    passport_id = register(manufacturer)
    client = request.getfixturevalue(reader).client

    credential = client.get(credential_url(passport_id) + "?format=json").json()

    text = json.dumps(credential)
    # Origin suppliers, the batch and per-substance masses need a legitimate interest.
    assert "Mine Co" not in text
    assert "M-75-01" not in text  # part numbers
    assert "45.6" not in text  # nickel mass
    product = credential["credentialSubject"]["product"]
    assert "materials" not in product["characteristics"]
    assert "batchNumber" not in product


def test_materials_carry_origin_recycled_and_public_mass_fractions(manufacturer, anonymous):
    battery = anonymous.get(credential_url(register(manufacturer)) + "?format=json").json()
    pv = anonymous.get(credential_url(register(manufacturer, "pv_module")) + "?format=json").json()

    materials = battery["credentialSubject"]["materialsProvenance"]
    cobalt = {m["originCountry"]: m for m in materials if m["name"] == "Co"}
    assert set(cobalt) == {"CD", "AU"}
    assert cobalt["CD"]["originShare"] == 0.7
    assert cobalt["CD"]["recycledMassFraction"] == 0.16
    salt = next(m for m in materials if m["name"] == "lithium hexafluorophosphate")
    assert salt == {
        "type": ["Material"],
        "name": salt["name"],
        "hazardous": True,
        "massFraction": 0.012,
    }
    lead = next(m for m in pv["credentialSubject"]["materialsProvenance"] if m["name"] == "Pb")
    assert Decimal(str(lead["massFraction"])) == round(Decimal("0.012") / Decimal("21.5"), 8)


def test_claims_and_traceability_links(manufacturer, anonymous):
    passport_id = register(manufacturer)

    subject = anonymous.get(credential_url(passport_id) + "?format=json").json()[
        "credentialSubject"
    ]

    topics = {claim["conformityTopic"] for claim in subject["conformityClaim"]}
    assert topics == {
        "environment.emissions",
        "circularity.content",
        "governance.compliance",
        "governance.transparency",
    }
    footprint = next(c for c in subject["conformityClaim"] if c["id"].endswith("#carbon-footprint"))
    assert footprint["declaredValue"][0]["metricValue"]["value"] == 61.2
    links = [e["linkURL"] for e in subject["traceabilityInformation"][0]["traceabilityEvent"]]
    link = "http://127.0.0.1:8000/01/09506000134352/21/BAT-000001"
    assert links == [
        f"http://127.0.0.1:8000/api/v1/passports/{passport_id}/events/",
        "http://127.0.0.1:8000/api/v1/epcis/events?MATCH_anyEPC=" + quote(link, safe=""),
    ]


def test_a_manufacturer_without_an_active_key_gets_a_json_503(manufacturer, anonymous):
    passport_id = register(manufacturer)
    SigningKey.objects.active().filter(organisation=manufacturer.organisation).update(
        valid_until="2026-01-01T00:00:00Z"
    )

    response = anonymous.get(credential_url(passport_id))

    assert response.status_code == 503
    assert response.json()["errors"][0]["message"]


def test_an_organisations_did_document_lists_current_and_retired_keys(manufacturer, anonymous):
    signing_key_rotate(organisation=manufacturer.organisation)
    organisation_id = manufacturer.organisation.id

    response = anonymous.get(f"/orgs/{organisation_id}/did.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    document = json.loads(response.content)
    did = organisation_did(organisation_id)
    assert document["id"] == did
    keys = SigningKey.objects.filter(organisation=manufacturer.organisation).order_by("valid_from")
    methods = document["verificationMethod"]
    assert [m["id"] for m in methods] == [f"{did}#{key.kid}" for key in keys]
    assert document["assertionMethod"] == [m["id"] for m in methods]
    jwks = [public_jwk(key) for key in keys]
    assert [m["publicKeyJwk"]["x"] for m in methods] == [jwk["x"] for jwk in jwks]
    assert [m.get("validUntil") for m in methods] == [jwk["valid_until"] for jwk in jwks]
    assert methods[0]["validUntil"] and "validUntil" not in methods[1]


def test_a_did_document_is_also_served_as_plain_json(manufacturer, anonymous):
    response = anonymous.get(
        f"/orgs/{manufacturer.organisation.id}/did.json", HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("organisation_id", ["00000000-0000-4000-8000-000000000000", "acme", "a/b"])
def test_an_unknown_organisation_did_is_a_json_404(db, anonymous, organisation_id):
    response = anonymous.get(f"/orgs/{organisation_id}/did.json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["field"] == "organisation"


def test_the_did_encodes_the_port_and_any_path_of_the_base_url(settings, manufacturer):
    settings.RESOLVER_BASE_URL = "https://passports.example.org:8443/eu"

    did = organisation_did(manufacturer.organisation.id)

    assert did == f"did:web:passports.example.org%3A8443:eu:orgs:{manufacturer.organisation.id}"


def test_the_services_own_did_document_lists_the_log_key(db, anonymous):
    response = anonymous.get("/.well-known/did.json")

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["id"] == "did:web:127.0.0.1%3A8000"
    key = log_key_record()
    (method,) = document["verificationMethod"]
    assert method["id"] == f"did:web:127.0.0.1%3A8000#{jwk_thumbprint(bytes(key.public_key))}"
    x = base64.urlsafe_b64decode(method["publicKeyJwk"]["x"] + "=")
    assert x == bytes(key.public_key)


def test_the_openapi_schema_documents_the_new_endpoints():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    credential = schema["paths"]["/api/v1/passports/{id}/credential"]["get"]
    assert set(credential["responses"]["200"]["content"]) == {
        "application/vc+jwt",
        "application/vc",
        "application/json",
    }
    assert {"400", "404"} <= set(credential["responses"])
    assert "/orgs/{organisation_id}/did.json" in schema["paths"]
    assert "/.well-known/did.json" in schema["paths"]


def test_the_public_passport_page_offers_the_credential(manufacturer, client):
    passport_id = register(manufacturer)

    html = client.get(f"/p/{passport_id}", HTTP_ACCEPT="text/html").content.decode()
    chinese = client.get(
        f"/p/{passport_id}", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="zh-Hans"
    ).content.decode()

    assert f'href="{credential_url(passport_id)}"' in html
    assert "Download verifiable credential (UNTP)" in html
    assert "下载可验证凭证（UNTP）" in chinese


def test_the_resolver_linkset_points_to_the_credential(manufacturer, anonymous):
    passport_id = register(manufacturer)

    response = anonymous.get("/01/09506000134352/21/BAT-000001?linkType=all")

    (links,) = response.json()["linkset"]
    (credential,) = links["https://test.uncefact.org/vocabulary/linkTypes/dpp"]
    assert credential == {
        "href": "http://testserver" + credential_url(passport_id),
        "title": "Digital Product Passport (UNTP verifiable credential)",
        "type": "application/vc+jwt",
    }
