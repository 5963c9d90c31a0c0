"""The transparency log over HTTP: checkpoints, proofs, leaves, cosignatures, bundles."""

import base64
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lifecycle import note
from lifecycle.models import Checkpoint, Event, LogLeaf
from lifecycle.services.log import checkpoint_publish, log_integrate
from lifecycle.services.witness import witness_name, witness_vkey
from lifecycle.verify import parse_checkpoint, verify_checkpoint
from passports.models import SigningKey
from passports.services.keys import signer_for
from tests.factories import declaration

ROOT = Path(__file__).resolve().parents[2]


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 MTH written from the definition, independent of the project's tree code."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(
        b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])
    ).digest()


def reference_path(index: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < k:
        return reference_path(index, leaves[:k]) + [reference_root(leaves[k:])]
    return reference_path(index - k, leaves[k:]) + [reference_root(leaves[:k])]


@pytest.fixture
def busy_log(manufacturer):
    """Five passports with a few events each, all integrated and checkpointed."""
    for i in range(5):
        created = manufacturer.client.post(
            "/api/v1/passports/",
            declaration(serial=f"LOG-{i}"),
            format="json",
        ).json()  # fmt: skip
        for country in ("FR", "DE"):
            manufacturer.client.post(
                f"/api/v1/passports/{created['id']}/events/",
                {"type": "placed_on_market", "occurred_at": "2026-06-01T00:00:00Z",
                 "payload": {"country": country}},
                format="json",
            )  # fmt: skip
    # Test transactions never commit, so the on-commit integration is run here by hand.
    log_integrate()
    checkpoint_publish()
    return manufacturer


def test_every_event_is_a_leaf_and_the_root_matches_an_independent_computation(busy_log, regulator):
    size = LogLeaf.objects.count()
    leaves = regulator.client.get(f"/api/v1/log/leaves?start=0&end={size}").json()
    data = [base64.b64decode(leaf["data"]) for leaf in leaves]

    checkpoint = busy_log.client.get("/api/v1/log/checkpoint?format=json").json()

    assert size == Event.objects.count() == 15
    assert checkpoint["size"] == 15
    assert checkpoint["root"] == reference_root(data).hex()


def test_inclusion_proofs_match_the_rfc_definition(busy_log, regulator):
    leaves = regulator.client.get("/api/v1/log/leaves?start=0&end=15").json()
    data = [base64.b64decode(leaf["data"]) for leaf in leaves]

    for index in (0, 6, 14):
        proof = busy_log.client.get(f"/api/v1/log/proof/inclusion?index={index}&size=15").json()
        assert [bytes.fromhex(p) for p in proof["proof"]] == reference_path(index, data)
        assert proof["leaf_hash"] == hashlib.sha256(b"\x00" + data[index]).hexdigest()


def test_leaf_data_is_the_signed_event(busy_log, regulator):
    leaf = regulator.client.get("/api/v1/log/leaves?start=0&end=1").json()[0]
    signed = json.loads(base64.b64decode(leaf["data"]))
    event = Event.objects.get(leaf__index=0)

    assert json.loads(bytes(event.envelope)) == signed["envelope"]
    assert base64.b64decode(signed["signature"]) == bytes(event.signature)


def test_consistency_proof_verifies_with_the_cli(busy_log):
    proof = busy_log.client.get("/api/v1/log/proof/consistency?first=6&second=15").json()

    result = subprocess.run(
        [sys.executable, "-m", "lifecycle.verify", "consistency", "--size1", "6", "--size2", "15",
         "--root1", proof["first_root"], "--root2", proof["second_root"],
         "--proof", *proof["proof"]],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "query",
    ["index=15&size=15", "index=0&size=16", "index=-1&size=3", "index=a&size=3", "size=3"],
)
def test_bad_inclusion_requests_are_400(busy_log, anonymous, query):
    response = anonymous.get(f"/api/v1/log/proof/inclusion?{query}")

    assert response.status_code == 400
    assert response.json()["errors"]


def test_bad_consistency_requests_are_400(anonymous, busy_log):
    assert anonymous.get("/api/v1/log/proof/consistency?first=9&second=3").status_code == 400
    assert anonymous.get("/api/v1/log/proof/consistency?first=0&second=3").status_code == 400


def test_leaves_are_for_regulators(busy_log, recycler, anonymous):
    assert recycler.client.get("/api/v1/log/leaves?start=0&end=2").status_code == 403
    assert anonymous.get("/api/v1/log/leaves?start=0&end=2").status_code == 401


def test_leaf_ranges_are_bounded(regulator, busy_log):
    assert regulator.client.get("/api/v1/log/leaves?start=0&end=5000").status_code == 400
    assert regulator.client.get("/api/v1/log/leaves?start=5&end=2").status_code == 400


def test_checkpoint_note_verifies_with_the_published_vkey(busy_log, anonymous):
    text = anonymous.get("/api/v1/log/checkpoint").content.decode()
    vkey = anonymous.get("/api/v1/log/vkey").content.decode().strip()

    checkpoint = verify_checkpoint(text, vkey)
    assert checkpoint.size == 15


def test_no_checkpoint_yet_is_404(anonymous, db):
    assert anonymous.get("/api/v1/log/checkpoint").status_code == 404


def test_checkpoints_are_all_kept(busy_log, manufacturer):
    before = Checkpoint.objects.count()
    manufacturer.client.post("/api/v1/passports/", declaration(serial="ONE-MORE"), format="json")
    log_integrate()
    checkpoint_publish()

    listing = manufacturer.client.get("/api/v1/log/checkpoints/").json()
    assert listing["count"] == before + 1
    assert listing["results"][0]["size"] == 16


def regulator_cosignature(regulator, size: int) -> str:
    checkpoint = Checkpoint.objects.get(pk=size)
    signer = signer_for(organisation=regulator.organisation)
    return note.cosignature_line(
        checkpoint.body, witness_name(regulator.organisation), signer._private, int(time.time())
    )


def test_regulator_cosigns_and_the_served_note_carries_it(busy_log, regulator, anonymous):
    line = regulator_cosignature(regulator, 15)

    response = regulator.client.post(
        "/api/v1/log/checkpoints/15/cosign", {"cosignature": line}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["cosigned_by"] == [str(regulator.organisation.id)]
    served = anonymous.get("/api/v1/log/checkpoint").content.decode()
    assert line in served
    key = SigningKey.objects.get(organisation=regulator.organisation)
    witnesses = anonymous.get("/api/v1/log/witnesses").json()
    assert witnesses[0]["vkey"] == witness_vkey(key)


def test_a_cosignature_that_does_not_verify_is_refused(busy_log, regulator, make_actor):
    impostor = make_actor("regulator", "Impostor")
    line = regulator_cosignature(impostor, 15).replace(
        witness_name(impostor.organisation), witness_name(regulator.organisation)
    )

    response = regulator.client.post(
        "/api/v1/log/checkpoints/15/cosign", {"cosignature": line}, format="json"
    )

    assert response.status_code == 400
    assert "does not verify" in response.json()["errors"][0]["message"]


def test_cosigning_twice_is_409(busy_log, regulator):
    line = regulator_cosignature(regulator, 15)
    url = "/api/v1/log/checkpoints/15/cosign"
    regulator.client.post(url, {"cosignature": line}, format="json")

    assert regulator.client.post(url, {"cosignature": line}, format="json").status_code == 409


def test_only_regulators_cosign(busy_log, manufacturer, anonymous, regulator):
    line = regulator_cosignature(regulator, 15)
    url = "/api/v1/log/checkpoints/15/cosign"

    assert manufacturer.client.post(url, {"cosignature": line}, format="json").status_code == 403
    assert anonymous.post(url, {"cosignature": line}, format="json").status_code == 401
    missing = regulator.client.post(
        "/api/v1/log/checkpoints/999/cosign", {"cosignature": line}, format="json"
    )
    assert missing.status_code == 404


def verify_bundle_cli(bundle: dict, tmp_path, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    return subprocess.run(
        [sys.executable, "-m", "lifecycle.verify", "bundle", str(path),
         "--log-vkey", bundle["log_vkey"], *extra],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_bundle_verifies_offline_with_witnesses(busy_log, regulator, tmp_path):
    passport = Event.objects.filter(seq=2).first().passport_id
    bundle = regulator.client.get(f"/api/v1/passports/{passport}/bundle/").json()
    line = regulator_cosignature(regulator, 15)
    regulator.client.post("/api/v1/log/checkpoints/15/cosign", {"cosignature": line},
                          format="json")  # fmt: skip
    cosigned = regulator.client.get(f"/api/v1/passports/{passport}/bundle/").json()
    witness = witness_vkey(SigningKey.objects.get(organisation=regulator.organisation))

    plain = verify_bundle_cli(bundle, tmp_path)
    with_witness = verify_bundle_cli(cosigned, tmp_path, "--witness-vkey", witness)

    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "event 2 inclusion" in plain.stdout
    assert with_witness.returncode == 0, with_witness.stdout + with_witness.stderr
    assert parse_checkpoint(cosigned["checkpoint"].split("\n\n")[0] + "\n").size == 15


def test_bundle_with_a_tampered_event_fails_naming_it(busy_log, regulator, tmp_path):
    passport = Event.objects.filter(seq=2).first().passport_id
    bundle = regulator.client.get(f"/api/v1/passports/{passport}/bundle/").json()
    envelope = json.loads(base64.b64decode(bundle["events"][1]["envelope"]))
    envelope["payload"]["country"] = "XX"
    bundle["events"][1]["envelope"] = base64.b64encode(
        json.dumps(envelope, separators=(",", ":"), sort_keys=True).encode()
    ).decode()

    result = verify_bundle_cli(bundle, tmp_path)

    assert result.returncode == 1
    assert "event 1 signature" in result.stdout


def test_bundle_covers_events_not_yet_checkpointed(busy_log, regulator, tmp_path):
    passport = Event.objects.filter(seq=2).first().passport_id
    busy_log.client.post(
        f"/api/v1/passports/{passport}/events/",
        {"type": "health_reported", "occurred_at": "2026-06-02T00:00:00Z",
         "payload": {"state_of_health_pct": "99"}},
        format="json",
    )  # fmt: skip

    bundle = regulator.client.get(f"/api/v1/passports/{passport}/bundle/").json()

    assert len(bundle["events"]) == 4
    assert verify_bundle_cli(bundle, tmp_path).returncode == 0


def test_bundle_is_404_for_public_readers_and_401_for_anonymous(busy_log, other_manufacturer,
                                                                anonymous):  # fmt: skip
    passport = Event.objects.first().passport_id

    assert other_manufacturer.client.get(f"/api/v1/passports/{passport}/bundle/").status_code == 404
    assert anonymous.get(f"/api/v1/passports/{passport}/bundle/").status_code == 401


def test_events_list_shows_log_index_and_inclusion(busy_log):
    passport = Event.objects.filter(seq=2).first().passport_id

    events = busy_log.client.get(f"/api/v1/passports/{passport}/events/").json()["results"]

    assert all(e["inclusion"] == "checkpointed" for e in events)
    assert sorted(e["log_index"] for e in events) == sorted(
        Event.objects.filter(passport_id=passport).values_list("leaf__index", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_events_are_integrated_and_checkpointed_once_committed(make_actor):
    manufacturer = make_actor("manufacturer", "Acme", gs1_company_prefix="9506000")

    created = manufacturer.client.post("/api/v1/passports/", declaration(), format="json").json()

    events = manufacturer.client.get(f"/api/v1/passports/{created['id']}/events/").json()
    assert events["results"][0]["log_index"] == 0
    assert events["results"][0]["inclusion"] == "checkpointed"
    assert Checkpoint.objects.get().size == 1


def test_the_log_keeps_its_name_when_the_setting_changes(busy_log, settings, manufacturer):
    settings.LOG_ORIGIN = "elsewhere.example/log"
    manufacturer.client.post("/api/v1/passports/", declaration(serial="RENAMED"), format="json")
    log_integrate()

    checkpoint = checkpoint_publish()

    assert checkpoint.body.startswith("127.0.0.1:8000/log\n")
