"""Organisations' Ed25519 signing keys: creation, rotation, signing and publication.

Private keys never leave the database unencrypted: each is sealed with AES-256-GCM under the
key-encryption key (KEK) from the environment, with the key id as associated data so a
ciphertext cannot be moved to another key's row.
"""

import base64
import hashlib
import json
import logging
import os
import time
from functools import cache

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from passports.models import Organisation, OrganisationKind, SigningKey

logger = logging.getLogger(__name__)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(public_key: bytes) -> str:
    """RFC 7638 thumbprint of an Ed25519 public key: SHA-256 over the required members, sorted."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(public_key)}
    text = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(text.encode("ascii")).digest())


@cache
def key_encryption_key() -> bytes:
    """The 32-byte KEK: from KEY_ENCRYPTION_KEY, or in development from a git-ignored file."""
    configured = settings.KEY_ENCRYPTION_KEY
    if configured:
        kek = base64.b64decode(configured)
    elif settings.PRODUCTION:
        raise ImproperlyConfigured("KEY_ENCRYPTION_KEY must be set in production.")
    else:
        path = settings.DEV_KEY_ENCRYPTION_KEY_FILE
        if not path.exists():
            path.write_text(base64.b64encode(os.urandom(32)).decode("ascii") + "\n")
            path.chmod(0o600)
        logger.warning(
            "Using the development key-encryption key in %s; set KEY_ENCRYPTION_KEY in production.",
            path.name,
        )
        kek = base64.b64decode(path.read_text().strip())
    if len(kek) != 32:
        raise ImproperlyConfigured("KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded.")
    return kek


def private_key_seal(private: Ed25519PrivateKey, *, bound_to: str) -> tuple[bytes, bytes]:
    """(nonce, ciphertext) of a private key under the KEK; bound_to is the associated data."""
    nonce = os.urandom(12)
    sealed = AESGCM(key_encryption_key()).encrypt(
        nonce, private.private_bytes_raw(), bound_to.encode("utf-8")
    )
    return nonce, sealed


def private_key_unseal(nonce: bytes, sealed: bytes, *, bound_to: str) -> Ed25519PrivateKey:
    """The private key back; fails if the ciphertext was moved to another key's record."""
    raw = AESGCM(key_encryption_key()).decrypt(nonce, sealed, bound_to.encode("utf-8"))
    return Ed25519PrivateKey.from_private_bytes(raw)


def raw_public_key(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def signing_key_create(*, organisation: Organisation) -> SigningKey:
    """Creates a new active key for an organisation (call inside a transaction)."""
    private = Ed25519PrivateKey.generate()
    public = raw_public_key(private)
    kid = jwk_thumbprint(public)
    nonce, sealed = private_key_seal(private, bound_to=kid)
    return SigningKey.objects.create(
        kid=kid,
        organisation=organisation,
        public_key=public,
        encrypted_private_key=sealed,
        nonce=nonce,
        valid_from=timezone.now(),
    )


def signing_key_rotate(*, organisation: Organisation) -> SigningKey:
    """Retires the active key (kept for verifying old events) and creates a new active one."""
    if organisation.kind == OrganisationKind.ARCHIVED_OPERATOR:
        # Retiring an archived key would change its validity and break the archived chains.
        raise KeysArchived(f"{organisation.name} is an archived operator; its keys are frozen.")
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        retired = SigningKey.objects.active().filter(organisation=organisation)
        for kid in retired.values_list("kid", flat=True):
            signer_forget(kid=kid)
        retired.update(valid_until=timezone.now())
        return signing_key_create(organisation=organisation)


class KeysArchived(Exception):
    """The organisation is an archived operator: its public keys are kept, it never signs."""


class Signer:
    """The active private key of one organisation, unsealed for a run of signatures."""

    def __init__(self, key: SigningKey):
        if not key.encrypted_private_key:
            raise KeysArchived(f"key {key.kid} has no private half here (an archived operator's)")
        self.kid = key.kid
        self._private = private_key_unseal(
            bytes(key.nonce), bytes(key.encrypted_private_key), bound_to=key.kid
        )

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


def signer_for(*, organisation: Organisation) -> Signer:
    """The organisation's active key, unsealed; raises SigningKey.DoesNotExist if it has none."""
    kid = SigningKey.objects.active().values_list("kid", flat=True).get(organisation=organisation)
    return signer_cached(kid=kid)


# Unsealed keys by kid. A kid names one key forever, so an entry is never wrong: rotation makes
# the organisation's active kid another one, and the next append (which reads the active kid)
# unseals that. Entries expire so that keys nobody signs with do not stay in memory.
SIGNER_CACHE_SECONDS = 600
_signers: dict[str, tuple[float, Signer]] = {}


def signer_cached(*, kid: str) -> Signer:
    """The signer of a key, unsealed at most once per SIGNER_CACHE_SECONDS in this process."""
    now = time.monotonic()
    found = _signers.get(kid)
    if found is not None and now - found[0] < SIGNER_CACHE_SECONDS:
        return found[1]
    signer = Signer(SigningKey.objects.get(kid=kid))
    for stale in [k for k, (at, _) in _signers.items() if now - at >= SIGNER_CACHE_SECONDS]:
        _signers.pop(stale, None)
    _signers[kid] = (now, signer)
    return signer


def signer_forget(*, kid: str) -> None:
    """Drops a key from this process's memory (a retired key signs nothing new)."""
    _signers.pop(kid, None)


def public_jwk(key: SigningKey) -> dict:
    """A published JWK for a key, with its owner and validity."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(bytes(key.public_key)),
        "kid": key.kid,
        "use": "sig",
        "alg": "EdDSA",
        "owner": {
            "id": str(key.organisation_id),
            "name": key.organisation.name,
            "kind": key.organisation.kind,
        },
        "valid_from": key.valid_from.isoformat().replace("+00:00", "Z"),
        "valid_until": key.valid_until.isoformat().replace("+00:00", "Z")
        if key.valid_until
        else None,
    }
