"""did:web identifiers and DID documents for organisations and for the service itself.

An organisation is named by its UUID (`did:web:<host>:orgs:<uuid>`): the UUID is the one
identifier an organisation never changes, so a credential's issuer stays resolvable after a
rename. The did:web method maps `did:web:<host%3Aport>:<a>:<b>` to
`https://<host:port>/<a>/<b>/did.json`, and a bare `did:web:<host>` to
`https://<host>/.well-known/did.json`; the host (and any path the service is mounted under)
comes from RESOLVER_BASE_URL, as the GS1 Digital Links do.
"""

from urllib.parse import urlsplit

from django.conf import settings

from passports.models import Organisation, SigningKey
from passports.services.keys import b64url, jwk_thumbprint

DID_CONTEXT = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/suites/jws-2020/v1",
]


def _service_did_parts() -> list[str]:
    parts = urlsplit(settings.RESOLVER_BASE_URL)
    # The method percent-encodes the port's colon, since colons separate the DID's segments.
    host = parts.netloc.replace(":", "%3A")
    return ["did:web", host, *(segment for segment in parts.path.split("/") if segment)]


def service_did() -> str:
    """The service's own DID, resolved at /.well-known/did.json under RESOLVER_BASE_URL."""
    return ":".join(_service_did_parts())


def organisation_did(organisation_id) -> str:
    """An organisation's DID, resolved at /orgs/<uuid>/did.json under RESOLVER_BASE_URL."""
    return ":".join([*_service_did_parts(), "orgs", str(organisation_id)])


def verification_method_id(*, did: str, kid: str) -> str:
    """The DID URL of one key: the JWS `kid` a verifier looks up in the DID document."""
    return f"{did}#{kid}"


def _rfc3339(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _method(*, did: str, kid: str, public_key: bytes, valid_from, valid_until) -> dict:
    jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(public_key),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }
    method = {
        "id": verification_method_id(did=did, kid=kid),
        "type": "JsonWebKey2020",
        "controller": did,
        "publicKeyJwk": jwk,
        # As in the JWKS: when the key was current. A retired key stays listed so that what it
        # signed while current still verifies; it signs nothing after valid_until.
        "validFrom": _rfc3339(valid_from),
    }
    if valid_until is not None:
        method["validUntil"] = _rfc3339(valid_until)
    return method


def did_document(*, did: str, methods: list[dict]) -> dict:
    """A DID document whose keys may all assert (sign credentials) and authenticate."""
    ids = [method["id"] for method in methods]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


def organisation_did_document(organisation: Organisation) -> dict:
    """The organisation's DID document: every signing key it has had, current and retired."""
    did = organisation_did(organisation.id)
    keys = SigningKey.objects.filter(organisation=organisation).order_by("valid_from")
    methods = [
        _method(
            did=did,
            kid=key.kid,
            public_key=bytes(key.public_key),
            valid_from=key.valid_from,
            valid_until=key.valid_until,
        )
        for key in keys
    ]
    document = did_document(did=did, methods=methods)
    # The same keys, published with every other organisation's as a JWK Set.
    document["service"] = [
        {
            "id": f"{did}#jwks",
            "type": "JsonWebKeySet",
            "serviceEndpoint": f"{settings.RESOLVER_BASE_URL}/.well-known/jwks.json",
        }
    ]
    return document


def service_did_document(*, public_key: bytes, created_at) -> dict:
    """The service's DID document, listing the transparency log's key."""
    did = service_did()
    kid = jwk_thumbprint(public_key)
    method = _method(
        did=did, kid=kid, public_key=public_key, valid_from=created_at, valid_until=None
    )
    return did_document(did=did, methods=[method])
