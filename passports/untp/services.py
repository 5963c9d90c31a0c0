"""Securing a UNTP credential as an enveloped JOSE credential (W3C VC-JOSE-COSE)."""

import rfc8785

from passports.models import Organisation
from passports.services.keys import b64url, signer_for
from passports.untp.did import organisation_did, verification_method_id

# VC-JOSE-COSE: the JWS payload is the credential itself, typed as a credential secured with JOSE.
JWS_TYPE = "vc+jwt"
JWS_CONTENT_TYPE = "vc"


def credential_sign(*, credential: dict, organisation: Organisation) -> str:
    """The credential as a compact JWS (EdDSA) under the organisation's active key.

    The `kid` is the key's DID URL in the organisation's did:web document, so a verifier finds
    the key from the credential alone. Raises SigningKey.DoesNotExist if the organisation has
    no active key.
    """
    signer = signer_for(organisation=organisation)
    header = {
        "alg": "EdDSA",
        "typ": JWS_TYPE,
        "cty": JWS_CONTENT_TYPE,
        "kid": verification_method_id(did=organisation_did(organisation.id), kid=signer.kid),
    }
    # Canonical (RFC 8785) bytes: the same credential always signs to the same payload.
    signing_input = f"{b64url(rfc8785.dumps(header))}.{b64url(rfc8785.dumps(credential))}"
    signature = signer.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"
