"""golang.org/x/mod's sumdb tlog and note packages verify the live log from its tiles alone.

An implementation we did not write: Go's TileHashReader checks every tile it reads against the
signed root, then ProveRecord/CheckRecord and ProveTree/CheckTree prove inclusion and
consistency. Built from Debian's golang-go and golang-golang-x-mod-dev; skipped when absent.
"""

import base64
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import requests
from django.core.management import call_command

from tests.conftest import require_services
from tests.factories import declaration

SOURCE = Path(__file__).parent / "go_tlog" / "main.go"
GOPATH = Path("/usr/share/gocode")


@pytest.fixture(scope="module")
def go_tlog(tmp_path_factory) -> Path:
    if shutil.which("go") is None or not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        require_services("Go with golang.org/x/mod (Debian golang-go golang-golang-x-mod-dev)")
    folder = tmp_path_factory.mktemp("go")
    binary = folder / "go_tlog"
    env = {
        **os.environ,
        "GOPATH": str(GOPATH),
        "GO111MODULE": "off",
        "GOCACHE": str(folder / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run(
        ["go", "build", "-o", str(binary), str(SOURCE)], check=True, env=env, timeout=300
    )
    return binary


def register(actor, count: int) -> None:
    body = {"passports": [declaration(serial=None, gtin=None) for _ in range(count)]}
    response = actor.client.post("/api/v1/passports/bulk/", body, format="json")
    assert response.status_code == 201, response.json()


def checkpoint_of(base: str) -> tuple[int, str]:
    lines = requests.get(f"{base}/checkpoint", timeout=10).text.split("\n")
    return int(lines[1]), lines[2]


@pytest.mark.django_db(transaction=True)
def test_go_sumdb_tlog_verifies_inclusion_and_consistency_from_tiles(
    go_tlog, live_server, manufacturer, regulator, settings
):
    settings.LOG_SEQUENCER = True
    settings.CHECKPOINT_INTERVAL_SECONDS = 0
    base = live_server.url
    vkey = requests.get(f"{base}/api/v1/log/vkey", timeout=10).text.strip()
    register(manufacturer, 120)
    call_command("run_sequencer", "--once")
    old_size, old_root = checkpoint_of(base)
    register(manufacturer, 300)
    call_command("run_sequencer", "--once")
    size, _ = checkpoint_of(base)
    assert size > 256 + old_size

    for index in (0, old_size - 1, 256, size - 1):
        done = subprocess.run(
            [str(go_tlog), base, vkey, str(index), str(old_size), old_root],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "TLOG_TOKEN": regulator.token},
        )
        assert done.returncode == 0, done.stderr
        assert f"inclusion ok: {index} in {size}" in done.stdout
        assert f"consistency ok: {old_size} to {size}" in done.stdout

    wrong = base64.b64encode(b"\x00" * 32).decode()
    done = subprocess.run(
        [str(go_tlog), base, vkey, "0", str(old_size), wrong],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TLOG_TOKEN": regulator.token},
    )
    assert done.returncode == 1
    assert "consistency" in done.stderr
