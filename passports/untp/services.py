"""Securing a UNTP credential as an enveloped JOSE credential (W3C VC-JOSE-COSE)."""

import datetime as dt

import rfc8785

from passports.models import Passport, SigningKey
from passports.services.keys import Signer, b64url
from passports.untp.credential import passport_credential
from passports.untp.did import organisation_did, verification_method_id

# VC-JOSE-COSE: the JWS payload is the credential itself, typed as a credential secured with JOSE.
JWS_TYPE = "vc+jwt"
JWS_CONTENT_TYPE = "vc"


def _rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def passport_credential_issue(*, passport: Passport, key: SigningKey) -> dict:
    """The passport's credential as issued under `key`, the manufacturer's active key.

    The public tier does not change after registration, so the credential is dated from when
    both the passport and the key existed: every request for it gets the same credential (and,
    Ed25519 being deterministic, the same JWS) until the manufacturer rotates its key.
    """
    issued_at = max(passport.created_at, key.valid_from)
    return passport_credential(passport, issued_at=_rfc3339(issued_at))


def credential_sign(*, credential: dict, key: SigningKey) -> str:
    """The credential as a compact JWS (EdDSA) under an organisation's signing key.

    The `kid` is the key's DID URL in the organisation's did:web document, so a verifier finds
    the key from the credential alone.
    """
    header = {
        "alg": "EdDSA",
        "typ": JWS_TYPE,
        "cty": JWS_CONTENT_TYPE,
        "kid": verification_method_id(did=organisation_did(key.organisation_id), kid=key.kid),
    }
    # Canonical (RFC 8785) bytes: the same credential always signs to the same payload.
    signing_input = f"{b64url(rfc8785.dumps(header))}.{b64url(rfc8785.dumps(credential))}"
    signature = Signer(key).sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"
