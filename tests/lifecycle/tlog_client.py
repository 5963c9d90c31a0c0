"""A tlog-tiles client written from the C2SP and RFC 6962/9162 definitions, for tests only.

It shares no code with the server: its own hashing, tile paths, note parsing, proof
construction (the recursive PATH and PROOF definitions of RFC 6962 section 2.1) and proof
verification (the iterative algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2). It knows
the log only through HTTP GETs of /checkpoint, /tile/... and the log's verifier key.
"""

import base64
import hashlib
from dataclasses import dataclass

import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class ClientError(Exception):
    """The log served something that does not verify."""


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hash_leaf(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry)


def hash_children(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def encode_index(n: int) -> str:
    text = str(n)
    text = "0" * (-len(text) % 3) + text
    groups = [text[i : i + 3] for i in range(0, len(text), 3)]
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


@dataclass
class SignedCheckpoint:
    origin: str
    size: int
    root: bytes


def verify_checkpoint(text: str, vkey: str) -> SignedCheckpoint:
    """Checks the log's Ed25519 signature line on a checkpoint note; returns what it states."""
    name, key_hash, material = vkey.strip().split("+", 2)
    raw = base64.b64decode(material)
    if raw[0] != 0x01:
        raise ClientError("the log's key is not an Ed25519 note key")
    key_id = sha256(name.encode() + b"\n" + raw)[:4]
    if key_id.hex() != key_hash:
        raise ClientError("verifier key id does not match its key")
    public = Ed25519PublicKey.from_public_bytes(raw[1:])
    body, _, signatures = text.partition("\n\n")
    body += "\n"
    verified = False
    for line in signatures.splitlines():
        dash, signer, blob = line.split(" ")
        if dash != "\u2014" or signer != name:
            continue
        blob = base64.b64decode(blob)
        if blob[:4] != key_id:
            continue
        try:
            public.verify(blob[4:], body.encode())
        except InvalidSignature as error:
            raise ClientError("the log's signature does not verify") from error
        verified = True
    if not verified:
        raise ClientError("no signature by the log's key")
    lines = body.split("\n")
    if lines[0] != name:
        raise ClientError("checkpoint origin is not the key's name")
    return SignedCheckpoint(lines[0], int(lines[1]), base64.b64decode(lines[2]))


class TileClient:
    """Reads a tree of a given (verified) size through tiles, fetching each tile once."""

    def __init__(self, base_url: str, size: int, token: str = "") -> None:
        self.base = base_url.rstrip("/")
        self.size = size
        self.fetched: dict[str, bytes] = {}
        # Entry bundles are for regulators; hash tiles need no token.
        self.headers = {"Authorization": f"Token {token}"} if token else {}

    def _get(self, path: str) -> bytes:
        if path not in self.fetched:
            response = requests.get(f"{self.base}/{path}", headers=self.headers, timeout=10)
            if response.status_code != 200:
                raise ClientError(f"{path}: HTTP {response.status_code}")
            self.fetched[path] = response.content
        return self.fetched[path]

    def _tile(self, level: int, n: int) -> bytes:
        """The n-th tile of `level` in the tree of self.size, full or partial as that size says."""
        available = (self.size // 256**level) - n * 256
        width = min(256, available)
        if width <= 0:
            raise ClientError(f"tile {level}/{n} is outside a tree of {self.size}")
        path = f"tile/{level}/{encode_index(n)}" + ("" if width == 256 else f".p/{width}")
        data = self._get(path)
        if len(data) != 32 * width:
            raise ClientError(f"{path}: {len(data)} bytes for {width} hashes")
        return data

    def entry(self, index: int) -> bytes:
        """The entry at index from its bundle, checked against the level-0 tile."""
        n = index // 256
        width = min(256, self.size - n * 256)
        path = f"tile/entries/{encode_index(n)}" + ("" if width == 256 else f".p/{width}")
        bundle = self._get(path)
        entries, offset = [], 0
        while offset < len(bundle):
            length = int.from_bytes(bundle[offset : offset + 2], "big")
            entries.append(bundle[offset + 2 : offset + 2 + length])
            offset += 2 + length
        if len(entries) != width:
            raise ClientError(f"{path}: {len(entries)} entries for width {width}")
        entry = entries[index % 256]
        if hash_leaf(entry) != self.hash_range(index, index + 1):
            raise ClientError(f"entry {index} does not hash to its level-0 tile hash")
        return entry

    def hash_range(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) by the RFC 6962 definition, taking stored hashes from tiles."""
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            height = n.bit_length() - 1
            if height % 8 == 0:
                level = height // 8
                position = start // n
                tile = self._tile(level, position // 256)
                i = position % 256
                return tile[32 * i : 32 * i + 32]
        if n == 1:
            raise ClientError("unreachable: a single leaf is a level-0 tile hash")
        k = largest_power_of_two_below(n)
        return hash_children(self.hash_range(start, start + k), self.hash_range(start + k, end))

    def path(self, m: int, start: int, end: int) -> list[bytes]:
        """RFC 6962 PATH(m, D[start:end])."""
        n = end - start
        if n == 1:
            return []
        k = largest_power_of_two_below(n)
        if m < k:
            return self.path(m, start, start + k) + [self.hash_range(start + k, end)]
        return self.path(m - k, start + k, end) + [self.hash_range(start, start + k)]

    def subproof(self, m: int, start: int, end: int, complete: bool) -> list[bytes]:
        """RFC 6962 SUBPROOF(m, D[start:end], b)."""
        n = end - start
        if m == n:
            return [] if complete else [self.hash_range(start, end)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return self.subproof(m, start, start + k, complete) + [self.hash_range(start + k, end)]
        return self.subproof(m - k, start + k, end, False) + [self.hash_range(start, start + k)]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        raise ClientError("index beyond size")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ClientError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        raise ClientError("inclusion proof does not lead to the root")


def verify_consistency(
    first: int, second: int, proof: list[bytes], first_root: bytes, second_root: bytes
) -> None:
    """RFC 9162 section 2.1.4.2."""
    if first == second:
        if proof or first_root != second_root:
            raise ClientError("equal sizes need equal roots and an empty proof")
        return
    if first & (first - 1) == 0:
        proof = [first_root, *proof]
    if not proof:
        raise ClientError("empty consistency proof")
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ClientError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise ClientError("consistency proof does not join the two roots")
