"""How the upload client reads the registry's answers: what is retried, what is final."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import pytest

from passports.registry.client import RegistryError, registration_upload

# path -> (status, headers, body) the fake registry answers
ANSWERS = {
    "/ok": (201, {}, {"registration_id": " EU-1 "}),
    "/replay": (200, {}, {"registration_id": "EU-1"}),
    "/busy": (429, {"Retry-After": "120"}, {"error": "slow down"}),
    "/broken": (502, {}, {"error": "bad gateway"}),
    "/invalid": (422, {}, {"error": "economic_operator is missing"}),
    "/no-id": (201, {}, {"something": "else"}),
}


class Answers(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.server.seen.append(dict(self.headers))
        status, headers, body = ANSWERS[self.path]
        data = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(data))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def fake():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    server.seen = []
    Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def upload(fake, path: str):
    host, port = fake.server_address[:2]
    return registration_upload(
        url=f"http://{host}:{port}{path}", token="t", payload={"a": 1},
        idempotency_key="key-1", timeout=5,
    )  # fmt: skip


def test_an_accepted_upload_returns_the_identifier_and_sends_key_and_token(fake):
    registered = upload(fake, "/ok")

    assert registered.registration_id == "EU-1"
    assert not registered.replayed
    assert fake.seen[-1]["Idempotency-Key"] == "key-1"
    assert fake.seen[-1]["Authorization"] == "Bearer t"
    assert upload(fake, "/replay").replayed


@pytest.mark.parametrize(("path", "retry_after"), [("/busy", 120.0), ("/broken", 0.0)])
def test_rate_limits_and_server_errors_are_retried(fake, path, retry_after):
    with pytest.raises(RegistryError) as raised:
        upload(fake, path)

    assert raised.value.transient
    assert raised.value.retry_after == retry_after


def test_a_refused_upload_is_final_and_says_why(fake):
    with pytest.raises(RegistryError) as raised:
        upload(fake, "/invalid")

    assert not raised.value.transient
    assert "422" in str(raised.value) and "economic_operator" in str(raised.value)


def test_an_answer_without_an_identifier_is_retried(fake):
    with pytest.raises(RegistryError) as raised:
        upload(fake, "/no-id")

    assert raised.value.transient


def test_no_one_listening_is_retried():
    with pytest.raises(RegistryError) as raised:
        registration_upload(
            url="http://127.0.0.1:9/", token="", payload={}, idempotency_key="k", timeout=2
        )

    assert raised.value.transient
    assert "No answer" in str(raised.value)
