"""The API's body limit holds whatever Django's own is, and chunked bodies are read, not lost."""

import io
import json

import pytest

from passports.models import Passport
from tests.factories import declaration

URL = "/api/v1/passports/"


def body(serial: str = "LIMIT-1") -> bytes:
    return json.dumps(declaration(serial=serial)).encode()


def post_chunked(actor, data: bytes, *, terminated: bool = True):
    """A POST as a server delivers a chunked one: no Content-Length, the body on wsgi.input."""
    environ = {"wsgi.input": io.BytesIO(data), "CONTENT_LENGTH": ""}
    if terminated:
        environ["wsgi.input_terminated"] = True
    return actor.client.generic(
        "POST", URL, data, content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked", **environ,
    )  # fmt: skip


def assert_json_error(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"][0]["message"]


def test_a_body_within_the_limit_passes_a_lower_django_limit(manufacturer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 500

    response = manufacturer.client.post(URL, body(), content_type="application/json")

    assert response.status_code == 201, response.content
    assert Passport.objects.count() == 1


@pytest.mark.parametrize("django_limit", [500, 10**6])
def test_a_body_over_the_limit_is_a_json_413_whatever_django_allows(
    manufacturer, settings, django_limit
):
    settings.API_MAX_BODY_BYTES = 900
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = django_limit

    response = manufacturer.client.post(URL, body(), content_type="application/json")

    assert_json_error(response, 413)
    assert "900 bytes" in response.json()["errors"][0]["message"]
    assert Passport.objects.count() == 0


def test_a_chunked_body_is_read_not_taken_as_empty(manufacturer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 500

    response = post_chunked(manufacturer, body())

    assert response.status_code == 201, response.content
    assert Passport.objects.get().serial == "LIMIT-1"


@pytest.mark.parametrize("django_limit", [500, 10**6])
def test_a_chunked_body_over_the_limit_is_a_json_413(manufacturer, settings, django_limit):
    settings.API_MAX_BODY_BYTES = 900
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = django_limit

    response = post_chunked(manufacturer, body())

    assert_json_error(response, 413)
    assert Passport.objects.count() == 0


def test_a_chunked_body_the_server_cannot_delimit_is_refused(manufacturer):
    response = post_chunked(manufacturer, body(), terminated=False)

    assert_json_error(response, 411)
    assert Passport.objects.count() == 0


def test_a_content_length_that_is_not_a_number_is_a_400(manufacturer):
    response = manufacturer.client.generic(
        "POST", URL, body(), content_type="application/json", CONTENT_LENGTH="12abc"
    )

    assert_json_error(response, 400)
    assert Passport.objects.count() == 0
