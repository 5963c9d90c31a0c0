"""Signing C2SP signed notes, tlog checkpoints and cosignature/v1 lines for the log."""

from __future__ import annotations

import base64
from collections.abc import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from lifecycle.verify import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    EM_DASH,
    HASH_SIZE,
    MAX_TIMESTAMP,
    MAX_TREE_SIZE,
    VerificationError,
    cosignature_message,
    key_id,
    parse_checkpoint,
    parse_note,
)


def _check_name(name: str) -> None:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise ValueError(f"key name {name!r} must be non-empty without spaces or '+'")


def _check_body(body: str) -> None:
    if not body.endswith("\n"):
        raise ValueError("note text must end in a newline")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in body):
        raise ValueError("note text must not hold control characters other than newline")


def _raw_public_key(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _signature_line(name: str, payload: bytes) -> str:
    return f"{EM_DASH} {name} {base64.b64encode(payload).decode('ascii')}"


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """The tlog-checkpoint note text: origin, decimal tree size and base64 root, one per line."""
    if not origin or "\n" in origin:
        raise ValueError("origin must be a non-empty single line")
    if not 0 <= size <= MAX_TREE_SIZE:
        raise ValueError(f"tree size {size} is out of range")
    if len(root) != HASH_SIZE:
        raise ValueError(f"root must be {HASH_SIZE} bytes")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode('ascii')}\n"


def vkey(name: str, public_key: bytes, alg: int = ALG_ED25519) -> str:
    """The C2SP verifier key `<name>+<hex key id>+<base64(alg || public key)>`."""
    _check_name(name)
    if alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise ValueError(f"signature type 0x{alg:02x} is not supported")
    if len(public_key) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    material = base64.b64encode(bytes([alg]) + public_key).decode("ascii")
    return f"{name}+{key_id(name, alg, public_key).hex()}+{material}"


def sign_note(body: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The full signed note: body, blank line, and one Ed25519 signature line by name."""
    _check_name(name)
    _check_body(body)
    kid = key_id(name, ALG_ED25519, _raw_public_key(private_key))
    signature = private_key.sign(body.encode())
    return f"{body}\n{_signature_line(name, kid + signature)}\n"


def cosignature_line(body: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """A cosignature/v1 signature line (without newline) over a checkpoint body at timestamp."""
    _check_name(name)
    _check_body(body)
    try:
        parse_checkpoint(body)
    except VerificationError as error:
        raise ValueError(f"only checkpoints are cosigned: {error.reason}") from error
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise ValueError(f"timestamp {timestamp} is out of range")
    kid = key_id(name, ALG_COSIGNATURE_V1, _raw_public_key(private_key))
    signature = private_key.sign(cosignature_message(body, timestamp))
    return _signature_line(name, kid + timestamp.to_bytes(8, "big") + signature)


def add_signature_lines(note_text: str, lines: Iterable[str]) -> str:
    """The note with signature lines appended after its existing ones, skipping repeats."""
    existing = parse_note(note_text)
    present = set(note_text[len(existing.body) + 1 :].split("\n"))
    added = []
    for line in lines:
        line = line.removesuffix("\n")
        if "\n" in line:
            raise ValueError("a signature line cannot hold a newline")
        try:
            parse_note(f"x\n\n{line}\n")
        except VerificationError as error:
            raise ValueError(f"not a signature line: {error.reason}") from error
        if line not in present:
            present.add(line)
            added.append(line)
    return note_text + "".join(f"{line}\n" for line in added)
