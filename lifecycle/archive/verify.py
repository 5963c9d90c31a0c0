"""Checking a backup archive before anything of it is believed: every problem, by name.

Pure (no Django): the per-passport checks are lifecycle/verify.py's bundle verifier, run on each
archived bundle against the archive's checkpoint; this module adds what a whole archive needs:
the manifest's signature, the members' digests, and that each stored record is the one the
signed chain describes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass, field

from lifecycle.archive.format import (
    ARCHIVE_FORMAT,
    CHECKPOINT,
    KEYS,
    MANIFEST,
    SIGNATURE,
    bundle_member,
    record_member,
    signed_text,
)
from lifecycle.verify import (
    VerificationError,
    _field,
    _utc,
    jwk_thumbprint,
    loads_strict,
    verify_bundle,
    verify_checkpoint,
    verify_note,
)

# An archive's members are read whole into memory; refuse one that would unpack past this.
MAX_UNPACKED_BYTES = 4 * 1024**3


@dataclass
class Archive:
    """A verified archive's contents, parsed."""

    manifest: dict
    checkpoint: str
    keys: list[dict]
    bundles: dict[str, dict] = field(default_factory=dict)
    records: dict[str, dict] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.manifest["origin"]["host"]

    @property
    def log_vkey(self) -> str:
        return self.manifest["origin"]["log_vkey"]


@dataclass
class ArchiveRejected(Exception):
    """An archive that does not verify; each problem names what failed."""

    problems: list[str]

    def __str__(self) -> str:
        return "; ".join(self.problems)


def archive_verify(data: bytes, *, log_vkey: str | None = None) -> Archive:
    """Verifies everything in the archive; raises ArchiveRejected listing every problem found.

    `log_vkey` pins the origin log's key (from a witness or the origin's published vkey);
    without it the key the archive names is used, and only the archive's self-consistency is
    proven.
    """
    members = _unzip(data)
    manifest = _manifest(members, log_vkey)
    problems = _member_digests(members, manifest)
    vkey = manifest["origin"]["log_vkey"]
    checkpoint = members.get(CHECKPOINT, b"").decode("utf-8", "replace")
    try:
        parsed = verify_checkpoint(checkpoint, vkey)
        expected = manifest["checkpoint"]
        if parsed.size != expected.get("size") or parsed.root.hex() != expected.get("root"):
            problems.append("checkpoint: size or root differs from the manifest's")
    except VerificationError as error:
        problems.append(f"checkpoint: {error.reason}")
    keys = _json(members, KEYS, problems)
    archive = Archive(manifest, checkpoint, keys if isinstance(keys, list) else [])
    organisations = {org["id"] for org in manifest["organisations"]}
    problems.extend(_key_problems(archive.keys, organisations))
    known = {key.get("kid"): key.get("x") for key in archive.keys if isinstance(key, dict)}
    for passport_id in manifest["passports"]:
        problems.extend(_passport(members, archive, str(passport_id), vkey, known))
    if problems:
        raise ArchiveRejected(problems)
    return archive


def _unzip(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                raise ArchiveRejected(["archive: unpacks to more than the 4 GiB allowed"])
            names = [info.filename for info in infos]
            if len(set(names)) != len(names):
                raise ArchiveRejected(["archive: a member name occurs twice"])
            return {info.filename: archive.read(info) for info in infos}
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise ArchiveRejected([f"archive: not a readable zip file ({error})"]) from error


def _manifest(members: dict[str, bytes], pinned: str | None) -> dict:
    """The manifest, once its signature by the origin's log key verifies; else rejected."""
    problems: list[str] = []
    manifest = _json(members, MANIFEST, problems)
    if problems:
        raise ArchiveRejected(problems)
    try:
        if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
            raise VerificationError(f"format is not {ARCHIVE_FORMAT!r}")
        origin = manifest["origin"]
        vkey = origin["log_vkey"]
        if pinned is not None and vkey != pinned:
            raise VerificationError(f"signed for log key {vkey}, not the given {pinned}")
        if not isinstance(manifest["passports"], list) or not manifest["passports"]:
            raise VerificationError("lists no passports")
        if not isinstance(manifest["members"], dict):
            raise VerificationError("members is not an object")
        _check_organisations(manifest["organisations"])
        text = verify_note(members.get(SIGNATURE, b"").decode("utf-8", "replace"), vkey)
        expected = signed_text(
            host=origin["host"],
            organisation_id=manifest["organisation"],
            manifest_sha256=hashlib.sha256(members[MANIFEST]).hexdigest(),
        )
        if text != expected:
            raise VerificationError(f"{SIGNATURE} vouches for another manifest")
    except VerificationError as error:
        raise ArchiveRejected([f"manifest: {error.reason}"]) from error
    except (KeyError, TypeError, AttributeError) as error:
        raise ArchiveRejected([f"manifest: malformed ({error!r})"]) from error
    return manifest


def _check_organisations(organisations: object) -> None:
    if not isinstance(organisations, list):
        raise VerificationError("organisations is not a list")
    for org in organisations:
        for name in ("id", "name", "kind", "country", "gs1_company_prefix"):
            if not isinstance(org, dict) or not isinstance(org.get(name), str):
                raise VerificationError(f"an organisation has no {name!r} string")
        _uuid(org["id"], "organisation id")


def _key_problems(keys: list, organisations: set[str]) -> list[str]:
    """keys.json's own checks: the bundles' checks cover only the keys each bundle carries."""
    problems = []
    for position, jwk in enumerate(keys):
        try:
            kid = _field(jwk, "kid", str, "key")
            if kid != jwk_thumbprint(_field(jwk, "x", str, "key")):
                raise VerificationError("kid is not the RFC 7638 thumbprint of the key")
            owner = _field(_field(jwk, "owner", dict, "key"), "id", str, "key owner")
            if owner not in organisations:
                raise VerificationError(f"its owner {owner} is not among the manifest's")
            _utc(_field(jwk, "valid_from", str, "key"), "valid_from")
            until = _field(jwk, "valid_until", (str, type(None)), "key")
            if until is not None:
                _utc(until, "valid_until")
        except VerificationError as error:
            problems.append(f"{KEYS} key #{position}: {error.reason}")
    return problems


def _uuid(text: str, what: str) -> None:
    try:
        uuid.UUID(text)
    except ValueError as error:
        raise VerificationError(f"{what} {text!r} is not a UUID") from error


def _member_digests(members: dict[str, bytes], manifest: dict) -> list[str]:
    problems = []
    listed = manifest["members"]
    for name in sorted(set(members) - {MANIFEST, SIGNATURE}):
        if name not in listed:
            problems.append(f"member {name}: not listed in the manifest")
        elif hashlib.sha256(members[name]).hexdigest() != listed[name]:
            problems.append(f"member {name}: SHA-256 differs from the manifest's")
    problems.extend(f"member {name}: listed in the manifest but missing"
                    for name in sorted(set(listed) - set(members)))  # fmt: skip
    return problems


def _json(members: dict[str, bytes], name: str, problems: list[str]):
    if name not in members:
        problems.append(f"member {name}: missing")
        return None
    try:
        return loads_strict(members[name])
    except VerificationError as error:
        problems.append(f"member {name}: {error.reason}")
        return None


def _passport(members, archive: Archive, passport_id: str, vkey: str, known: dict) -> list[str]:
    """The problems of one archived passport: its bundle, then its record against the chain."""
    where = f"passport {passport_id}"
    problems: list[str] = []
    bundle = _json(members, bundle_member(passport_id), problems)
    record = _json(members, record_member(passport_id), problems)
    if problems:
        return problems
    if not isinstance(bundle, dict) or bundle.get("checkpoint") != archive.checkpoint:
        return [f"{where}: its bundle's checkpoint is not the archive's"]
    failed = [check for check in verify_bundle(bundle, vkey, []) if not check.ok]
    if failed:
        return [_named(where, failed[0].name, failed[0].detail)]
    if bundle["passport"].get("id") != passport_id:
        return [f"{where}: its bundle describes passport {bundle['passport'].get('id')}"]
    for jwk in bundle["keys"]:
        if known.get(jwk["kid"]) != jwk["x"]:
            return [f"{where}: key {jwk['kid']} is not in {KEYS}"]
    try:
        _record_matches_chain(record, bundle, passport_id, archive.manifest)
    except VerificationError as error:
        return [f"{where} record: {error.reason}"]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        return [f"{where} record: malformed ({error!r})"]
    archive.bundles[passport_id] = bundle
    archive.records[passport_id] = record
    return []


def _named(where: str, check: str, detail: str) -> str:
    """'event 3 signature' -> 'passport <id> event seq 3: signature: <why>'."""
    parts = check.split(" ", 2)
    if parts[0] == "event" and len(parts) == 3:
        seq, step = parts[1], parts[2]
        if step == "sequence":
            return f"{where} event seq {seq}: missing or out of order ({detail})"
        return f"{where} event seq {seq}: {step}: {detail}"
    return f"{where} {check}: {detail}"


def _record_matches_chain(record: dict, bundle: dict, passport_id: str, manifest: dict) -> None:
    """The stored row must be the one the signed genesis describes, at the chain's head."""
    envelopes = [base64.b64decode(event["envelope"]) for event in bundle["events"]]
    genesis = loads_strict(envelopes[0])["payload"]
    if record["id"] != passport_id:
        raise VerificationError(f"describes passport {record['id']}")
    if record["manufacturer"] != manifest["organisation"]:
        raise VerificationError("its manufacturer is not the archived organisation")
    for name in ("product_type", "gtin", "serial", "gbt_code"):
        if record[name] != genesis[name]:
            raise VerificationError(f"{name} differs from the signed genesis event")
    declaration = base64.b64decode(record["declaration"], validate=True)
    if hashlib.sha256(declaration).hexdigest() != genesis["declaration_sha256"]:
        raise VerificationError("the declaration's digest differs from the signed genesis event")
    head = hashlib.sha256(envelopes[-1]).hexdigest()
    if record["head_hash"] != head:
        raise VerificationError(
            f"its head {record['head_hash']} is not the last archived event's hash {head} "
            "(an event is missing from the chain's end)"
        )
    if len(record["event_ids"]) != len(envelopes):
        raise VerificationError("lists a different number of events than its chain")
    for event_id in record["event_ids"]:
        _uuid(event_id, "event id")
    named = {org["id"] for org in manifest["organisations"]}
    if record["holder"] is not None and record["holder"] not in named:
        raise VerificationError(f"its holder {record['holder']} is not among the manifest's")
    for envelope in envelopes:
        actor = loads_strict(envelope)["actor"]
        if actor not in named:
            raise VerificationError(f"actor {actor} is not among the manifest's organisations")
