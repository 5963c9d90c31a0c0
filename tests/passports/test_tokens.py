"""API tokens: named, optionally expiring, listed and revoked per organisation, by API and
by the `tokens` command; a secret is shown once."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from passports.models import ApiToken


def client_with(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_the_bootstrap_token_is_listed_without_its_secret(manufacturer):
    response = manufacturer.client.get("/api/v1/tokens/")

    assert response.status_code == 200
    (token,) = response.json()["results"]
    assert token["name"] == "service account"
    assert token["expiry"] is None
    assert token["prefix"] == manufacturer.token[:8]
    assert manufacturer.token not in response.content.decode()


def test_issuing_a_token_returns_its_secret_once_and_the_secret_works(manufacturer):
    response = manufacturer.client.post(
        "/api/v1/tokens/", {"name": "ci", "expires_in_days": 90}, format="json"
    )

    assert response.status_code == 201, response.json()
    issued = response.json()
    expiry = timezone.datetime.fromisoformat(issued["expiry"])
    assert abs(expiry - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    assert client_with(issued["token"]).get("/api/v1/tokens/").status_code == 200
    listed = manufacturer.client.get(f"/api/v1/tokens/{issued['id']}/").json()
    assert listed["name"] == "ci" and "token" not in listed


def test_a_token_can_expire_at_a_given_moment(manufacturer):
    moment = (timezone.now() + timedelta(days=7)).replace(microsecond=0)

    response = manufacturer.client.post(
        "/api/v1/tokens/", {"name": "partner", "expiry": moment.isoformat()}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert timezone.datetime.fromisoformat(response.json()["expiry"]) == moment


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ci", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "ci", "expires_in_days": "soon"}, "expires_in_days"),
        ({"name": "ci", "expiry": "2000-01-01T00:00:00Z"}, "expiry"),
        ({"name": "ci", "expiry": "2030-01-01T00:00:00Z", "expires_in_days": 3}, "expiry"),
        ({"name": "ci", "secret": "mine"}, "secret"),
    ],
)
def test_a_malformed_request_names_the_field(manufacturer, body, field):
    response = manufacturer.client.post("/api/v1/tokens/", body, format="json")

    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]
    assert ApiToken.objects.filter(organisation=manufacturer.organisation).count() == 1


def test_a_revoked_token_stops_working(manufacturer):
    issued = manufacturer.client.post("/api/v1/tokens/", {"name": "old"}, format="json").json()

    response = manufacturer.client.delete(f"/api/v1/tokens/{issued['id']}/")

    assert response.status_code == 204
    assert client_with(issued["token"]).get("/api/v1/tokens/").status_code == 401
    names = [t["name"] for t in manufacturer.client.get("/api/v1/tokens/").json()["results"]]
    assert names == ["service account"]


def test_another_organisations_tokens_are_not_found(manufacturer, other_manufacturer):
    (theirs,) = other_manufacturer.client.get("/api/v1/tokens/").json()["results"]

    assert manufacturer.client.get(f"/api/v1/tokens/{theirs['id']}/").status_code == 404
    assert manufacturer.client.delete(f"/api/v1/tokens/{theirs['id']}/").status_code == 404
    listed = manufacturer.client.get("/api/v1/tokens/").json()["results"]
    assert theirs["id"] not in [t["id"] for t in listed]
    assert other_manufacturer.client.get("/api/v1/tokens/").status_code == 200


def test_an_expired_token_is_not_listed(manufacturer):
    issued = manufacturer.client.post(
        "/api/v1/tokens/", {"name": "brief", "expires_in_days": 1}, format="json"
    ).json()
    token = ApiToken.objects.get(pk=issued["id"]).knox_token
    token.expiry = timezone.now() - timedelta(seconds=1)
    token.save()

    listed = manufacturer.client.get("/api/v1/tokens/").json()["results"]

    assert issued["id"] not in [t["id"] for t in listed]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/tokens/"),
        ("post", "/api/v1/tokens/"),
        ("get", "/api/v1/tokens/00000000-0000-0000-0000-000000000000/"),
        ("delete", "/api/v1/tokens/00000000-0000-0000-0000-000000000000/"),
    ],
)
def test_anonymous_callers_are_refused(anonymous, method, path):
    response = getattr(anonymous, method)(path, {"name": "x"} if method == "post" else None)

    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == ""


def run(*arguments: str) -> str:
    out = StringIO()
    call_command("tokens", *arguments, stdout=out)
    return out.getvalue()


def test_the_command_creates_lists_and_revokes_tokens(manufacturer):
    org = str(manufacturer.organisation.id)

    created = json.loads(run("create", org, "--name", "ci", "--expires-days", "90"))
    listed = [json.loads(line) for line in run("list", org).splitlines()]

    assert client_with(created["token"]).get("/api/v1/tokens/").status_code == 200
    assert [t["name"] for t in listed] == ["service account", "ci"]
    assert all("token" not in t for t in listed)
    run("revoke", created["id"])
    assert client_with(created["token"]).get("/api/v1/tokens/").status_code == 401
    assert [json.loads(line)["name"] for line in run("list", org).splitlines()] == [
        "service account"
    ]


@pytest.mark.parametrize(
    "arguments",
    [
        ["list", "not-a-uuid"],
        ["list", "00000000-0000-0000-0000-000000000000"],
        ["revoke", "00000000-0000-0000-0000-000000000000"],
        ["create", "{org}", "--name", "ci", "--expires-days", "0"],
        ["create", "{org}", "--name", ""],
    ],
)
def test_the_command_refuses_what_it_cannot_do(manufacturer, arguments):
    org = str(manufacturer.organisation.id)

    with pytest.raises(CommandError):
        run(*[a.format(org=org) for a in arguments])


def test_a_token_issued_with_an_expiring_token_expires_with_it(manufacturer):
    from rest_framework.test import APIClient

    issued = manufacturer.client.post(
        "/api/v1/tokens/", {"name": "short", "expires_in_days": 30}, format="json"
    ).json()
    short = APIClient()
    short.credentials(HTTP_AUTHORIZATION=f"Token {issued['token']}")

    child = short.post("/api/v1/tokens/", {"name": "child"}, format="json")
    longer = short.post(
        "/api/v1/tokens/", {"name": "longer", "expires_in_days": 300}, format="json"
    )

    assert child.status_code == 201
    assert child.json()["expiry"] == issued["expiry"]
    assert longer.status_code == 400
    assert longer.json()["errors"][0]["field"] == "expiry"
