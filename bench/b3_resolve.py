"""B3: QR resolve (JSON and HTML) under load from a second process, and ETag revalidation.

Limit: the lightest Django view in the same server, under the same load generator and the
same number of clients. A repeated scan that sends the ETag it was given must get 304.
"""

import json
import subprocess
import sys
import tempfile
import urllib.request

from bench.common import Outcome
from passports.identifiers import resolver_path
from passports.models import Passport

GOAL = 0.5


def _load(base_url: str, urls_file: str, seconds: float, clients: int, *headers) -> dict:
    command = [
        sys.executable,
        "-m",
        "bench.loadgen",
        "--url",
        base_url,
        "--urls-file",
        urls_file,
        "--clients",
        str(clients),
        "--seconds",
        str(seconds),
    ]
    for header in headers:
        command += ["--header", header]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def _revalidates(url: str, accept: str) -> tuple[str | None, int]:
    first = urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}))
    first.read()
    etag = first.headers.get("ETag")
    if not etag:
        return None, first.status
    request = urllib.request.Request(url, headers={"Accept": accept, "If-None-Match": etag})
    try:
        second = urllib.request.urlopen(request)
        second.read()
        return etag, second.status
    except urllib.error.HTTPError as answer:
        return etag, answer.code


def run(base_url: str, seconds: float = 10, clients: int = 8, passports: int = 1000) -> Outcome:
    outcome = Outcome("B3", "QR resolve under load from a second process")
    scanned = list(
        Passport.objects.exclude(gtin=None).order_by("id").values_list("gtin", "serial")[:passports]
    )
    with (
        tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as urls,
        tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as minimal,
    ):
        urls.write("\n".join(base_url + resolver_path(g, s) for g, s in scanned))
        minimal.write(base_url + "/bench/minimal\n")
    limit = _load(base_url, minimal.name, seconds, clients)
    as_json = _load(base_url, urls.name, seconds, clients, "Accept: application/json")
    as_html = _load(base_url, urls.name, seconds, clients, "Accept: text/html")
    for name, result in (("JSON", as_json), ("HTML", as_html)):
        ok = result["statuses"].get("200", 0) == result["requests"]
        outcome.add(
            f"resolve {name} req/s",
            result["rate"],
            "req/s",
            limit=limit["rate"],
            limit_name="req/s minimal view",
            goal=f">= {GOAL} x limit",
            passed=ok and result["rate"] >= GOAL * limit["rate"],
        )
        outcome.add(
            f"resolve {name} p99",
            result["p99_ms"],
            "ms",
            limit=limit["p99_ms"],
            limit_name="ms minimal view",
            higher_is_better=False,
        )
    url = base_url + resolver_path(*scanned[0])
    checks = {accept: _revalidates(url, accept) for accept in ("application/json", "text/html")}
    revalidated = all(status == 304 for _, status in checks.values())
    outcome.add(
        "repeated scan with ETag",
        304 if revalidated else 0,
        "status",
        goal="304",
        passed=revalidated,
    )
    outcome.details.update(
        limit=limit,
        json=as_json,
        html=as_html,
        revalidation={k: {"etag": e, "status": s} for k, (e, s) in checks.items()},
    )
    return outcome
