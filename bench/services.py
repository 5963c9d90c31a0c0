"""The processes a workload needs beside this one: a gunicorn server and a Celery worker.

Both run with the bench's own database and Redis database, and are stopped (by their process
group) when the workload ends, however it ends.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.accounting import PROCESS_GROUPS

ROOT = Path(__file__).resolve().parent.parent


def _env(extra: dict | None = None) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DJANGO_DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra or {})
    return env


def named(url: str, client: str) -> str:
    """A database URL whose connections say who they are (pg_stat_activity.application_name)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}application_name=bench-{client}"


def _as(env: dict | None, client: str) -> dict:
    env = dict(env or {})
    if "DATABASE_URL" in env:
        env["DATABASE_URL"] = named(env["DATABASE_URL"], client)
    return env


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def server(
    port: int,
    workers: int = 2,
    threads: int = 4,
    env: dict | None = None,
    worker_class: str = "gthread",
):
    """A gunicorn server (gthread workers, keep-alive) on 127.0.0.1:port; yields its base URL.

    `worker_class="sync"` (with threads=1) gives workers that answer one connection at a time,
    so concurrent requests are spread over the workers rather than queued in one of them.
    """
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "settings.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        worker_class,
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=_env(_as(env, "server")), start_new_session=True
    )
    PROCESS_GROUPS["server"] = process.pid  # a new session: its pid is its group id
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/bench/minimal", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the benchmark server did not start") from None
                time.sleep(0.3)
        yield base
    finally:
        PROCESS_GROUPS.pop("server", None)
        _stop(process)


@contextlib.contextmanager
def celery_worker(concurrency: int = 1, env: dict | None = None):
    """A real Celery worker process on the bench's broker."""
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "settings.celery",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        str(concurrency),
        "--pool",
        "solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=_env(_as(env, "worker")), start_new_session=True
    )
    PROCESS_GROUPS["worker"] = process.pid
    try:
        time.sleep(3)
        if process.poll() is not None:
            raise RuntimeError("the Celery worker did not start")
        yield process
    finally:
        PROCESS_GROUPS.pop("worker", None)
        _stop(process)
