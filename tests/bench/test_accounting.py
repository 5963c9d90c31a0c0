"""CPU accounting reads other processes' CPU from /proc, so a server's work counts as a block's."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.accounting import Reading, group_cpu_seconds
from bench.services import named

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def test_a_reading_counts_backends_that_connected_during_the_block_from_zero() -> None:
    before = Reading(
        own=1.0, groups={"server": 10.0}, backends={7: ("server", 2.0), 8: ("server", 5.0)}
    )
    # Backend 8 left (its CPU is lost), 9 arrived; 7 used one more second.
    after = Reading(
        own=1.5, groups={"server": 12.0}, backends={7: ("server", 3.0), 9: ("worker", 0.25)}
    )
    assert before.parts(after) == {
        "this process": pytest.approx(0.5),
        "server": pytest.approx(2.0),
        "postgresql for server": pytest.approx(1.0),
        "postgresql for worker": pytest.approx(0.25),
    }
    assert before.until(after) == pytest.approx(0.5 + 2.0 + 1.0 + 0.25)


def test_cpu_burnt_in_another_process_group_is_counted_for_that_group() -> None:
    burner = subprocess.Popen(
        [sys.executable, "-c", "while True: sum(range(10**6))"], start_new_session=True
    )
    try:
        # Poll the burner's CPU use until it reaches 0.2 s, with a generous deadline.
        used, deadline = 0.0, time.monotonic() + 120
        while used < 0.2 and time.monotonic() < deadline:
            used = group_cpu_seconds({"burner": burner.pid})["burner"]
        assert used >= 0.2
        assert group_cpu_seconds({"none": -1}) == {"none": 0.0}
    finally:
        burner.kill()
        burner.wait()


def test_the_servers_database_connections_carry_their_role_in_the_url() -> None:
    assert named("postgres://h/db", "server") == "postgres://h/db?application_name=bench-server"
    assert named("postgres://h/db?sslmode=disable", "limit").endswith(
        "?sslmode=disable&application_name=bench-limit"
    )
