"""CPU time of the system under test: this process, the servers the bench started, PostgreSQL.

A workload served by gunicorn spends its CPU in other processes, where `time.process_time`
cannot see it. So a block's CPU is read from /proc: this process (every thread), each process
group the bench started (gunicorn master and workers, the Celery worker; their reaped
children included), and every PostgreSQL backend connected to the bench database (found in
pg_stat_activity). The same sum is taken around the limit's block, so both sides of a ratio
count the same processes. The load generator is a client and is counted on neither side.
Linux only: without /proc a block reports no CPU time, and only wall-time ratios are given.
"""

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bench.paired import Sample

# Without /proc only this process's CPU could be read, which for a served workload is nearly
# none: a CPU ratio from that would be nonsense, so none is given.
HAS_PROC = os.path.exists("/proc/self/stat")

# Process groups of the servers the bench started (see bench.services), by role.
PROCESS_GROUPS: dict[str, int] = {}


def _ticks() -> int:
    try:
        return os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        return 100


def _stat(pid: int | str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command name in parentheses may hold spaces; the fields after it do not.
    return text[text.rindex(")") + 2 :].split()


def _seconds(fields: list[str], children: bool) -> float:
    # utime, stime (and cutime, cstime: reaped children) are fields 14-17 of proc(5).
    used = int(fields[11]) + int(fields[12])
    if children:
        used += int(fields[13]) + int(fields[14])
    return used / _ticks()


def group_cpu_seconds(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds of every live process in each named process group, with reaped children."""
    used = dict.fromkeys(groups, 0.0)
    roles = {pgid: role for role, pgid in groups.items()}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return used
    for name in entries:
        if not name.isdigit():
            continue
        fields = _stat(name)
        if fields is not None and int(fields[2]) in roles:
            used[roles[int(fields[2])]] += _seconds(fields, children=True)
    return used


def backend_cpu_seconds() -> dict[int, tuple[str, float]]:
    """Each PostgreSQL backend on the default database: its client's name and CPU seconds.

    The bench names its servers' connections (application_name bench-server, bench-worker,
    bench-limit; see bench.services), so the database's CPU can be told apart by client.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database()"
        )
        clients = cursor.fetchall()
    used = {}
    for pid, name in clients:
        fields = _stat(pid)
        if fields is not None:
            client = name.removeprefix("bench-") if name.startswith("bench-") else "this process"
            used[pid] = (client, _seconds(fields, children=False))
    return used


@dataclass
class Reading:
    """CPU seconds used so far by each part of the system under test."""

    own: float
    groups: dict[str, float] = field(default_factory=dict)
    backends: dict[int, tuple[str, float]] = field(default_factory=dict)

    def parts(self, later: "Reading") -> dict[str, float]:
        """CPU seconds each part used between this reading and a later one."""
        used = {"this process": later.own - self.own}
        for role, seconds in later.groups.items():
            used[role] = seconds - self.groups.get(role, 0.0)
        # A backend that connected during the block counts from zero; one that left is lost
        # (connections live for a minute, blocks for seconds, so that is rare).
        for pid, (client, seconds) in later.backends.items():
            part = f"postgresql for {client}"
            earlier = self.backends.get(pid, (client, 0.0))[1]
            used[part] = used.get(part, 0.0) + seconds - earlier
        return used

    def until(self, later: "Reading") -> float:
        return sum(self.parts(later).values())


def reading(database: bool = True) -> Reading:
    """The CPU used so far by this process, the bench's servers and (optionally) PostgreSQL."""
    return Reading(
        own=time.process_time(),
        groups=group_cpu_seconds(PROCESS_GROUPS),
        backends=backend_cpu_seconds() if database else {},
    )


def measured(call: Callable[[], float], database: bool = True) -> Sample:
    """Wall and whole-system CPU of a block; the call returns the units of work it did."""
    before = reading(database)
    started = time.perf_counter()
    units = call()
    wall = time.perf_counter() - started
    if not HAS_PROC:
        return Sample(units=units, wall=wall, cpu=0.0)
    parts = before.parts(reading(database))
    return Sample(units=units, wall=wall, cpu=sum(parts.values()), parts=parts)


def load_block(
    command: list[str], seconds: float, ok: str, then: Callable[[int], float] | None = None
) -> tuple[Sample, dict]:
    """One block of load from a second process: `ok` responses, the load's own seconds, CPU.

    `then`, given the `ok` count once the load has stopped, finishes the block's work (B2
    waits until the log holds the appended events) and returns the seconds it took, which
    count as the block's wall time as its CPU does.
    """
    outputs: list[dict] = []
    finishing = [0.0]

    def run() -> int:
        done = subprocess.run(
            [*command, "--seconds", str(seconds), "--latencies"],
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(json.loads(done.stdout))
        units = outputs[-1]["statuses"].get(ok, 0)
        if then is not None:
            finishing[0] = then(units)
        return units

    sample = measured(run)
    result = outputs[-1]
    # The load's own clock: process start-up is not serving time.
    return replace(sample, wall=result["seconds"] + finishing[0]), result
