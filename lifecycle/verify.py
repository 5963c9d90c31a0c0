"""Offline verifier for passport bundles, RFC 9162 Merkle proofs and C2SP signed checkpoints.

Self-contained on purpose: an auditor can copy this one file and run it with only the Python
standard library and `cryptography` installed (`python verify.py bundle passport.json ...`).
It fails closed: anything malformed, missing or surplus is a verification failure.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
ED25519_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
KEY_ID_SIZE = 4
# signed-note asks verifiers to bound the number of signatures and to accept at least 16.
MAX_NOTE_SIGNATURES = 100
# tlog-cosignature: the timestamp "MUST NOT exceed 2^63 - 1".
MAX_TIMESTAMP = 2**63 - 1
MAX_TREE_SIZE = 2**64 - 1

BUNDLE_FORMAT = "passport-bundle/v1"
ENVELOPE_FIELDS = frozenset(
    {"v", "passport", "seq", "prev", "type", "time", "actor", "kid", "payload"}
)
EM_DASH = "\u2014"

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})*")
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


class VerificationError(Exception):
    """A proof, signature or bundle did not verify; str() is the reason a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Merkle tree hashing and proofs (RFC 9162 section 2.1).


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _require_hash(value: object, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        size = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise VerificationError(f"{what} must be {HASH_SIZE} bytes, got {size}")


def _require_count(value: object, what: str) -> int:
    # bool is an int subclass; a True index is a caller bug, not a position.
    if not isinstance(value, int) or isinstance(value, bool):
        raise VerificationError(f"{what} must be an integer")
    return value


def _require_proof(proof: object) -> list[bytes]:
    if not isinstance(proof, list | tuple):
        raise VerificationError("proof must be a list of hashes")
    for position, element in enumerate(proof):
        _require_hash(element, f"proof element {position}")
    return list(proof)


def _inclusion_proof_length(index: int, size: int) -> int:
    # Levels where the paths to `index` and to the last leaf diverge need one sibling each;
    # above that, one sibling per left subtree on the right border of the tree.
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner + border


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Checks an RFC 9162 section 2.1.3.2 inclusion proof; raises VerificationError if it fails."""
    _require_hash(leaf_hash, "leaf hash")
    _require_hash(root, "root")
    index = _require_count(index, "index")
    size = _require_count(size, "tree size")
    path = _require_proof(proof)
    if size <= 0:
        raise VerificationError("an empty tree includes no leaves")
    if index < 0:
        raise VerificationError(f"index {index} is negative")
    if index >= size:
        raise VerificationError(f"index {index} is not below tree size {size}")
    _inclusion_fold(bytes(leaf_hash), index, size, path, root)


def _inclusion_fold(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> None:
    # Callers have checked the types, 0 <= index < size and that every hash is 32 bytes.
    expected = _inclusion_proof_length(index, size)
    if len(path) != expected:
        raise VerificationError(
            f"inclusion proof for index {index} in size {size} needs {expected} hashes, "
            f"got {len(path)}"
        )

    # node_hash inlined: this loop runs about twenty times per event of a bundle.
    sha256 = hashlib.sha256
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise VerificationError("inclusion proof has surplus hashes")
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r).digest()
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01" + r + p).digest()
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof is missing hashes")
    if r != root:
        raise VerificationError("inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Checks an RFC 9162 section 2.1.4.2 consistency proof; raises VerificationError on failure."""
    size1 = _require_count(size1, "size1")
    size2 = _require_count(size2, "size2")
    _require_hash(root1, "root1")
    _require_hash(root2, "root2")
    path = _require_proof(proof)
    if size1 < 0 or size2 < 0:
        raise VerificationError("tree sizes cannot be negative")
    if size1 > size2:
        raise VerificationError(f"size1 {size1} is larger than size2 {size2}")
    # Every tree extends the empty tree, so a proof from size 0 proves nothing; refuse it
    # rather than let a caller believe something was checked.
    if size1 == 0:
        raise VerificationError("consistency from an empty tree proves nothing")
    if size1 == size2:
        if path:
            raise VerificationError("equal sizes need an empty consistency proof")
        if root1 != root2:
            raise VerificationError("equal sizes but the roots differ")
        return

    shift = (size1 & -size1).bit_length() - 1
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length()
    border = ((size1 - 1) >> inner).bit_count()
    # When size1 is a power of two its root is itself a node of the larger tree and is left out.
    start = 0 if size1 == 1 << shift else 1
    expected = start + inner - shift + border
    if len(path) != expected:
        raise VerificationError(
            f"consistency proof from {size1} to {size2} needs {expected} hashes, got {len(path)}"
        )

    if not path:
        raise VerificationError("consistency proof is empty")
    if size1 & (size1 - 1) == 0:
        path = [bytes(root1), *path]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof has surplus hashes")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("consistency proof is missing hashes")
    if fr != root1:
        raise VerificationError("consistency proof does not lead to root1")
    if sr != root2:
        raise VerificationError("consistency proof does not lead to root2")


def leaf_data(envelope: bytes, signature: bytes) -> bytes:
    """The log leaf of an event: RFC 8785 JSON {"envelope": <envelope>, "signature": "<base64>"}.

    The envelope bytes are already RFC 8785 canonical, the keys are in sorted order and standard
    base64 needs no escaping, so this concatenation is exactly the canonical JSON of that object.
    """
    return b'{"envelope":' + envelope + b',"signature":"' + base64.b64encode(signature) + b'"}'


# C2SP signed notes, checkpoints and cosignatures.


@dataclass(frozen=True)
class VerifierKey:
    """A parsed C2SP vkey: key name, 4-byte key ID, signature type and raw public key."""

    name: str
    key_id: bytes
    alg: int
    public_key: bytes


@dataclass(frozen=True)
class NoteSignature:
    """One signature line of a note: key name, 4-byte key ID and the signature after it."""

    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True)
class Note:
    """A parsed signed note: the text (ending in newline) and its signature lines."""

    body: str
    signatures: list[NoteSignature]


@dataclass(frozen=True)
class Checkpoint:
    """A parsed C2SP tlog-checkpoint body."""

    origin: str
    size: int
    root: bytes
    extensions: list[str]


def strict_b64decode(text: str, what: str) -> bytes:
    """Decodes standard base64, refusing stray characters and non-canonical encodings."""
    if not isinstance(text, str):
        raise VerificationError(f"{what} must be a base64 string")
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise VerificationError(f"{what} is not valid base64") from error
    # Two encodings of the same bytes would let one signature line be rewritten unnoticed.
    if base64.b64encode(decoded).decode("ascii") != text:
        raise VerificationError(f"{what} is not canonical base64")
    return decoded


def strict_hex(text: str, what: str) -> bytes:
    """Decodes hex with no separators or odd lengths (bytes.fromhex would accept spaces)."""
    if not isinstance(text, str) or not _HEX.fullmatch(text):
        raise VerificationError(f"{what} is not hex")
    return bytes.fromhex(text)


def _check_key_name(name: str) -> None:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise VerificationError(f"key name {name!r} is empty or holds spaces or '+'")


def key_id(name: str, alg: int, public_key: bytes) -> bytes:
    """C2SP key ID: the first 4 bytes of SHA-256(name || 0x0A || alg || public key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public_key).digest()[:KEY_ID_SIZE]


def parse_vkey(text: str) -> VerifierKey:
    """Parses `<name>+<hex key id>+<base64(alg || key)>` and checks the key ID matches."""
    if not isinstance(text, str):
        raise VerificationError("verifier key must be a string")
    # Names cannot hold '+', but base64 can: split from the left only.
    parts = text.split("+", 2)
    if len(parts) != 3:
        raise VerificationError("verifier key must be <name>+<key id>+<key>")
    name, id_hex, key_b64 = parts
    _check_key_name(name)
    if not _KEY_ID_HEX.fullmatch(id_hex):
        raise VerificationError("verifier key ID must be 8 lowercase hex digits")
    material = strict_b64decode(key_b64, "verifier key material")
    if not material:
        raise VerificationError("verifier key material is empty")
    alg, public_key = material[0], material[1:]
    if alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise VerificationError(f"verifier key type 0x{alg:02x} is not supported")
    if len(public_key) != ED25519_KEY_SIZE:
        raise VerificationError(f"Ed25519 public key must be {ED25519_KEY_SIZE} bytes")
    expected = key_id(name, alg, public_key)
    if bytes.fromhex(id_hex) != expected:
        raise VerificationError(f"verifier key ID {id_hex} does not match the key")
    return VerifierKey(name=name, key_id=expected, alg=alg, public_key=public_key)


def parse_note(text: str) -> Note:
    """Splits a signed note into its text and signature lines, checking the C2SP syntax."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise VerificationError("note is not valid UTF-8") from error
    if not isinstance(text, str):
        raise VerificationError("note must be text")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise VerificationError("note holds control characters other than newline")
    if not text.endswith("\n"):
        raise VerificationError("note does not end in a newline")
    # The text is separated from the signatures by the last empty line.
    split = text.rfind("\n\n")
    if split < 0:
        raise VerificationError("note has no blank line before its signatures")
    body, block = text[: split + 1], text[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise VerificationError("note has no signatures")
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise VerificationError(f"note has more than {MAX_NOTE_SIGNATURES} signatures")
    return Note(body=body, signatures=[_parse_signature_line(line) for line in lines])


def _parse_signature_line(line: str) -> NoteSignature:
    prefix = EM_DASH + " "
    if not line.startswith(prefix):
        raise VerificationError(f"signature line {line!r} does not start with an em dash")
    fields = line[len(prefix) :].split(" ")
    if len(fields) != 2:
        raise VerificationError(f"signature line {line!r} is not '— <name> <signature>'")
    name, encoded = fields
    _check_key_name(name)
    raw = strict_b64decode(encoded, f"signature of {name}")
    if len(raw) <= KEY_ID_SIZE:
        raise VerificationError(f"signature of {name} is too short")
    return NoteSignature(name=name, key_id=raw[:KEY_ID_SIZE], signature=raw[KEY_ID_SIZE:])


def parse_checkpoint(body: str) -> Checkpoint:
    """Parses a tlog-checkpoint note text: origin, decimal size, base64 root, extension lines."""
    if not isinstance(body, str) or not body.endswith("\n"):
        raise VerificationError("checkpoint must end in a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise VerificationError("checkpoint needs origin, size and root lines")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise VerificationError("checkpoint origin is empty")
    if not _DECIMAL.fullmatch(size_text):
        raise VerificationError(f"checkpoint size {size_text!r} is not a plain decimal")
    size = int(size_text)
    if size > MAX_TREE_SIZE:
        raise VerificationError("checkpoint size does not fit in 64 bits")
    root = strict_b64decode(root_text, "checkpoint root")
    if len(root) != HASH_SIZE:
        raise VerificationError(f"checkpoint root must be {HASH_SIZE} bytes")
    if any(not line for line in extensions):
        raise VerificationError("checkpoint extension lines must not be empty")
    return Checkpoint(origin=origin, size=size, root=root, extensions=extensions)


def _as_vkey(vkey: str | VerifierKey) -> VerifierKey:
    return vkey if isinstance(vkey, VerifierKey) else parse_vkey(vkey)


def _matching(note: Note, key: VerifierKey) -> list[NoteSignature]:
    # Signatures from unknown keys are ignored, even if they share the name or the ID alone.
    return [s for s in note.signatures if s.name == key.name and s.key_id == key.key_id]


def _ed25519_valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    if len(signature) != ED25519_SIGNATURE_SIZE:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_note(text: str, vkey: str | VerifierKey) -> str:
    """Returns the note text once a valid Ed25519 signature by vkey is found; raises otherwise."""
    key = _as_vkey(vkey)
    if key.alg != ALG_ED25519:
        raise VerificationError(f"{key.name} is not an Ed25519 note signing key")
    note = parse_note(text)
    signatures = _matching(note, key)
    if not signatures:
        raise VerificationError(f"note carries no signature by {key.name}")
    message = note.body.encode()
    # A bad signature from a trusted key means tampering; reject even if another one verifies.
    for signature in signatures:
        if not _ed25519_valid(key.public_key, signature.signature, message):
            raise VerificationError(f"signature by {key.name} does not verify")
    return note.body


def verify_checkpoint(text: str, vkey: str | VerifierKey) -> Checkpoint:
    """Verifies a signed checkpoint with the log's vkey and returns its parsed body."""
    return parse_checkpoint(verify_note(text, vkey))


def cosignature_message(body: str, timestamp: int) -> bytes:
    """The bytes a cosignature/v1 signs: header line, time line, then the checkpoint text."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def verify_cosignature(text: str, vkey: str | VerifierKey) -> int:
    """Returns the timestamp of a valid cosignature/v1 by vkey on a checkpoint; raises otherwise."""
    key = _as_vkey(vkey)
    if key.alg != ALG_COSIGNATURE_V1:
        raise VerificationError(f"{key.name} is not a cosignature/v1 key")
    note = parse_note(text)
    parse_checkpoint(note.body)
    signatures = _matching(note, key)
    if not signatures:
        raise VerificationError(f"checkpoint carries no cosignature by {key.name}")
    timestamps = []
    for signature in signatures:
        payload = signature.signature
        if len(payload) != 8 + ED25519_SIGNATURE_SIZE:
            raise VerificationError(f"cosignature by {key.name} has the wrong length")
        timestamp = int.from_bytes(payload[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise VerificationError(f"cosignature by {key.name} has an out-of-range timestamp")
        message = cosignature_message(note.body, timestamp)
        if not _ed25519_valid(key.public_key, payload[8:], message):
            raise VerificationError(f"cosignature by {key.name} does not verify")
        timestamps.append(timestamp)
    return max(timestamps)


# Passport bundles.


class Check(NamedTuple):
    """One step of bundle verification and whether it held."""

    # A named tuple, not a frozen dataclass: a 1,000-event bundle makes 8,000 of these, and
    # building a frozen dataclass costs several times as much.

    name: str
    ok: bool
    detail: str = ""


def jwk_thumbprint(x: str) -> str:
    """RFC 7638 thumbprint of an Ed25519 OKP JWK: base64url SHA-256 of its required members."""
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(members.encode()).digest()).rstrip(b"=").decode()


def _b64url_decode(text: str, what: str) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise VerificationError(f"{what} is not unpadded base64url")
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise VerificationError(f"{what} is not unpadded base64url") from error
    if base64.urlsafe_b64encode(decoded).rstrip(b"=").decode() != text:
        raise VerificationError(f"{what} is not canonical base64url")
    return decoded


def _field(obj: object, name: str, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(obj, dict) or name not in obj:
        raise VerificationError(f"{what} has no {name!r}")
    value = obj[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise VerificationError(f"{what} {name!r} has the wrong type")
    return value


def _utc(text: object, what: str) -> dt.datetime:
    if not isinstance(text, str) or not text.endswith("Z"):
        raise VerificationError(f"{what} must be an RFC 3339 UTC time ending in Z")
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise VerificationError(f"{what} {text!r} is not an RFC 3339 time") from error


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        # Two readers could each pick a different duplicate; signed data must mean one thing.
        if name in result:
            raise VerificationError(f"duplicate JSON key {name!r}")
        result[name] = value
    return result


def loads_strict(data: str | bytes) -> Any:
    """Parses JSON, refusing duplicate object keys and the non-standard NaN and Infinity."""

    def no_constants(name: str) -> Any:
        raise VerificationError(f"{name} is not JSON")

    try:
        return json.loads(
            data, object_pairs_hook=_reject_duplicate_keys, parse_constant=no_constants
        )
    except (ValueError, RecursionError) as error:
        raise VerificationError(f"not valid JSON: {error}") from error


@dataclass
class _Key:
    """A bundle signing key whose kid has been checked, with its validity period."""

    public_key: bytes
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    # Loaded once per key rather than once per event: a long chain has one key.
    loaded: Ed25519PublicKey

    def verifies(self, signature: bytes, message: bytes) -> bool:
        if len(signature) != ED25519_SIGNATURE_SIZE:
            return False
        try:
            self.loaded.verify(signature, message)
        except InvalidSignature:
            return False
        return True


def _proof_hashes(hashes: list) -> list[bytes] | None:
    """The 32-byte hashes of well-formed hex proof elements, or None if any element is not one.

    bytes.fromhex skips whitespace, but 64 characters only give 32 bytes when there is none.
    """
    proof = []
    for text in hashes:
        if type(text) is not str or len(text) != 2 * HASH_SIZE:
            return None
        try:
            element = bytes.fromhex(text)
        except ValueError:
            return None
        if len(element) != HASH_SIZE:
            return None
        proof.append(element)
    return proof


EVENT_CHECKS = (
    "envelope",
    "sequence",
    "passport",
    "key",
    "key validity",
    "signature",
    "chain link",
    "inclusion",
)


class _BundleVerifier:
    """Runs the bundle checks in order, remembering what earlier checks established."""

    def __init__(self, bundle: object, log_vkey: str, witness_vkeys: Sequence[str]) -> None:
        self.bundle = bundle
        self.log_vkey = log_vkey
        self.witness_vkeys = list(witness_vkeys)
        self.checks: list[Check] = []
        self.checkpoint: Checkpoint | None = None
        self.keys: dict[str, _Key] = {}
        self.passport_id = ""
        self.previous_hash: str | None = None

    def run(self) -> list[Check]:
        steps: list[tuple[str, Callable[[], str]]] = [("bundle format", self.check_format)]
        steps.append(("checkpoint signature", self.check_checkpoint))
        for index, witness in enumerate(self.witness_vkeys):
            name = witness.split("+", 1)[0] or f"#{index}"
            steps.append((f"witness {name}", lambda w=witness: self.check_witness(w)))
        for name, step in steps:
            if not self.step(name, step):
                return self.checks
        keys = self.bundle["keys"]
        for position, jwk in enumerate(keys):
            kid = jwk.get("kid") if isinstance(jwk, dict) else None
            label = kid if isinstance(kid, str) and kid else f"#{position}"
            if not self.step(f"key {label}", lambda j=jwk: self.check_key(j)):
                return self.checks
        for seq, event in enumerate(self.bundle["events"]):
            if not self.verify_event(seq, event):
                return self.checks
        return self.checks

    def step(self, name: str, check: Callable[[], str]) -> bool:
        try:
            detail = check()
        except VerificationError as error:
            self.checks.append(Check(name, False, error.reason))
            return False
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # Fail closed on any shape the checks did not anticipate.
            self.checks.append(Check(name, False, f"malformed bundle: {error!r}"))
            return False
        self.checks.append(Check(name, True, detail))
        return True

    def check_format(self) -> str:
        bundle = self.bundle
        if not isinstance(bundle, dict):
            raise VerificationError("bundle is not a JSON object")
        if bundle.get("format") != BUNDLE_FORMAT:
            raise VerificationError(f"format is not {BUNDLE_FORMAT!r}")
        passport = _field(bundle, "passport", dict, "bundle")
        self.passport_id = _field(passport, "id", str, "passport")
        _field(bundle, "keys", list, "bundle")
        if not _field(bundle, "events", list, "bundle"):
            raise VerificationError("bundle has no events")
        _field(bundle, "checkpoint", str, "bundle")
        return ""

    def check_checkpoint(self) -> str:
        checkpoint = verify_checkpoint(self.bundle["checkpoint"], self.log_vkey)
        self.checkpoint = checkpoint
        return f"{checkpoint.origin} size {checkpoint.size} root {checkpoint.root.hex()}"

    def check_witness(self, witness_vkey: str) -> str:
        timestamp = verify_cosignature(self.bundle["checkpoint"], witness_vkey)
        moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
        return f"cosigned at {moment.strftime('%Y-%m-%dT%H:%M:%SZ')}"

    def check_key(self, jwk: object) -> str:
        if _field(jwk, "kty", str, "key") != "OKP" or _field(jwk, "crv", str, "key") != "Ed25519":
            raise VerificationError("key is not an Ed25519 OKP key")
        x = _field(jwk, "x", str, "key")
        public_key = _b64url_decode(x, "key x")
        if len(public_key) != ED25519_KEY_SIZE:
            raise VerificationError(f"key x must be {ED25519_KEY_SIZE} bytes")
        kid = _field(jwk, "kid", str, "key")
        if kid != jwk_thumbprint(x):
            raise VerificationError(f"kid {kid} is not the RFC 7638 thumbprint of the key")
        if kid in self.keys:
            raise VerificationError(f"kid {kid} is listed twice")
        valid_from = _utc(_field(jwk, "valid_from", str, "key"), "valid_from")
        until = _field(jwk, "valid_until", (str, type(None)), "key")
        valid_until = None if until is None else _utc(until, "valid_until")
        loaded = Ed25519PublicKey.from_public_bytes(public_key)
        self.keys[kid] = _Key(public_key, valid_from, valid_until, loaded)
        return ""

    def verify_event(self, seq: int, entry: object) -> bool:
        """One event's eight checks in one pass; a failure is named after the check it broke.

        Straight-line code rather than a step per check: on long chains the per-event Python
        around the cryptography was most of the verifier's time.
        """
        label = f"event {seq}"
        stage = "envelope"
        try:
            envelope = strict_b64decode(_field(entry, "envelope", str, label), "envelope")
            body = loads_strict(envelope)
            if not isinstance(body, dict) or body.keys() != ENVELOPE_FIELDS:
                raise VerificationError(f"envelope fields must be {sorted(ENVELOPE_FIELDS)}")

            stage = "sequence"
            listed = _field(entry, "seq", int, label)
            signed = _field(body, "seq", int, "envelope")
            for where, value in (("bundle", listed), ("envelope", signed)):
                if value != seq:
                    raise VerificationError(f"{where} seq {value} is not position {seq}")

            stage = "passport"
            passport_id = _field(body, "passport", str, "envelope")
            if passport_id != self.passport_id:
                raise VerificationError(f"passport {passport_id} is not {self.passport_id}")

            stage = "key"
            kid = _field(entry, "kid", str, label)
            if _field(body, "kid", str, "envelope") != kid:
                raise VerificationError("event kid differs from the envelope's kid")
            key = self.keys.get(kid)
            if key is None:
                raise VerificationError(f"kid {kid} is not among the bundle's keys")

            stage = "key validity"
            time = _utc(_field(body, "time", str, "envelope"), "event time")
            if time < key.valid_from:
                raise VerificationError("event time is before the key became valid")
            if key.valid_until is not None and time >= key.valid_until:
                raise VerificationError("event time is after the key was retired")

            stage = "signature"
            signature = strict_b64decode(_field(entry, "signature", str, label), "signature")
            if not key.verifies(signature, envelope):
                raise VerificationError("Ed25519 signature over the envelope does not verify")

            stage = "chain link"
            prev = body["prev"]
            if self.previous_hash is None:
                if prev is not None:
                    raise VerificationError("the first event must have prev null")
            elif prev != self.previous_hash:
                raise VerificationError(f"prev {prev} is not {self.previous_hash}")

            stage = "inclusion"
            leaf = self.event_inclusion(entry, label, envelope, signature)
        except VerificationError as error:
            self.checks.append(Check(f"{label} {stage}", False, error.reason))
            return False
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            self.checks.append(Check(f"{label} {stage}", False, f"malformed bundle: {error!r}"))
            return False
        for name in EVENT_CHECKS:
            detail = kid if name == "key" else leaf if name == "inclusion" else ""
            self.checks.append(Check(f"{label} {name}", True, detail))
        self.previous_hash = hashlib.sha256(envelope).hexdigest()
        return True

    def event_inclusion(self, entry: object, label: str, envelope: bytes, signature: bytes) -> str:
        checkpoint = self.checkpoint
        if checkpoint is None:
            raise VerificationError("no verified checkpoint to check inclusion against")
        index = _field(entry, "log_index", int, label)
        if not 0 <= index < checkpoint.size:
            raise VerificationError(
                f"log index {index} is outside the checkpoint size {checkpoint.size}"
            )
        hashes = _field(entry, "inclusion_proof", list, label)
        leaf = leaf_hash(leaf_data(envelope, signature))
        proof = _proof_hashes(hashes)
        if proof is None:
            # Anything but 32-byte hex elements takes the general path, for its exact message.
            proof = [strict_hex(h, "inclusion proof element") for h in hashes]
            verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root)
        else:
            _inclusion_fold(leaf, index, checkpoint.size, proof, checkpoint.root)
        return f"leaf {index} of {checkpoint.size}"


def verify_bundle(bundle: dict, log_vkey: str, witness_vkeys: Sequence[str]) -> list[Check]:
    """Runs every bundle check in order, stopping after (and including) the first failure."""
    return _BundleVerifier(bundle, log_vkey, witness_vkeys).run()


# Command line.


def _non_negative(text: str) -> int:
    if not _DECIMAL.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a non-negative decimal integer")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Verify RFC 9162 proofs and passport bundles offline.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    inclusion = commands.add_parser("inclusion", help="check an inclusion proof")
    inclusion.add_argument("--leaf-hash", required=True, metavar="HEX")
    inclusion.add_argument("--index", required=True, type=_non_negative)
    inclusion.add_argument("--size", required=True, type=_non_negative)
    inclusion.add_argument("--root", required=True, metavar="HEX")
    inclusion.add_argument("--proof", action="extend", nargs="*", default=[], metavar="HEX")

    consistency = commands.add_parser("consistency", help="check a consistency proof")
    consistency.add_argument("--size1", required=True, type=_non_negative)
    consistency.add_argument("--size2", required=True, type=_non_negative)
    consistency.add_argument("--root1", required=True, metavar="HEX")
    consistency.add_argument("--root2", required=True, metavar="HEX")
    consistency.add_argument("--proof", action="extend", nargs="*", default=[], metavar="HEX")

    bundle = commands.add_parser("bundle", help="check a passport bundle JSON file")
    bundle.add_argument("file", metavar="FILE")
    bundle.add_argument("--log-vkey", required=True, metavar="VKEY")
    bundle.add_argument("--witness-vkey", action="append", default=[], metavar="VKEY")
    return parser


def _print_check(check: Check) -> None:
    status = "ok  " if check.ok else "FAIL"
    suffix = f": {check.detail}" if check.detail else ""
    print(f"{status} {check.name}{suffix}")


def _run(args: argparse.Namespace) -> list[Check]:
    if args.command == "inclusion":
        name = f"inclusion of leaf {args.index} in tree of size {args.size}"
        try:
            verify_inclusion(
                strict_hex(args.leaf_hash, "--leaf-hash"),
                args.index,
                args.size,
                [strict_hex(p, "--proof") for p in args.proof],
                strict_hex(args.root, "--root"),
            )
        except VerificationError as error:
            return [Check(name, False, error.reason)]
        return [Check(name, True)]
    if args.command == "consistency":
        name = f"consistency from size {args.size1} to {args.size2}"
        try:
            verify_consistency(
                args.size1,
                args.size2,
                [strict_hex(p, "--proof") for p in args.proof],
                strict_hex(args.root1, "--root1"),
                strict_hex(args.root2, "--root2"),
            )
        except VerificationError as error:
            return [Check(name, False, error.reason)]
        return [Check(name, True)]
    try:
        with open(args.file, "rb") as handle:
            bundle = loads_strict(handle.read())
    except OSError as error:
        return [Check("bundle file", False, f"cannot read {args.file}: {error.strerror}")]
    except VerificationError as error:
        return [Check("bundle file", False, error.reason)]
    return verify_bundle(bundle, args.log_vkey, args.witness_vkey)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns 0 when every check holds and 1 otherwise."""
    args = _parser().parse_args(argv)
    checks = _run(args)
    for check in checks:
        _print_check(check)
    return 0 if checks and all(check.ok for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
