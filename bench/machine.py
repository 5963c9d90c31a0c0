"""The machine a run came from: CPU, cores, memory, load, and the versions that matter."""

import os
import platform
import subprocess
import sys


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _redis_version(url: str) -> str:
    try:
        import redis

        return redis.Redis.from_url(url).info("server")["redis_version"]
    except Exception as exc:  # noqa: BLE001 - a description, never a reason to fail the run
        return f"unavailable ({type(exc).__name__})"


def _postgres_version() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return connection.vendor
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def _package(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def describe(redis_url: str) -> dict:
    """A JSON-ready description of this machine and the software under test."""
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    try:
        kernel = subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip()
    except OSError:
        kernel = platform.release()
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "load_average_at_start": load,
        "kernel": kernel,
        "python": sys.version.split()[0],
        "postgresql": _postgres_version(),
        "redis": _redis_version(redis_url),
        "packages": {
            name: _package(name)
            for name in (
                "Django",
                "djangorestframework",
                "cryptography",
                "psycopg",
                "celery",
                "gunicorn",
                "pymerkle",
                "flodym",
                "numpy",
            )
        },
    }
