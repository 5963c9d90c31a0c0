"""The local registry: bearer token, idempotency keys, checked bodies, misbehaving on request."""

import json
import urllib.error
import urllib.request

import pytest

from passports.registry.local_server import LocalRegistryServer

BODY = {
    "passport_identifier": "p-1",
    "unique_product_identifier": {"scheme": "gs1", "gtin": "09506000134352", "serial": "S1"},
    "economic_operator": {"id": "o-1"},
}


@pytest.fixture
def server(tmp_path):
    running = LocalRegistryServer(token="secret", store=tmp_path / "registry.json")
    running.serve_in_thread()
    yield running
    running.stop()


def post(server, path, body, **headers) -> tuple[int, dict]:
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **headers},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def upload(server, key="k-1", body=BODY, token="secret"):
    return post(
        server, "/registrations", body, Authorization=f"Bearer {token}", **{"Idempotency-Key": key}
    )


def test_the_same_key_gets_the_same_identifier(server):
    first = upload(server)
    again = upload(server)
    other = upload(server, key="k-2")

    assert first[0] == 201 and again[0] == 200 and other[0] == 201
    assert first[1]["registration_id"] == again[1]["registration_id"]
    assert other[1]["registration_id"] != first[1]["registration_id"]
    assert len(server.state.registrations) == 2


def test_a_reused_key_with_another_body_is_a_conflict(server):
    upload(server)

    status, answer = upload(server, body={**BODY, "passport_identifier": "p-2"})

    assert status == 409
    assert "different body" in answer["error"]


def test_uploads_need_the_bearer_token(server):
    assert upload(server, token="wrong")[0] == 401
    assert server.state.registrations == []


def test_an_upload_missing_a_required_field_is_refused_with_its_name(server):
    without = {k: v for k, v in BODY.items() if k != "economic_operator"}

    status, answer = upload(server, body=without)

    assert status == 422
    assert "economic_operator" in answer["error"]


def test_fail_next_answers_503_that_many_times(server):
    post(server, "/_control", {"fail_next": 2})

    statuses = [upload(server, key=f"k-{i}")[0] for i in range(3)]

    assert statuses == [503, 503, 201]


def test_a_lost_answer_still_registers(server):
    post(server, "/_control", {"lose_next": 1})

    with pytest.raises((urllib.error.URLError, ConnectionError)):
        upload(server)
    status, answer = upload(server)

    assert status == 200
    assert answer["registration_id"] == server.state.registrations[0]["registration_id"]


def test_a_bad_control_request_names_the_problem(server):
    status, answer = post(server, "/_control", {"mode": "sideways"})

    assert status == 400
    assert answer["error"].startswith("mode")


def test_registrations_survive_a_restart_with_a_store(server, tmp_path):
    _, answer = upload(server)
    server.stop()

    restarted = LocalRegistryServer(token="secret", store=tmp_path / "registry.json")
    restarted.serve_in_thread()
    try:
        status, again = upload(restarted)
    finally:
        restarted.stop()

    assert status == 200
    assert again["registration_id"] == answer["registration_id"]
