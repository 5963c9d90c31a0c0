"""Where one B1 request spends its CPU: a 1,000-passport bulk registration under cProfile.

    DATABASE_URL=postgres://.../<own database> python -m bench.b1_profile [--out FILE]

Posts two warm-up requests, then profiles a third in this process (middleware, token, parsing,
validation, rows, signing, COPY, commit and the answer) on CPU time, and writes the 60 most
expensive calls by cumulative and the 40 by own time, with the request's CPU without the
profiler. Without CELERY_BROKER_URL the log integration runs in the request and shows as
integrate_log; in B1 a worker does it. Paths are printed relative to the project and the
installed packages.
"""

import argparse
import cProfile
import io
import pstats
import re
import sys
import time
import uuid
from pathlib import Path

from bench.common import django_on_own_database

REQUESTS_URL = "/api/v1/passports/bulk/"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.b1_profile", description=__doc__)
    parser.add_argument("--out", type=Path, help="write the summary here too")
    parser.add_argument("--passports", type=int, default=1000)
    args = parser.parse_args()
    django_on_own_database()
    summary = _profile(args.passports)
    print(summary)
    if args.out:
        args.out.write_text(summary)


def _profile(count: int) -> str:
    import json

    from django.test import Client

    from bench import fixtures

    _, token = fixtures.actor("Bench Profile Registrant", "manufacturer", country="DE")
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")

    def body() -> str:
        items = fixtures.declarations(count, f"F{uuid.uuid4().hex[:6]}")
        return json.dumps({"passports": [fixtures.as_request(d) for d in items]})

    def post(text: str, profile: cProfile.Profile | None = None) -> float:
        started = time.process_time()
        if profile is not None:
            profile.enable()
        response = client.post(REQUESTS_URL, text, content_type="application/json")
        if profile is not None:
            profile.disable()
        spent = time.process_time() - started
        if response.status_code != 201:
            raise SystemExit(f"{response.status_code}: {response.content[:300]!r}")
        return spent

    plain = min(post(body()), post(body()))
    profile = cProfile.Profile(time.process_time)
    post(body(), profile)
    out = io.StringIO()
    out.write(f"one request of {count} passports: {plain:.3f} s CPU without the profiler\n")
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    return _relative(out.getvalue())


def _relative(text: str) -> str:
    """Drops the machine's own directories from the file names."""
    roots = sorted({p for p in sys.path if p and Path(p).is_dir()}, key=len, reverse=True)
    for root in [str(Path(__file__).resolve().parent.parent), *roots]:
        text = text.replace(root.rstrip("/") + "/", "")
    return re.sub(r"/\S*/lib/python3\.\d+/", "", text)


if __name__ == "__main__":
    main()
