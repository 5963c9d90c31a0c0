"""A backup archive verifies whole, and any tampering is refused with what failed named."""

import json

import pytest

from lifecycle.archive.verify import ArchiveRejected, archive_verify
from lifecycle.verify import verify_bundle
from passports.models import Passport
from tests.lifecycle.archive_helpers import (
    break_checkpoint_signature,
    export,
    flip_payload_byte,
    members_of,
    origin_vkey,
    populate,
    remove_event,
    rewrite_bundle,
    zipped,
)


@pytest.fixture
def archived(manufacturer, make_actor, tmp_path):
    ids = populate(manufacturer, make_actor("repairer", "Fix It"))
    return ids, export(manufacturer.organisation, tmp_path / "a.zip")


def rejected(data: bytes, **kwargs) -> list[str]:
    with pytest.raises(ArchiveRejected) as caught:
        archive_verify(data, **kwargs)
    return caught.value.problems


def test_an_exported_archive_verifies_with_the_origin_log_key(archived):
    ids, data = archived

    archive = archive_verify(data, log_vkey=origin_vkey())

    assert sorted(archive.records) == sorted(ids)
    assert [len(archive.bundles[i]["events"]) for i in ids] == [4, 1]
    assert archive.records[ids[0]]["head_hash"] == Passport.objects.get(pk=ids[0]).head_hash


def test_each_archived_bundle_verifies_alone_with_the_offline_verifier(archived):
    ids, data = archived
    bundle = json.loads(members_of(data)[f"passports/{ids[0]}.json"])

    checks = verify_bundle(bundle, origin_vkey(), [])

    assert checks and all(check.ok for check in checks), checks


def test_the_archive_keeps_the_retired_key_that_signed_older_events(archived):
    _, data = archived
    keys = json.loads(members_of(data)["keys.json"])

    retired = [k for k in keys if k["owner"]["name"] == "Acme Cells" and k["valid_until"]]

    assert len(retired) == 1


def test_a_changed_payload_byte_is_refused_naming_the_event(archived):
    ids, data = archived

    problems = rejected(rewrite_bundle(data, ids[0], flip_payload_byte(2)))

    assert (
        f"passport {ids[0]} event seq 2: signature: Ed25519 signature over the envelope "
        "does not verify" in problems
    )
    assert f"member passports/{ids[0]}.json: SHA-256 differs from the manifest's" in problems


def test_a_removed_event_is_refused_naming_the_gap(archived):
    ids, data = archived

    problems = rejected(rewrite_bundle(data, ids[0], remove_event(1)))

    assert any(p.startswith(f"passport {ids[0]} event seq 1: missing") for p in problems)


def test_a_removed_last_event_is_refused_by_the_record_head(archived):
    ids, data = archived

    problems = rejected(rewrite_bundle(data, ids[0], remove_event(3)))

    assert any(p.startswith(f"passport {ids[0]} record: its head") for p in problems), problems


def test_a_wrong_checkpoint_signature_is_refused(archived):
    _, data = archived

    problems = rejected(break_checkpoint_signature(data))

    assert any(p.startswith("checkpoint: ") and "does not verify" in p for p in problems)


def test_an_archive_signed_by_another_log_key_is_refused(archived):
    _, data = archived
    other = "elsewhere/log+00000000+AQ" + "A" * 42 + "="

    problems = rejected(data, log_vkey=other)

    assert problems == [f"manifest: signed for log key {origin_vkey()}, not the given {other}"]


def test_a_member_added_after_signing_is_refused(archived):
    _, data = archived
    members = members_of(data)
    members["passports/extra.json"] = b"{}"

    problems = rejected(zipped(members))

    assert "member passports/extra.json: not listed in the manifest" in problems


def test_a_rewritten_manifest_is_refused(archived):
    _, data = archived
    members = members_of(data)
    manifest = json.loads(members["manifest.json"])
    manifest["passports"] = manifest["passports"][:1]
    members["manifest.json"] = json.dumps(manifest).encode()

    assert rejected(zipped(members)) == ["manifest: manifest.sig vouches for another manifest"]


def test_something_that_is_not_a_zip_is_refused():
    assert rejected(b"not a zip")[0].startswith("archive: not a readable zip file")


def test_a_key_whose_kid_is_not_its_thumbprint_is_refused(archived):
    _, data = archived
    members = members_of(data)
    keys = json.loads(members["keys.json"])
    keys[0]["kid"] = keys[1]["kid"]
    members["keys.json"] = json.dumps(keys).encode()

    problems = rejected(zipped(members))

    assert "keys.json key #0: kid is not the RFC 7638 thumbprint of the key" in problems


def test_a_record_naming_a_holder_outside_the_archive_is_refused(archived):
    ids, data = archived
    members = members_of(data)
    record = json.loads(members[f"records/{ids[1]}.json"])
    record["holder"] = "00000000-0000-4000-8000-000000000000"
    members[f"records/{ids[1]}.json"] = json.dumps(record).encode()

    problems = rejected(zipped(members))

    assert (
        f"passport {ids[1]} record: its holder 00000000-0000-4000-8000-000000000000 is not "
        "among the manifest's" in problems
    )
