"""An outsider's second look: the review's reproductions, replayed against a live server.

The service runs as production runs it: gunicorn, DEBUG off, a secret key, the manifest static
storage after `collectstatic`, its own database file, with rate limits and the sign-in lockout
set low so a few requests reach them. Each test here repeats one reproduction from the review
(items 1-4 and 9-14 of the security issue) over real HTTP, as a client outside the process
would, and asserts that it no longer works.
"""

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import declaration

ROOT = Path(__file__).resolve().parents[1]
WHEN = "2026-09-01T08:00:00Z"
ANON_LIMIT = 20

SEED = """
import json
from passports.services.organisations import organisation_bootstrap, person_create
actors = {}
for role, kind, extra in [
    ("maker", "manufacturer", {"gs1_company_prefix": "9506000", "country": "DE"}),
    ("other_maker", "manufacturer", {"country": "FR"}),
    ("repairer", "repairer", {"country": "NL"}),
    ("collector", "collector", {"country": "DE"}),
    ("recycler", "recycler", {"country": "DE"}),
    ("other_recycler", "recycler", {"country": "SE"}),
    ("regulator", "regulator", {"country": "DE"}),
]:
    organisation, token = organisation_bootstrap(name=role, kind=kind, **extra)
    actors[role] = {"id": str(organisation.id), "token": token}
person_create(organisation=organisation, username="inspector", password="a-long-Passphrase-9")
print(json.dumps(actors))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(folder: Path) -> dict[str, str]:
    # Nothing of the test run's own services: its own database file, local-memory rate counters.
    own = ("DATABASE_", "CELERY_", "REDIS_", "CACHE_", "API_", "AXES_", "DJANGO_")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(own)}
    return {
        **keep,
        "DJANGO_SECRET_KEY": "outsider-review-" + "k" * 40,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "KEY_ENCRYPTION_KEY": base64.b64encode(b"o" * 32).decode(),
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "API_THROTTLE_ANON": f"{ANON_LIMIT}/hour",
        "AXES_FAILURE_LIMIT": "3",
        "API_MAX_BODY_BYTES": str(256 * 1024),
    }


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Client:
    """Raw HTTP to the live server: no test client, no shortcuts through Django."""

    def __init__(self, port: int, token: str | None = None):
        self.port, self.token = port, token

    def request(self, method: str, path: str, body=None, headers=None, chunked=False):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Accept": "application/json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Token {self.token}"
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
        if chunked:
            body = iter([body.encode()[i : i + 1000] for i in range(0, len(body), 1000)])
        connection.request(method, path, body=body, headers=sent, encode_chunked=chunked)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), content

    def json(self, method: str, path: str, body=None, **kwargs):
        status, headers, content = self.request(method, path, body, **kwargs)
        is_json = headers.get("Content-Type", "").startswith("application/json")
        return status, (json.loads(content) if is_json and content else None)

    def event(self, passport: str, event_type: str, payload: dict):
        body = {"type": event_type, "occurred_at": WHEN, "payload": payload}
        return self.json("POST", f"/api/v1/passports/{passport}/events/", body)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn serving the production settings on a fresh database, with its actors."""
    folder = tmp_path_factory.mktemp("outsider")
    env = production_environment(folder)
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    actors = json.loads(manage(env, "shell", "-c", SEED).strip().splitlines()[-1])
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "settings.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)
    yield port, actors
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def as_(server):
    port, actors = server
    return lambda role: Client(port, actors[role]["token"] if role else None)


@pytest.fixture(scope="module")
def ids(server):
    return {role: actor["id"] for role, actor in server[1].items()}


def register(maker: Client, serial: str) -> str:
    # The complete EV battery of the factories, its test report at a recognisable address.
    body = declaration(serial=serial)
    body["documents"] = [
        {"kind": d["kind"], "url": "https://example.com/secret-tests.pdf"}
        if d["kind"] == "test_report"
        else d
        for d in body["documents"]
    ]
    status, answer = maker.json("POST", "/api/v1/passports/", body)
    assert status == 201, answer
    return answer["id"]


def test_1_a_stranger_cannot_repurpose_another_makers_battery(as_):
    battery = register(as_("maker"), "OUT-1")

    status, answer = as_("repairer").event(
        battery, "repurposed", {"successor": {"model": "Mine now"}, "application": "storage"}
    )

    assert status == 403, answer
    status, _ = as_("maker").event(battery, "health_reported", {"state_of_health_pct": "99"})
    assert status == 201  # the real owner is not frozen out


def test_2_ends_of_life_belong_to_the_holder_of_the_waste(as_, ids):
    battery = register(as_("maker"), "OUT-2")
    assert as_("collector").event(battery, "collected", {"region": "DE-BY"})[0] == 201

    recycled = as_("recycler").event(battery, "recycled", {"process_route": "mechanical"})
    disposed = as_("recycler").event(battery, "disposed", {"method": "landfill"})

    assert recycled[0] == 400
    assert disposed[0] == 403
    _, passport = as_("collector").json("GET", f"/api/v1/passports/{battery}/")
    assert passport["status"] == "waste"


def test_3_nobody_makes_another_organisation_or_a_regulator_the_holder(as_, ids):
    battery = register(as_("maker"), "OUT-3")

    named = as_("collector").event(
        battery, "collected", {"region": "DE-BY", "collector": ids["regulator"]}
    )
    handed = as_("maker").event(battery, "ownership_transferred", {"to": ids["regulator"]})
    regulator = as_("regulator").event(battery, "health_reported", {"state_of_health_pct": "1"})

    assert (named[0], handed[0], regulator[0]) == (400, 400, 403)


def test_4_another_recyclers_intermediate_is_not_found(as_, ids):
    battery = register(as_("maker"), "OUT-4")
    recycler = as_("recycler")
    assert recycler.event(battery, "collected", {"region": "DE-BY"})[0] == 201
    batch = {"process_route": "mechanical", "product_type": "battery",
             "chemistry_category": "lithium", "site": {"country": "DE"},
             "started_at": WHEN}  # fmt: skip
    _, shredder = recycler.json("POST", "/api/v1/batches/", batch)
    path = f"/api/v1/batches/{shredder['id']}"
    assert (
        recycler.json("POST", f"{path}/inputs/", {"passport": battery, "mass_kg": "450"})[0] == 201
    )
    _, with_output = recycler.json("POST", f"{path}/outputs/", {
        "fraction": "black mass", "counts_as": "intermediate", "mass_kg": "440"})  # fmt: skip
    assert recycler.json("POST", f"{path}/close/")[0] == 200
    stranger = as_("other_recycler")
    _, refinery = stranger.json("POST", "/api/v1/batches/", {**batch, "site": {"country": "SE"}})

    status, answer = stranger.json(
        "POST",
        f"/api/v1/batches/{refinery['id']}/inputs/",
        {"source_output": with_output["outputs"][0]["id"], "mass_kg": "440"},
    )

    assert status == 404, answer


def test_10_no_page_is_larger_than_the_maximum(as_):
    status, page = as_("regulator").json("GET", "/api/v1/passports/?limit=100000")

    assert status == 200
    assert len(page["results"]) <= 200
    status, statistics = as_("regulator").json("GET", "/api/v1/statistics/recovery?limit=100000")
    assert status == 200 and "results" in statistics


def test_11_a_revoked_token_stops_working(server, as_):
    port, _ = server
    maker = as_("maker")
    status, issued = maker.json("POST", "/api/v1/tokens/", {"name": "ci", "expires_in_days": 30})
    assert status == 201, issued
    fresh = Client(port, issued["token"])
    assert fresh.json("GET", "/api/v1/passports/")[0] == 200
    status, listed = maker.json("GET", "/api/v1/tokens/")
    assert issued["token"] not in json.dumps(listed)  # secrets are shown once, never listed

    assert maker.json("DELETE", f"/api/v1/tokens/{issued['id']}/")[0] == 204

    assert fresh.json("GET", "/api/v1/passports/")[0] == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"model": ' + "[" * 5000 + "]" * 5000 + "}", None),
        ('{"product_type": "battery", "model": "\\ud800"}', "model"),
        ('{"product_type": "battery", "mass_kg": 123456789012345678901234567890}', "mass_kg"),
    ],
    ids=["deep nesting", "lone surrogate", "huge integer"],
)
def test_12_hostile_json_is_a_400_naming_the_problem(as_, body, field):
    status, answer = as_("maker").json("POST", "/api/v1/passports/", body)

    assert status == 400, answer
    if field:
        assert field in {error["field"] for error in answer["errors"]}


def test_13_an_oversized_body_is_a_json_413_whether_chunked_or_not(as_):
    big = json.dumps({"model": "x" * (300 * 1024)})

    plain = as_("maker").json("POST", "/api/v1/passports/", big)
    chunked = as_("maker").json("POST", "/api/v1/passports/", big, chunked=True)

    assert plain[0] == 413 and plain[1]["errors"]
    assert chunked[0] == 413 and chunked[1]["errors"]


def test_13_a_chunked_body_is_read_not_taken_as_empty(as_):
    body = json.dumps({"product_type": "battery"})

    status, answer = as_("maker").json("POST", "/api/v1/passports/", body, chunked=True)

    assert status == 400
    fields = {error["field"] for error in answer["errors"]}
    assert "product_type" not in fields and "model" in fields


@pytest.mark.parametrize(
    "path", ["/01/09506000134352/21/NO-SUCH-THING", "/p/00000000-0000-4000-8000-000000000000"]
)
def test_14_unknown_passports_answer_json_404_to_json_clients(as_, path):
    status, answer = as_(None).json("GET", path)

    assert status == 404
    assert answer["errors"]


def test_9_anonymous_reads_are_throttled_with_retry_after(server, as_):
    battery = register(as_("maker"), "OUT-9")
    statuses = []
    for _ in range(ANON_LIMIT + 5):
        status, headers, content = as_(None).request("GET", f"/api/v1/passports/{battery}/")
        statuses.append(status)
        if status == 429:
            break

    assert statuses[-1] == 429
    assert int(headers["Retry-After"]) > 0
    assert json.loads(content)["errors"]


def test_9_repeated_failed_sign_ins_lock_the_account(server):
    port, _ = server
    client = Client(port)
    status, headers, _ = client.request("GET", "/accounts/login/", headers={"Accept": "text/html"})
    assert status == 200
    csrf = headers["Set-Cookie"].split("csrftoken=")[1].split(";")[0]

    def sign_in(password: str) -> int:
        form = f"username=inspector&password={password}&csrfmiddlewaretoken={csrf}"
        status, _, _ = client.request("POST", "/accounts/login/", body=form, headers={
            "Accept": "text/html", "Cookie": f"csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        return status

    failures = [sign_in("wrong") for _ in range(4)]

    assert failures[:2] == [200, 200]
    assert 429 in failures
    assert sign_in("a-long-Passphrase-9") == 429  # even the right password, until the cool-off
