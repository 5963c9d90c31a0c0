"""The standalone verifier accepts an honest passport bundle and names the first thing tampered."""

import base64
import copy
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lifecycle.merkle import MemoryTree
from lifecycle.note import add_signature_lines, checkpoint_body, cosignature_line, sign_note, vkey
from lifecycle.verify import (
    ALG_COSIGNATURE_V1,
    leaf_data,
    leaf_hash,
    verify_bundle,
)

PROJECT = Path(__file__).resolve().parents[2]
VERIFY_FILE = PROJECT / "lifecycle" / "verify.py"
ORIGIN = "passports.example/log"
WITNESS = "regulator.example/witness"
PASSPORT = "5d1c3a8e-2f4b-4c6d-9e8f-0a1b2c3d4e5f"
OTHER_PASSPORT = "0f0e0d0c-0b0a-4909-8807-060504030201"
ACTOR = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def jwk(key: Ed25519PrivateKey, valid_from: str, valid_until: str | None) -> dict:
    x = b64url(raw(key))
    members = f'{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}'.encode()
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": x,
        "kid": b64url(hashlib.sha256(members).digest()),
        "valid_from": valid_from,
        "valid_until": valid_until,
        "use": "sig",
    }


@dataclass
class World:
    """A log, its keys and one passport's bundle, built the way the server builds them."""

    org_key: Ed25519PrivateKey
    log_key: Ed25519PrivateKey
    witness_key: Ed25519PrivateKey
    tree: MemoryTree
    bundle: dict

    @property
    def log_vkey(self) -> str:
        return vkey(ORIGIN, raw(self.log_key))

    @property
    def witness_vkey(self) -> str:
        return vkey(WITNESS, raw(self.witness_key), alg=ALG_COSIGNATURE_V1)

    @property
    def kid(self) -> str:
        return self.bundle["keys"][0]["kid"]

    def envelope(self, seq: int, prev: str | None, payload: dict, passport: str = PASSPORT) -> dict:
        return {
            "v": 1,
            "passport": passport,
            "seq": seq,
            "prev": prev,
            "type": "created" if seq == 0 else "inspected",
            "time": f"2025-03-0{seq + 1}T10:00:00.000000Z",
            "actor": ACTOR,
            "kid": self.kid,
            "payload": payload,
        }

    def signed(self, envelope: dict) -> tuple[bytes, bytes]:
        data = rfc8785.dumps(envelope)
        return data, self.org_key.sign(data)

    def sign_checkpoint(self, root: bytes | None = None, cosign: bool = True) -> str:
        size = self.tree.size
        body = checkpoint_body(ORIGIN, size, root if root is not None else self.tree.root())
        note = sign_note(body, ORIGIN, self.log_key)
        if cosign:
            note = add_signature_lines(
                note, [cosignature_line(body, WITNESS, self.witness_key, 1741600000)]
            )
        return note


def make_world() -> World:
    world = World(
        org_key=Ed25519PrivateKey.generate(),
        log_key=Ed25519PrivateKey.generate(),
        witness_key=Ed25519PrivateKey.generate(),
        tree=MemoryTree(),
        bundle={},
    )
    retired = Ed25519PrivateKey.generate()
    world.bundle = {
        "format": "passport-bundle/v1",
        "passport": {"id": PASSPORT, "kind": "battery"},
        "keys": [
            jwk(world.org_key, "2025-01-01T00:00:00Z", None),
            jwk(retired, "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z"),
        ],
        "events": [],
        "checkpoint": "",
    }
    prev = None
    for seq in range(4):
        # Other passports' events interleave in the global log.
        other, other_signature = world.signed(world.envelope(seq, None, {}, OTHER_PASSPORT))
        world.tree.append(leaf_data(other, other_signature))
        envelope, signature = world.signed(world.envelope(seq, prev, {"mass_kg": f"{seq}.500"}))
        index = world.tree.append(leaf_data(envelope, signature))
        world.bundle["events"].append(
            {
                "seq": seq,
                "envelope": b64(envelope),
                "signature": b64(signature),
                "kid": world.kid,
                "log_index": index,
                "inclusion_proof": [],
            }
        )
        prev = hashlib.sha256(envelope).hexdigest()
    world.tree.append(b"a later leaf of another passport")
    for event in world.bundle["events"]:
        proof = world.tree.inclusion_proof(event["log_index"], world.tree.size)
        event["inclusion_proof"] = [element.hex() for element in proof]
    world.bundle["checkpoint"] = world.sign_checkpoint()
    return world


@pytest.fixture
def world() -> World:
    return make_world()


def run_cli(*args: str, cwd: Path = PROJECT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lifecycle.verify", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def run_bundle(world: World, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(world.bundle))
    return run_cli(
        "bundle",
        str(path),
        "--log-vkey",
        world.log_vkey,
        "--witness-vkey",
        world.witness_vkey,
        *extra,
    )


def fail_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failures) == 1, result.stdout
    assert result.stdout.splitlines()[-1] == failures[0]
    return failures[0]


def envelope_of(world: World, seq: int) -> dict:
    return json.loads(base64.b64decode(world.bundle["events"][seq]["envelope"]))


def test_an_honest_bundle_passes_every_check_on_the_command_line(
    world: World, tmp_path: Path
) -> None:
    result = run_bundle(world, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("ok   ") for line in lines)
    assert lines[0] == "ok   bundle format"
    assert lines[1].startswith(f"ok   checkpoint signature: {ORIGIN} size 9")
    assert lines[2].startswith(f"ok   witness {WITNESS}: cosigned at 2025-03-10T")
    for seq in range(4):
        for check in ("signature", "chain link", "inclusion"):
            assert any(line.startswith(f"ok   event {seq} {check}") for line in lines), check


def test_every_check_holds_for_an_honest_bundle(world: World) -> None:
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert all(check.ok for check in checks)
    names = [check.name for check in checks]
    assert names[:3] == ["bundle format", "checkpoint signature", f"witness {WITNESS}"]
    assert names[-1] == "event 3 inclusion"
    assert len([name for name in names if name.startswith("key ")]) == 2


def test_a_changed_payload_fails_that_events_signature(world: World, tmp_path: Path) -> None:
    envelope = envelope_of(world, 2)
    envelope["payload"]["mass_kg"] = "1.000"
    world.bundle["events"][2]["envelope"] = b64(rfc8785.dumps(envelope))
    assert fail_line(run_bundle(world, tmp_path)).startswith("FAIL event 2 signature: ")


def test_a_flipped_signature_byte_fails_that_events_signature(world: World, tmp_path: Path) -> None:
    signature = bytearray(base64.b64decode(world.bundle["events"][1]["signature"]))
    signature[10] ^= 0x40
    world.bundle["events"][1]["signature"] = b64(bytes(signature))
    assert fail_line(run_bundle(world, tmp_path)).startswith("FAIL event 1 signature: ")


def test_a_re_signed_event_with_a_forged_prev_fails_the_chain_link(
    world: World, tmp_path: Path
) -> None:
    envelope = envelope_of(world, 3)
    envelope["prev"] = hashlib.sha256(b"a forked history").hexdigest()
    data, signature = world.signed(envelope)
    world.bundle["events"][3].update(envelope=b64(data), signature=b64(signature))
    assert fail_line(run_bundle(world, tmp_path)).startswith("FAIL event 3 chain link: ")


def test_a_flipped_proof_element_fails_that_events_inclusion(world: World, tmp_path: Path) -> None:
    proof = world.bundle["events"][1]["inclusion_proof"]
    proof[-1] = ("0" if proof[-1][0] != "0" else "1") + proof[-1][1:]
    assert fail_line(run_bundle(world, tmp_path)).startswith("FAIL event 1 inclusion: ")


def test_a_missing_proof_element_fails_that_events_inclusion(world: World, tmp_path: Path) -> None:
    world.bundle["events"][0]["inclusion_proof"].pop()
    assert fail_line(run_bundle(world, tmp_path)).startswith("FAIL event 0 inclusion: ")


def test_an_edited_checkpoint_root_fails_the_checkpoint_signature(
    world: World, tmp_path: Path
) -> None:
    root = b64(world.tree.root())
    world.bundle["checkpoint"] = world.bundle["checkpoint"].replace(root, b64(bytes(32)))
    assert fail_line(run_bundle(world, tmp_path)).startswith("FAIL checkpoint signature: ")


def test_a_log_signed_checkpoint_over_another_root_fails_the_first_inclusion(
    world: World, tmp_path: Path
) -> None:
    world.bundle["checkpoint"] = world.sign_checkpoint(root=hashlib.sha256(b"split view").digest())
    assert fail_line(run_bundle(world, tmp_path)).startswith("FAIL event 0 inclusion: ")


def test_the_wrong_log_key_fails_the_checkpoint_signature(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(world.bundle))
    impostor = vkey(ORIGIN, raw(Ed25519PrivateKey.generate()))
    result = run_cli("bundle", str(path), "--log-vkey", impostor)
    assert fail_line(result).startswith("FAIL checkpoint signature: ")


def test_a_checkpoint_without_the_witness_cosignature_fails_that_witness(
    world: World, tmp_path: Path
) -> None:
    world.bundle["checkpoint"] = world.sign_checkpoint(cosign=False)
    assert fail_line(run_bundle(world, tmp_path)).startswith(f"FAIL witness {WITNESS}: ")


def test_a_kid_that_is_not_the_key_thumbprint_fails_that_key(world: World) -> None:
    world.bundle["keys"][1]["kid"] = world.bundle["keys"][0]["kid"][::-1]
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert not checks[-1].ok
    assert checks[-1].name.startswith("key ")
    assert "thumbprint" in checks[-1].detail
    assert all(check.ok for check in checks[:-1])


def test_an_event_signed_before_its_key_became_valid_fails(world: World) -> None:
    world.bundle["keys"][0]["valid_from"] = "2025-03-01T10:00:00.000001Z"
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert (checks[-1].name, checks[-1].ok) == ("event 0 key validity", False)


def test_a_key_is_valid_from_its_first_instant_until_just_before_retirement(world: World) -> None:
    world.bundle["keys"][0]["valid_from"] = "2025-03-01T10:00:00Z"
    assert all(check.ok for check in verify_bundle(world.bundle, world.log_vkey, []))
    world.bundle["keys"][0]["valid_until"] = "2025-03-03T10:00:00.000000Z"
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert (checks[-1].name, checks[-1].ok) == ("event 2 key validity", False)
    assert "retired" in checks[-1].detail


def test_reordered_events_fail_the_sequence(world: World) -> None:
    events = world.bundle["events"]
    events[1], events[2] = events[2], events[1]
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert (checks[-1].name, checks[-1].ok) == ("event 1 sequence", False)


def test_an_event_of_another_passport_fails_the_passport_check(world: World) -> None:
    world.bundle["passport"]["id"] = OTHER_PASSPORT
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert (checks[-1].name, checks[-1].ok) == ("event 0 passport", False)


def test_an_event_naming_an_unlisted_key_fails_the_key_check(world: World) -> None:
    world.bundle["keys"].pop(0)
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert (checks[-1].name, checks[-1].ok) == ("event 0 key", False)


def test_a_log_index_beyond_the_checkpoint_fails_inclusion(world: World) -> None:
    world.bundle["events"][2]["log_index"] = world.tree.size
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert (checks[-1].name, checks[-1].ok) == ("event 2 inclusion", False)
    assert "outside the checkpoint size" in checks[-1].detail


def test_verification_stops_at_the_first_failure(world: World) -> None:
    world.bundle["events"][0]["signature"] = b64(bytes(64))
    world.bundle["events"][2]["inclusion_proof"] = []
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert [check.ok for check in checks].count(False) == 1
    assert checks[-1].name == "event 0 signature"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda bundle: bundle.pop("events"),
        lambda bundle: bundle.update(events=[]),
        lambda bundle: bundle.update(format="passport-bundle/v0"),
        lambda bundle: bundle["events"][0].update(envelope="not base64!"),
        lambda bundle: bundle["events"][0].update(envelope=b64(b'{"seq":0,"seq":0}')),
        lambda bundle: bundle["events"][0].update(inclusion_proof=["zz"]),
        lambda bundle: bundle["events"][0].update(log_index="3"),
        lambda bundle: bundle["keys"].append("a key"),
        lambda bundle: bundle.update(checkpoint=None),
    ],
)
def test_malformed_bundles_fail_closed_without_raising(world: World, mangle) -> None:
    mangle(world.bundle)
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert not checks[-1].ok
    assert all(check.ok for check in checks[:-1])


def test_unreadable_files_and_bad_json_exit_1_without_a_traceback(tmp_path: Path) -> None:
    missing = run_cli("bundle", str(tmp_path / "missing.json"), "--log-vkey", "x+00000000+AA==")
    assert fail_line(missing).startswith("FAIL bundle file: cannot read")
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ')
    assert fail_line(run_cli("bundle", str(broken), "--log-vkey", "x")).startswith(
        "FAIL bundle file: not valid JSON"
    )


def test_a_malformed_log_vkey_exits_1_without_a_traceback(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(world.bundle))
    result = run_cli("bundle", str(path), "--log-vkey", "not a vkey")
    assert fail_line(result).startswith("FAIL checkpoint signature: ")


def test_the_inclusion_command_accepts_tree_proofs_and_rejects_flipped_ones(world: World) -> None:
    tree, index, size = world.tree, 3, 7
    proof = [element.hex() for element in tree.inclusion_proof(index, size)]
    leaf = leaf_hash(
        leaf_data(
            base64.b64decode(world.bundle["events"][1]["envelope"]),
            base64.b64decode(world.bundle["events"][1]["signature"]),
        )
    )
    args = [
        "inclusion",
        "--leaf-hash",
        leaf.hex(),
        "--index",
        str(index),
        "--size",
        str(size),
        "--root",
        tree.root(size).hex(),
    ]
    result = run_cli(*args, "--proof", *proof)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok   inclusion of leaf 3 in tree of size 7")
    repeated = [part for element in proof for part in ("--proof", element)]
    assert run_cli(*args, *repeated).returncode == 0
    flipped = [proof[0][:-1] + ("0" if proof[0][-1] != "0" else "1"), *proof[1:]]
    assert fail_line(run_cli(*args, "--proof", *flipped)).startswith("FAIL inclusion of leaf 3")


def test_the_consistency_command_accepts_tree_proofs_and_rejects_flipped_ones(
    world: World,
) -> None:
    tree = world.tree
    proof = [element.hex() for element in tree.consistency_proof(3, tree.size)]
    args = [
        "consistency",
        "--size1",
        "3",
        "--size2",
        str(tree.size),
        "--root1",
        tree.root(3).hex(),
        "--root2",
        tree.root().hex(),
    ]
    result = run_cli(*args, "--proof", *proof)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"ok   consistency from size 3 to {tree.size}")
    flipped = [*proof[:-1], proof[-1][:-1] + ("0" if proof[-1][-1] != "0" else "1")]
    assert fail_line(run_cli(*args, "--proof", *flipped)).startswith("FAIL consistency")
    assert fail_line(run_cli(*args, "--proof", *proof[:-1])).startswith("FAIL consistency")


def test_bad_hex_exits_1_and_bad_usage_exits_2_without_a_traceback() -> None:
    root = "00" * 32
    bad_hex = run_cli(
        "inclusion", "--leaf-hash", "0g" * 32, "--index", "0", "--size", "1", "--root", root
    )
    assert "is not hex" in fail_line(bad_hex)
    spaced = run_cli(
        "inclusion", "--leaf-hash", "00 " * 32, "--index", "0", "--size", "1", "--root", root
    )
    assert "is not hex" in fail_line(spaced)
    usage = run_cli(
        "inclusion", "--leaf-hash", root, "--index", "-1", "--size", "1", "--root", root
    )
    assert usage.returncode == 2
    assert "Traceback" not in usage.stderr
    assert run_cli().returncode == 2


def test_the_verifier_imports_nothing_from_django() -> None:
    code = (
        "import sys, lifecycle.verify, lifecycle.merkle, lifecycle.note; "
        "assert not any(m.split('.')[0] == 'django' for m in sys.modules), 'django imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_a_copy_of_the_single_verifier_file_checks_a_bundle_on_its_own(
    world: World, tmp_path: Path
) -> None:
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    shutil.copy(VERIFY_FILE, auditor / "verify.py")
    (auditor / "bundle.json").write_text(json.dumps(world.bundle))
    command = [
        sys.executable,
        "verify.py",
        "bundle",
        "bundle.json",
        "--log-vkey",
        world.log_vkey,
        "--witness-vkey",
        world.witness_vkey,
    ]
    result = subprocess.run(command, cwd=auditor, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    tampered = copy.deepcopy(world.bundle)
    tampered["events"][2]["signature"] = world.bundle["events"][1]["signature"]
    (auditor / "bundle.json").write_text(json.dumps(tampered))
    result = subprocess.run(command, cwd=auditor, capture_output=True, text=True, timeout=60)
    assert fail_line(result).startswith("FAIL event 2 signature")


def test_upper_case_hex_proof_elements_verify_as_lower_case_do(world: World) -> None:
    for event in world.bundle["events"]:
        event["inclusion_proof"] = [element.upper() for element in event["inclusion_proof"]]
    assert all(check.ok for check in verify_bundle(world.bundle, world.log_vkey, []))


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        # 64 characters, but bytes.fromhex would skip the spaces and give 31 bytes.
        (lambda h: h[:31] + " " + h[32:62] + " ", "inclusion proof element is not hex"),
        (lambda h: h[:62], "proof element 1 must be 32 bytes, got 31"),
        (lambda h: h + "00", "proof element 1 must be 32 bytes, got 33"),
        (lambda h: "g" + h[1:], "inclusion proof element is not hex"),
        (lambda h: int(h, 16), "inclusion proof element is not hex"),
        (lambda h: "\u0660" * 64, "inclusion proof element is not hex"),
    ],
)
def test_a_proof_element_that_is_not_64_hex_digits_fails_inclusion_with_its_reason(
    world: World, mangle, reason: str
) -> None:
    proof = world.bundle["events"][2]["inclusion_proof"]
    proof[1] = mangle(proof[1])
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    assert (checks[-1].name, checks[-1].ok, checks[-1].detail) == (
        "event 2 inclusion",
        False,
        reason,
    )
    assert all(check.ok for check in checks[:-1])


def test_each_passing_event_reports_its_eight_checks_in_order(world: World) -> None:
    checks = verify_bundle(world.bundle, world.log_vkey, [world.witness_vkey])
    event_1 = [check for check in checks if check.name.startswith("event 1 ")]
    assert [check.name.removeprefix("event 1 ") for check in event_1] == [
        "envelope",
        "sequence",
        "passport",
        "key",
        "key validity",
        "signature",
        "chain link",
        "inclusion",
    ]
    assert event_1[3].detail == world.kid
    assert event_1[7].detail == f"leaf {world.bundle['events'][1]['log_index']} of 9"
