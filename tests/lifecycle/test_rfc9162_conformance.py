"""The verifier agrees with transparency-dev/merkle's RFC 9162 proof test data."""

import base64
import json
from pathlib import Path

import pytest

from lifecycle.verify import VerificationError, verify_consistency, verify_inclusion

PROBES = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "rfc9162-probes.jsonl"

if not PROBES.exists():
    pytest.skip(
        f"conformance data not present at {PROBES} (it sits beside the project, not in it)",
        allow_module_level=True,
    )

CASES = [json.loads(line) for line in PROBES.read_text().splitlines() if line.strip()]

# The source accepts equal sizes with matching 12-byte placeholder "roots"; this verifier
# insists every hash is 32 bytes, so it refuses them on purpose.
STRICTER_HERE = {"testdata/consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


def decode(value: str | None) -> bytes:
    return base64.b64decode(value) if value is not None else b""


def check(case: dict) -> None:
    proof = [decode(element) for element in case["proof"] or []]
    if "leafIdx" in case:
        verify_inclusion(
            decode(case["leafHash"]), case["leafIdx"], case["treeSize"], proof, decode(case["root"])
        )
    else:
        verify_consistency(
            case["size1"], case["size2"], proof, decode(case["root1"]), decode(case["root2"])
        )


def test_the_data_has_both_kinds_of_cases_and_both_outcomes() -> None:
    kinds = {("leafIdx" in case, case["wantErr"]) for case in CASES}
    assert kinds == {(True, True), (True, False), (False, True), (False, False)}


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if not c["wantErr"] and c["file"] not in STRICTER_HERE],
    ids=lambda c: c["file"],
)
def test_valid_proofs_verify(case: dict) -> None:
    check(case)


@pytest.mark.parametrize("case", [c for c in CASES if c["wantErr"]], ids=lambda c: c["file"])
def test_invalid_proofs_are_rejected(case: dict) -> None:
    with pytest.raises(VerificationError):
        check(case)


@pytest.mark.parametrize("file", sorted(STRICTER_HERE))
def test_short_placeholder_roots_are_rejected_even_when_the_sizes_match(file: str) -> None:
    (case,) = [c for c in CASES if c["file"] == file]
    with pytest.raises(VerificationError, match="32 bytes"):
        check(case)
