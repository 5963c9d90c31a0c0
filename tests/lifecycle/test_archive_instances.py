"""Moving an operator's passports to another instance: export on A, import and serve on B.

Instance A is this test's database; instance B is `manage.py` in subprocesses on its own SQLite
file, with its own key-encryption key and log, so nothing is shared but the archive file.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from lifecycle.models import Event
from lifecycle.verify import verify_bundle
from tests.lifecycle.archive_helpers import (
    break_checkpoint_signature,
    export,
    flip_payload_byte,
    origin_vkey,
    populate,
    remove_event,
    rewrite_bundle,
)

ROOT = Path(__file__).resolve().parents[2]

# Run on B after the import: scans and reads as B's users would, and tries to write.
ON_B = """
import json, os
from django.core.management import CommandError, call_command
from django.test import Client
from lifecycle.models import LogLeaf
from lifecycle.services.log import log_integrate
from passports.models import Organisation
from passports.services.organisations import organisation_bootstrap

_, token = organisation_bootstrap(name="Authority on B", kind="regulator")
authority = Client(HTTP_AUTHORIZATION=f"Token {token}")
pid, gtin, serial = os.environ["PASSPORT"], os.environ["GTIN"], os.environ["SERIAL"]
out = {}
r = Client().get(f"/01/{gtin}/21/{serial}", HTTP_ACCEPT="application/json")
out["scan"] = [r.status_code, r.json()]
r = Client().get(f"/p/{pid}", HTTP_ACCEPT="application/json")
out["uuid_scan"] = r.status_code
r = authority.get(f"/api/v1/passports/{pid}/events/")
out["events"] = r.json()
out["bundle"] = authority.get(f"/api/v1/passports/{pid}/bundle/").json()
r = authority.post(
    f"/api/v1/passports/{pid}/events/",
    {"type": "health_reported", "occurred_at": "2026-06-01T10:00:00Z",
     "payload": {"state_of_health_pct": "90"}},
    content_type="application/json",
)
out["append"] = [r.status_code, r.json()]
log_integrate(everything=True)
out["own_log_leaves"] = LogLeaf.objects.count()
operator = Organisation.objects.get(pk=os.environ["OPERATOR"])
out["operator_kind"] = operator.kind
try:
    call_command("rotate_key", str(operator.pk))
except CommandError as error:
    out["rotate"] = str(error)
print("RESULT " + json.dumps(out))
"""

COUNT_ON_B = (
    "from passports.models import Passport, Organisation; from lifecycle.models import Event;"
    "print('COUNTS', Passport.objects.count(), Event.objects.count(), "
    "Organisation.objects.count())"
)


def run_b(database: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("CELERY_BROKER_URL", "REDIS_URL", "CACHE_URL", "DJANGO_SECRET_KEY")
    }
    environment.update(
        DATABASE_URL=f"sqlite:///{database}",
        KEY_ENCRYPTION_KEY=base64.b64encode(b"instance B's own key-encryption!").decode(),
        RESOLVER_BASE_URL=settings.RESOLVER_BASE_URL,
        LOG_ORIGIN="instance-b.test/log",
        **(env or {}),
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def empty_b(tmp_path_factory) -> Path:
    """A migrated, empty database for instance B, copied for each test."""
    database = tmp_path_factory.mktemp("b") / "template.sqlite3"
    migrated = run_b(database, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    return database


@pytest.fixture
def database_b(empty_b, tmp_path) -> Path:
    database = tmp_path / "b.sqlite3"
    shutil.copy(empty_b, database)
    return database


@pytest.fixture
def archive_a(manufacturer, make_actor, tmp_path):
    ids = populate(manufacturer, make_actor("repairer", "Fix It"))
    path = tmp_path / "a.zip"
    export(manufacturer.organisation, path)
    return ids, path


def host() -> str:
    return urlsplit(settings.RESOLVER_BASE_URL).netloc


def counts_on_b(database: Path) -> list[int]:
    result = run_b(database, "shell", "-c", COUNT_ON_B)
    line = next(line for line in result.stdout.splitlines() if line.startswith("COUNTS"))
    return [int(n) for n in line.split()[1:]]


def test_passports_move_to_another_instance_and_verify_there(archive_a, database_b, manufacturer):
    ids, path = archive_a
    imported = run_b(
        database_b, "import_archive", str(path), "--host", host(), "--log-vkey", origin_vkey()
    )
    assert imported.returncode == 0, imported.stderr
    assert "imported 2 passports (5 events) of Acme Cells" in imported.stdout

    served = run_b(
        database_b,
        "shell",
        "-c",
        ON_B,
        env={
            "PASSPORT": ids[0],
            "GTIN": "09506000134352",
            "SERIAL": "BAT-000001",
            "OPERATOR": str(manufacturer.organisation.pk),
        },
    )
    assert served.returncode == 0, served.stderr
    result = json.loads(served.stdout.split("RESULT ", 1)[1])

    status, scanned = result["scan"]
    assert (status, scanned["id"], scanned["tier"]) == (200, ids[0], "public")
    assert result["uuid_scan"] == 200
    # The events API serves the origin's signed bytes unchanged.
    on_a = Event.objects.filter(passport_id=ids[0]).order_by("seq")
    served_events = result["events"]["results"]
    assert [(e["envelope"], e["signature"]) for e in served_events] == [
        (
            base64.b64encode(bytes(e.envelope)).decode(),
            base64.b64encode(bytes(e.signature)).decode(),
        )
        for e in on_a
    ]
    assert {e["inclusion"] for e in served_events} == {"archived"}
    # The bundle B serves verifies offline against A's log key, with the same events.
    bundle = result["bundle"]
    assert [e["envelope"] for e in bundle["events"]] == [e["envelope"] for e in served_events]
    checks = verify_bundle(bundle, origin_vkey(), [])
    assert checks and all(check.ok for check in checks), [c for c in checks if not c.ok]
    # Read-only: no event, no key rotation, nothing in B's own log.
    status, refused = result["append"]
    assert status == 409
    assert refused["errors"][0]["field"] == "passport"
    assert f"read-only archived copy from {host()}" in refused["errors"][0]["message"]
    assert result["own_log_leaves"] == 0
    assert result["operator_kind"] == "archived_operator"
    assert "archived operator" in result["rotate"]


@pytest.mark.parametrize(
    "tamper, named",
    [
        (
            lambda data, ids: rewrite_bundle(data, ids[0], flip_payload_byte(2)),
            "passport {0} event seq 2: signature: Ed25519 signature over the envelope does not "
            "verify",
        ),
        (
            lambda data, ids: rewrite_bundle(data, ids[0], remove_event(1)),
            "passport {0} event seq 1: missing or out of order",
        ),
        (
            lambda data, ids: break_checkpoint_signature(data),
            "checkpoint: ",
        ),
    ],
    ids=["changed payload byte", "removed event", "wrong checkpoint signature"],
)
def test_a_tampered_archive_is_refused_on_b_and_nothing_is_written(
    archive_a, database_b, tmp_path, tamper, named
):
    ids, path = archive_a
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(tamper(path.read_bytes(), ids))

    result = run_b(database_b, "import_archive", str(tampered), "--host", host())

    assert result.returncode != 0
    assert f"FAIL {named.format(ids[0])}" in result.stderr
    assert "archive refused, nothing imported" in result.stderr
    assert counts_on_b(database_b) == [0, 0, 0]


def test_an_archive_from_another_host_is_refused(archive_a, database_b):
    _, path = archive_a

    result = run_b(
        database_b, "import_archive", str(path), "--host", "passports.example.org",
        "--log-vkey", origin_vkey(),
    )  # fmt: skip

    assert result.returncode != 0
    assert f"FAIL archive: it comes from {host()}, not from passports.example.org" in (
        result.stderr
    )


def test_importing_the_same_archive_twice_is_refused_naming_the_passports(archive_a, database_b):
    ids, path = archive_a
    pinned = ("--host", host(), "--log-vkey", origin_vkey())
    first = run_b(database_b, "import_archive", str(path), *pinned)
    assert first.returncode == 0, first.stderr

    again = run_b(database_b, "import_archive", str(path), *pinned)

    assert again.returncode != 0
    assert f"FAIL passport {ids[0]} (GTIN 09506000134352 serial BAT-000001): already served" in (
        again.stderr
    )
    assert counts_on_b(database_b)[:2] == [2, 5]
