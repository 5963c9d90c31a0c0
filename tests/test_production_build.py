"""The production build: the image's collectstatic succeeds and pages link files WhiteNoise serves.

The Dockerfile collects static files under production settings, where the manifest storage
hashes every file and fails on a reference it cannot resolve; that failure stops the image build,
and a page naming a file missing from the manifest answers 500. Development and the rest of the
suite use the plain storage, so only these tests see the production path.
"""

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from passports.services.organisations import person_create
from tests.factories import declaration
from tests.test_deployment import dockerfile_instructions, production_environment, run_python

HTML = "text/html,application/xhtml+xml"
STATIC_REFERENCE = re.compile(r"""(?:href|src)="(/static/[^"]+)\"""")
# ManifestStaticFilesStorage puts the first 12 hex digits of the content's MD5 before the suffix.
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.\w+$")
# The static settings that decide how production stores, names and serves its files.
STATIC_SETTINGS = (
    "STATIC_URL",
    "STATIC_ROOT",
    "STORAGES",
    "WHITENOISE_USE_FINDERS",
    "WHITENOISE_AUTOREFRESH",
)


def dockerfile_collectstatic() -> list[str]:
    """The image's collectstatic command line, without the throwaway variables before it."""
    (arguments,) = [
        shlex.split(arguments)
        for name, arguments in dockerfile_instructions()
        if name == "RUN" and "collectstatic" in arguments
    ]
    start = arguments.index("manage.py")
    return arguments[start:]


@pytest.fixture(scope="module")
def production_static(tmp_path_factory) -> dict[str, Any]:
    """Runs the image's collectstatic into a fresh folder; returns production's static settings."""
    folder = tmp_path_factory.mktemp("production")
    environment = production_environment(folder) | {"STATIC_ROOT": str(folder / "static")}

    collected = run_python(dockerfile_collectstatic(), environment)
    assert collected.returncode == 0, collected.stdout + collected.stderr

    read = run_python(
        [
            "-c",
            "import json, settings; print(json.dumps({name: getattr(settings, name)"
            f" for name in {STATIC_SETTINGS!r}}}, default=str))",
        ],
        environment,
    )
    assert read.returncode == 0, read.stderr
    return json.loads(read.stdout)


@pytest.fixture
def served_as_in_production(settings, production_static) -> None:
    """This test's requests use production's storage and WhiteNoise over the collected files."""
    for name, value in production_static.items():
        setattr(settings, name, value)
    settings.DEBUG = False


def test_the_image_collects_every_static_file_under_production_settings(production_static):
    manifest = json.loads((Path(production_static["STATIC_ROOT"]) / "staticfiles.json").read_text())

    assert "manifest" in production_static["STORAGES"]["staticfiles"]["BACKEND"].lower()
    for vendored in ("vendor/chart.js-4.5.1/chart.umd.min.js", "vendor/jsqr-1.4.0/jsQR.js"):
        assert HASHED_NAME.search(manifest["paths"][vendored])


def sign_in(actor) -> Client:
    client = Client()
    username = f"{actor.organisation.kind}-{str(actor.organisation.id)[:6]}"
    client.force_login(
        person_create(organisation=actor.organisation, username=username, password="x" * 20)
    )
    return client


def assert_links_served_hashed_files(response) -> None:
    """The page rendered, and each static file it names is hashed and served by WhiteNoise."""
    assert response.status_code == 200
    references = STATIC_REFERENCE.findall(response.content.decode())
    assert references
    for url in references:
        assert HASHED_NAME.search(url), url
        served = Client().get(url)
        assert served.status_code == 200, url
        # WhiteNoise marks hashed files immutable; Django's own view would not.
        assert "immutable" in served["Cache-Control"], url
        served.close()


@pytest.mark.usefixtures("served_as_in_production")
def test_the_sign_in_page_links_hashed_static_files_that_are_served(db):
    assert_links_served_hashed_files(Client().get(reverse("login"), HTTP_ACCEPT=HTML))


@pytest.mark.usefixtures("served_as_in_production")
def test_the_passport_page_links_the_hashed_chart_library_and_it_is_served(manufacturer):
    response = manufacturer.client.post("/api/v1/passports/", declaration(), format="json")
    assert response.status_code == 201, response.json()

    page = Client().get(f"/p/{response.json()['id']}", HTTP_ACCEPT=HTML)

    assert_links_served_hashed_files(page)
    assert "/static/vendor/chart.js-4.5.1/chart.umd.min." in page.content.decode()


@pytest.mark.usefixtures("served_as_in_production")
def test_the_scan_page_links_the_hashed_qr_decoder_and_it_is_served(make_actor):
    collector = sign_in(make_actor("collector", "Collect GmbH", country="DE"))

    page = collector.get(reverse("web:intake-scan"))

    assert_links_served_hashed_files(page)
    assert "/static/vendor/jsqr-1.4.0/jsQR." in page.content.decode()
